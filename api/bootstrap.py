"""The composition root: the one place that reads the settings, loads the ledger key and
builds the store, the application and the projections. Nothing is built at import time."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.settings import Settings
from domain.application import Berkas
from projections.catalog import all_projections
from projections.eventstore.store import Store
from projections.ledger import keys, witness
from projections.privacy import keyfile, rotation
from projections.privacy.vault import KeyFileMismatch, Vault
from projections.runner import Projection


class StoreNotReady(Exception):
    """The event store has not been set up by its owner."""


def settings_from_environment() -> Settings:
    """The settings from BERKAS_* variables: the only place that reads them."""
    return Settings()


def ledger_key_path(settings: Settings) -> Path:
    """The configured key file, else the default one beside the store (see ``keys``)."""
    return settings.ledger_key_path or keys.default_path(None if settings.database_url else settings.sqlite_path)


def ledger_witness_path(settings: Settings) -> Path:
    """The signer's witness: the configured file, else beside the key (see ``witness``)."""
    return settings.ledger_witness_path or witness.default_path(ledger_key_path(settings))


def witnessed(settings: Settings, key: Ed25519PrivateKey) -> Ed25519PrivateKey:
    """The key as the installation signs with it: checking and advancing its witness."""
    return witness.WitnessedKey(key, ledger_witness_path(settings))


def load_ledger_key(settings: Settings) -> Ed25519PrivateKey | None:
    """The ledger's signing key: the configured one (``keys.LedgerKeyError`` if unreadable),
    or the default one once ``store init`` has created it."""
    if settings.ledger_key_path is not None:
        return witnessed(settings, keys.load_private(settings.ledger_key_path))
    # Only the SQLite file's own key is found unasked; on PostgreSQL a key in the working
    # directory would sign for whichever database that directory's commands happen to reach.
    path = ledger_key_path(settings)
    if settings.database_url is None and path.exists():
        return witnessed(settings, keys.load_private(path))
    return None


def store_for(settings: Settings) -> Store:
    return Store(settings.database_url, settings.sqlite_path, settings.pool_size, settings.database_timeout_seconds)


@dataclass
class System:
    settings: Settings
    store: Store
    app: Berkas
    vault: Vault

    @property
    def ledger_key_path(self) -> Path:
        return ledger_key_path(self.settings)

    @cached_property
    def ledger_key(self) -> Ed25519PrivateKey | None:
        return load_ledger_key(self.settings)

    def ensure_ledger_key(self) -> tuple[Ed25519PrivateKey, bool]:
        """The signing key, created at ``ledger_key_path`` when there is none (and whether it was)."""
        found, created = keys.ensure(self.ledger_key_path)
        key = witnessed(self.settings, found)
        self.__dict__["ledger_key"] = key
        return key, created

    @property
    def ledger_witness_path(self) -> Path:
        return ledger_witness_path(self.settings)

    def projections(self) -> list[Projection]:
        """Every projection, the seal with the ledger key: what followers and rebuilds run."""
        return all_projections(self.ledger_key)

    def close(self) -> None:
        self.app.close()
        self.vault.close()
        self.store.close()


def open_vault(settings: Settings, store: Store) -> Vault:
    """The subject vault with its key file: created for a store that holds no subject yet,
    required (and checked against the store) for one that does."""
    path = settings.personal_data_key_file
    if settings.create_tables:
        Vault.create_tables_in(store)
    try:
        if path.exists():
            personal_keys = keyfile.load(path)
        elif Vault.store_holds_subjects(store):
            raise StoreNotReady(f"the personal-data key file {path} is missing, and this store was sealed with one")
        else:
            personal_keys = keyfile.load_or_create(path)  # a sibling worker may make it first
        vault = Vault(store, personal_keys, settings.personal_data_cache_seconds)
        try:
            vault.check_keys()
        except KeyFileMismatch:
            # A key rotation killed once the store was re-wrapped: its new key file finishes it.
            finished = rotation.finish(store, path)
            if finished is None:
                raise
            vault = Vault(store, finished[0], settings.personal_data_cache_seconds)
    except (keyfile.PersonalDataKeyError, KeyFileMismatch, rotation.RotationRefused) as error:
        raise StoreNotReady(str(error)) from None
    return vault


def bootstrap(settings: Settings | None = None) -> System:
    """Build everything; tests make as many independent systems as they like."""
    settings = settings or settings_from_environment()
    store = store_for(settings)
    with store.setup_lock():
        vault = open_vault(settings, store)
        if settings.create_tables:
            app = Berkas(env=store.library_env(), seal=vault, late_entry_days=settings.late_entry_days)
            store.install_guards()
        else:
            app = Berkas(
                env=store.library_env() | {"CREATE_TABLE": "false"},
                seal=vault,
                late_entry_days=settings.late_entry_days,
            )
            if not store.guards_installed():
                app.close()
                raise StoreNotReady(
                    "the events table is missing or not append-only: run `berkas store init` as its owner"
                )
    return System(settings=settings, store=store, app=app, vault=vault)
