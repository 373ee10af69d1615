"""The stored policy: read again only when RBAC changed, and never on the event loop."""

import asyncio
import threading

from sqlalchemy import Engine, event

from moorage.auth.bootstrap import seed
from moorage.auth.policy import StoredPolicy
from moorage.auth.project_defaults import role_binding
from moorage.auth.rbac import Attributes
from moorage.resources.catalogue import catalogue
from moorage.store.resources import ResourceStore

PULL_LAYERS = Attributes(
    "alice", (), "get", "image.openshift.io", "imagestreams", "layers", namespace="proj"
)


def statements_by_thread(engine: Engine) -> list[int]:
    """The thread of every statement SQLAlchemy runs on `engine` from now on."""
    threads: list[int] = []
    event.listen(
        engine, "before_cursor_execute", lambda *_args: threads.append(threading.get_ident())
    )
    return threads


def grant_alice(store: ResourceStore) -> None:
    subject = {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"}
    with store.transaction() as tx:
        tx.create(*role_binding("proj", "pullers", "system:image-puller", [subject]))


def test_an_unchanged_policy_is_not_read_again(store: ResourceStore, engine: Engine) -> None:
    seed(store, catalogue())
    policy = StoredPolicy(store)
    first = policy.current()
    statements = statements_by_thread(engine)

    async def decide() -> None:
        for _ in range(100):
            assert await policy.fresh() is first

    asyncio.run(decide())
    assert statements == []


def test_a_change_is_seen_by_the_next_decision_and_read_off_the_event_loop(
    store: ResourceStore, engine: Engine
) -> None:
    seed(store, catalogue())
    policy = StoredPolicy(store)
    assert not policy.current().authorize(PULL_LAYERS).allowed
    grant_alice(store)
    statements = statements_by_thread(engine)

    async def decide() -> bool:
        return (await policy.fresh()).authorize(PULL_LAYERS).allowed

    assert asyncio.run(decide())
    assert statements and threading.get_ident() not in statements
