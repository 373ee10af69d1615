"""The registry's services run on both metadata backends, as the store's tests do."""

from tests.store.conftest import database_url, engine

__all__ = ["database_url", "engine"]
