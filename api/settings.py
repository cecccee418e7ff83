"""Settings (pengaturan): one validated class, read from BERKAS_* environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from psycopg import ProgrammingError
from psycopg.conninfo import conninfo_to_dict
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SQLITE_URL = "sqlite:///"


class Settings(BaseSettings):
    """``BERKAS_DATABASE_URL`` unset means an embedded SQLite file at ``sqlite_path``."""

    model_config = SettingsConfigDict(env_prefix="BERKAS_", extra="ignore")

    database_url: str | None = None
    sqlite_path: Path = Path("berkas.db")
    pool_size: int = 5
    # Where ``berkas serve`` listens: loopback unless told otherwise (the container says 0.0.0.0).
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    # False when connecting as the restricted application role (``berkas store
    # create-app-role``): the owner has created the tables and the append-only triggers.
    create_tables: bool = True
    # ``berkas serve`` keeps the views current in-process; safe beside a separate worker.
    follow_projections: bool = True
    # The ledger's Ed25519 private key (PEM); unset: beside the SQLite file, or
    # ``berkas-ledger.key`` on PostgreSQL, created by ``berkas store init``.
    ledger_key_path: Path | None = None
    # The signer's witness (the last checkpoint this installation signed), written by the
    # signing process; unset: beside the ledger key (``<key path>.witness``). Set it where
    # the key's directory is read-only (a container's secrets).
    ledger_witness_path: Path | None = None
    # HTTP: bodies above this are refused (413) before they are read.
    max_body_bytes: int = Field(1_048_576, ge=1024)
    # HTTP: how long a bearer token's lookup is reused; a revocation made by another
    # process takes effect within this time (at once in the process that made it).
    token_cache_seconds: float = Field(5.0, ge=0)
    # HTTP: how long an Idempotency-Key is remembered; after that, a request sent with it
    # runs afresh (expired keys are pruned from the table as requests come in).
    idempotency_ttl_hours: float = Field(48.0, gt=0, le=24 * 365)
    # HTTP: how long a rendered case may be reused while the log shows it unchanged (see
    # api/http/reading.py; an erasure of personal data empties the cache at once).
    read_cache_seconds: float = Field(60.0, ge=0)
    # PostgreSQL: how long to wait for a connection or a statement before answering 503.
    database_timeout_seconds: float = Field(3.0, gt=0, le=300)
    # The personal-data key file (KEK and blind-index key); beside the SQLite file when
    # unset. Created on first start of an empty store, mode 0600; required after that.
    personal_data_key_path: Path | None = None
    # How long a subject's personal data is kept after the last of their cases closed
    # before erasure is allowed (masa retensi), in days.
    retention_days: int = Field(5 * 365, ge=0, le=100 * 365)
    # How long a subject's key, and a case answer rendered with it, is reused, in seconds: an
    # erasure made by another process shows in this one's reads within twice this.
    personal_data_cache_seconds: float = Field(5.0, ge=0, le=3600)
    # Keys the web interface's CSRF tokens and seals its session rows (at least 32 characters).
    # Unset: derived from the personal-data key file, so every process over one store agrees.
    session_secret: SecretStr | None = Field(None, min_length=32)
    # Addresses of the reverse proxies whose X-Forwarded-Proto/-For ``berkas serve`` believes
    # (uvicorn's forwarded_allow_ips: comma-separated IPs or networks, ``*`` for any): a
    # request a trusted proxy received over HTTPS gets a ``Secure`` session cookie.
    forwarded_allow_ips: str = Field("127.0.0.1", min_length=1, max_length=1000, pattern=r"^[0-9A-Fa-f:.,/* ]+$")
    # How long a web interface session lasts after signing in (one working day), in seconds.
    session_lifetime_seconds: int = Field(8 * 3600, ge=60, le=7 * 86400)

    @property
    def personal_data_key_file(self) -> Path:
        return self.personal_data_key_path or self.sqlite_path.with_name(self.sqlite_path.name + ".personal-data.key")

    # Log lines: ``json`` (one object a line, for collectors), ``text``, or ``auto``: text on
    # a terminal, JSON otherwise.
    log_format: Literal["auto", "json", "text"] = "auto"
    # The first line of every checkpoint (C2SP origin), fixed when the ledger starts;
    # unset: a random ``berkas.invalid/log-…`` name, unique to this store.
    ledger_origin: str | None = Field(None, pattern=r"^[^\s+]+$")
    # A projection worker silent for longer than this loses its views to another worker.
    worker_lease_seconds: float = Field(30.0, ge=1, le=3600)
    # Pencatatan terlambat: an entry whose business time is more than this many days before
    # it is recorded needs a supervisor and a late_entry_reason (kept on the event).
    late_entry_days: int = Field(30, ge=0, le=3650)

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, url: str | None) -> str | None:
        if url and not url.startswith(("postgresql://", "postgres://", SQLITE_URL)):
            raise ValueError("must be a postgresql:// URL, or sqlite:///PATH (or unset) for the embedded SQLite file")
        if url and not url.startswith(SQLITE_URL):
            try:
                conninfo_to_dict(url)
            except ProgrammingError:
                # libpq's message may quote the URL, password included.
                raise ValueError("is not a valid postgresql:// URL") from None
        return url or None

    @model_validator(mode="after")
    def _sqlite_url(self) -> Settings:
        """``sqlite:///berkas.db`` (relative) and ``sqlite:////var/lib/berkas.db`` (absolute),
        the common convention, name the SQLite file."""
        if self.database_url and self.database_url.startswith(SQLITE_URL):
            path = self.database_url.removeprefix(SQLITE_URL).partition("?")[0]
            if not path:
                raise ValueError("database_url: sqlite:/// needs a file path, e.g. sqlite:///berkas.db")
            self.sqlite_path, self.database_url = Path(path), None
        return self
