"""Sessions of the web interface and CSRF tokens (sesi dan token formulir).

The bearer token is pasted once and never kept. Signing in starts a session: a row in
``berkas_ui_sessions`` keyed by the SHA-256 of a random 256-bit id, and the cookie carries
that id and nothing else. Signing out, the session's end of life, and revoking the account
end it in the database, so a copied cookie replayed later is a stranger's, in every process.
A visitor who has not signed in holds an id that names no row: it only keys the CSRF token
of the sign-in form. Every form's CSRF token is an HMAC of the session id.

Each row is sealed: an HMAC, under the session secret, of the id, the account and the end
of life. Whoever may write the table (the application's role, a superuser) but does not
hold the secret can neither insert a session for someone nor turn their own into another
account's or lengthen it: a row whose seal does not match names no session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from psycopg import sql as pgsql

from projections.eventstore import sql
from projections.eventstore.store import Store

COOKIE = "berkas_session"
TABLE = "berkas_ui_sessions"
_KEY = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Session:
    key: str  # what the cookie carries
    user_id: str | None  # None: a visitor who has not signed in (or whose session ended)
    expires_at: int = 0


def create_table(conn: Any) -> None:
    """The sessions table (mutable, operational like the rebuild jobs; idempotent)."""
    sql.execute(
        conn,
        f"CREATE TABLE IF NOT EXISTS {TABLE} (id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, "
        "created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, ended_at BIGINT, seal TEXT)",
    )
    # Tables made before rows were sealed: their rows, unsealed, are no sessions any more.
    sql.add_column(conn, TABLE, "seal", "TEXT")
    sql.execute(conn, f"CREATE INDEX IF NOT EXISTS {TABLE}_user ON {TABLE} (user_id)")


def grant_to(conn: Any, role: str) -> None:
    """PostgreSQL: the application's restricted role signs people in and out."""
    conn.execute(
        pgsql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(
            pgsql.Identifier(TABLE), pgsql.Identifier(role)
        )
    )


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def _now(now: float | None) -> int:
    return int(now if now is not None else time.time())


def end_all(store: Store, user_id: str, now: float | None = None) -> None:
    """An account revoked: every session it holds ends (none where the web interface never
    made its table)."""
    with store.connect() as conn:
        if sql.table_exists(conn, TABLE):
            sql.execute(
                conn, f"UPDATE {TABLE} SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL", (_now(now), user_id)
            )


class Sessions:
    def __init__(self, store: Store, secret: bytes, lifetime_seconds: int):
        if len(secret) < 32:
            raise ValueError("the session secret must be at least 32 bytes")
        self._store = store
        self._secret = secret
        self.lifetime_seconds = lifetime_seconds

    @staticmethod
    def visitor() -> Session:
        return Session(secrets.token_urlsafe(32), None)

    def start(self, user_id: str, now: float | None = None) -> Session:
        """A new session for a signed-in account: always a new id, never the visitor's."""
        at = _now(now)
        session = Session(secrets.token_urlsafe(32), user_id, at + self.lifetime_seconds)
        with self._store.connect() as conn:
            # Sessions long over are forgotten here, where a row is added anyway.
            sql.execute(conn, f"DELETE FROM {TABLE} WHERE expires_at < ?", (at - self.lifetime_seconds,))
            sql.execute(
                conn,
                f"INSERT INTO {TABLE} (id_hash, user_id, created_at, expires_at, seal) VALUES (?, ?, ?, ?, ?)",
                (
                    _digest(session.key),
                    user_id,
                    at,
                    session.expires_at,
                    self._seal(session.key, user_id, session.expires_at),
                ),
            )
        return session

    def _seal(self, key: str, user_id: str, expires_at: int) -> str:
        message = "\0".join(("session", key, user_id, str(expires_at))).encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def read(self, key: str | None, now: float | None = None) -> Session | None:
        """The session a cookie names: None for no cookie or a malformed one; a visitor's
        (no account) for an id that names no live session — ended, expired, never started, or
        a row not sealed with this secret."""
        if not key or not _KEY.fullmatch(key):
            return None
        with self._store.read() as conn:
            found = sql.fetchall(
                conn,
                f"SELECT user_id, expires_at, seal FROM {TABLE} "
                "WHERE id_hash = ? AND ended_at IS NULL AND expires_at > ?",
                (_digest(key), _now(now)),
            )
        if not found:
            return Session(key, None)
        user_id, expires_at, seal = found[0][0], int(found[0][1]), found[0][2]
        if not seal or not hmac.compare_digest(seal, self._seal(key, user_id, expires_at)):
            return Session(key, None)
        return Session(key, user_id, expires_at)

    def end(self, session: Session, now: float | None = None) -> None:
        """Sign-out: the id names nothing from now on, wherever it is replayed."""
        with self._store.connect() as conn:
            sql.execute(
                conn,
                f"UPDATE {TABLE} SET ended_at = ? WHERE id_hash = ? AND ended_at IS NULL",
                (_now(now), _digest(session.key)),
            )

    def csrf_token(self, session: Session) -> str:
        mac = hmac.new(self._secret, b"csrf\0" + session.key.encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")

    def csrf_valid(self, session: Session | None, token: str | None) -> bool:
        return bool(session and token) and hmac.compare_digest(self.csrf_token(session), token)
