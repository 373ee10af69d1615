"""The token endpoint asks the policy once per request, however many scopes it is asked for.

Served in-process (a real aiohttp server on 127.0.0.1, a real SQLite store), so the
statements every connection of the store runs can be counted, FastReads included.
"""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web
from sqlalchemy import Engine, event

from moorage.auth.bootstrap import seed
from moorage.auth.identities import Identities
from moorage.auth.policy import StoredPolicy
from moorage.auth.registry_access import RegistryAccess
from moorage.auth.registry_authentication import RegistryAuthentication
from moorage.auth.registry_tokens import RegistryTokens
from moorage.auth.token_keys import SigningKeys
from moorage.distribution.app import build_app
from moorage.distribution.callers import Guard
from moorage.distribution.services import ServiceNames
from moorage.registry.service import Registry
from moorage.resources.catalogue import catalogue
from moorage.storage.memory import MemoryBlobStore
from moorage.store.database import migrate, open_engine, sqlite_url
from moorage.store.registry_metadata import RegistryMetadata
from moorage.store.resources import ResourceStore

NEWEST_RBAC_CHANGE = "max(resource_events.resource_version)"


@pytest.fixture
def traced(tmp_path: Path) -> Iterator[tuple[Engine, list[str]]]:
    """A migrated SQLite store whose every statement, on any connection, is recorded."""
    engine = open_engine(sqlite_url(tmp_path / "metadata.db"))
    statements: list[str] = []
    event.listen(engine, "connect", lambda dbapi, _: dbapi.set_trace_callback(statements.append))
    migrate(engine)
    seed(ResourceStore(engine), catalogue())
    yield engine, statements
    engine.dispose()


def registry_app(engine: Engine) -> web.Application:
    resources = ResourceStore(engine)
    authentication = RegistryAuthentication(
        identities=Identities(resources),
        access=RegistryAccess(StoredPolicy(resources), resources),
        tokens=RegistryTokens(SigningKeys(resources)),
    )
    guard = Guard(authentication, ServiceNames("registry.test"))
    registry = Registry.build(MemoryBlobStore(), RegistryMetadata(engine), b"s" * 32)
    return build_app(registry, guard)


def policy_reads(statements: list[str]) -> int:
    return sum(NEWEST_RBAC_CHANGE in s and "api_group" in s for s in statements)


async def token_requests(
    app: web.Application, scopes: list[str], count: int, statements: list[str]
) -> list[tuple[int, int]]:
    """(status, policy version reads) of each of `count` token requests for `scopes`."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    answers = []
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            params = [("service", "registry.test"), *(("scope", s) for s in scopes)]
            for _ in range(count):
                before = policy_reads(statements)
                answer = await client.get("/openshift/token", params=params)
                answers.append((answer.status_code, policy_reads(statements) - before))
    finally:
        await runner.cleanup()
    return answers


def test_a_token_request_reads_the_policy_version_once_for_all_its_scopes(
    traced: tuple[Engine, list[str]],
) -> None:
    engine, statements = traced
    scopes = [f"repository:proj{i}/app:pull,push,delete" for i in range(10)]
    scopes.append("registry:catalog:*")

    answers = asyncio.run(token_requests(registry_app(engine), scopes, 4, statements))

    # The first reads the version again in the thread that reads the whole policy.
    assert answers == [(200, 2), (200, 1), (200, 1), (200, 1)]
