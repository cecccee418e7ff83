"""The composition root: the one place that builds the application from settings."""

from __future__ import annotations

from dataclasses import dataclass

from api.settings import Settings
from domain.application import Berkas
from projections.store import Store


@dataclass
class System:
    settings: Settings
    store: Store
    app: Berkas

    def close(self) -> None:
        self.app.close()


def store_for(settings: Settings) -> Store:
    return Store(settings.database_url, settings.sqlite_path, settings.pool_size)


def bootstrap(settings: Settings | None = None) -> System:
    """Build everything; nothing is built at import time, so tests make as many as they like."""
    settings = settings or Settings()
    store = store_for(settings)
    with store.setup_lock():
        app = Berkas(env=store.library_env())
        store.install_guards()
    return System(settings=settings, store=store, app=app)
