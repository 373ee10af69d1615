"""What pull-through needs to reach another registry, kept a few seconds: a project's import
settings (its pull secrets, the cluster's rules, trust and proxy) and, made from them, a client
per registry, whose connections, protocol probe and tokens the next blobs reuse instead of
paying for them each. A change to any of those reaches pull-through within KEPT_SECONDS.

Used from several threads at once: each table is read and changed under a lock, and what
is slow (reading the settings, a client's first request) happens outside it."""

import threading
import time
from collections.abc import Callable
from typing import Any

from moorage.imagestreams.import_settings import ImportSettings
from moorage.imagestreams.importing import client_for
from moorage.upstream.client import RegistryClient
from moorage.upstream.references import DockerReference

# Until when, made from which settings, which client.
Kept = tuple[float, ImportSettings, RegistryClient]
KEPT_SECONDS = 10.0
MAX_KEPT = 256  # entries of each table; beyond, the expired go, then all


class KeptClients:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._settings: dict[str, tuple[float, ImportSettings]] = {}
        self._clients: dict[
            tuple[int, str, bool], tuple[float, ImportSettings, RegistryClient]
        ] = {}

    def settings(self, namespace: str, read: Callable[[], ImportSettings]) -> ImportSettings:
        """The project's settings as last read, or as `read` reads them now."""
        with self._lock:
            kept = self._settings.get(namespace)
        if kept is not None and kept[0] > time.monotonic():
            return kept[1]
        settings = read()
        with self._lock:
            _make_room(self._settings)
            self._settings[namespace] = (time.monotonic() + KEPT_SECONDS, settings)
        return settings

    def client(
        self, settings: ImportSettings, image: DockerReference, insecure: bool
    ) -> RegistryClient:
        """A client of `image`'s registry made from `settings`; ImportForbidden when the
        cluster's rules refuse the image, checked on every call."""
        settings.rules.check(image)
        key = (id(settings), image.api_host, insecure)
        with self._lock:
            kept = self._clients.get(key)
        # The entry holds `settings`, so no other settings can have its id while it lives.
        if kept is not None and kept[0] > time.monotonic() and kept[1] is settings:
            return kept[2]
        client = client_for(settings, image, insecure)
        with self._lock:
            _make_room(self._clients)
            self._clients[key] = (time.monotonic() + KEPT_SECONDS, settings, client)
        return client


def _make_room(table: dict[Any, Any]) -> None:
    """Clients dropped here are not closed: another thread may still be reading through one;
    their connections close when the last user lets go of them."""
    if len(table) < MAX_KEPT:
        return
    now = time.monotonic()
    for key in [key for key, entry in table.items() if entry[0] <= now]:
        del table[key]
    if len(table) >= MAX_KEPT:
        table.clear()
