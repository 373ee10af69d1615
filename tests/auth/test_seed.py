"""The bootstrap cluster roles are created once, and served by the API from the first start."""

from sqlalchemy import Engine

from moorage.auth.bootstrap import RBAC_GROUP, cluster_role_bindings, cluster_roles, seed
from moorage.resources.catalogue import catalogue
from moorage.store.resources import Ref, ResourceStore
from tests.support.server import RunningServer

CLUSTER_ROLES = f"/apis/{RBAC_GROUP}/v1/clusterroles"


def test_seeding_creates_every_role_once(engine: Engine) -> None:
    store = ResourceStore(engine)
    assert seed(store, catalogue()) == len(cluster_roles()) + len(cluster_role_bindings())
    assert seed(store, catalogue()) == 0


def test_a_role_an_administrator_changed_is_kept(engine: Engine) -> None:
    store = ResourceStore(engine)
    seed(store, catalogue())
    with store.transaction() as tx:
        ref = Ref(RBAC_GROUP, "clusterroles", "", "view")
        role = tx.require(ref)
        role["metadata"].setdefault("labels", {})["changed"] = "yes"
        tx.update(ref, role)
    seed(store, catalogue())
    with store.reading() as tx:
        assert tx.require(ref)["metadata"]["labels"]["changed"] == "yes"


def test_a_new_server_serves_the_registry_roles(server: RunningServer) -> None:
    with server.api_client() as api:
        viewer = api.get(f"{CLUSTER_ROLES}/registry-viewer")
        assert viewer.status_code == 200
        names = {item["metadata"]["name"] for item in api.get(CLUSTER_ROLES).json()["items"]}
    assert {"cluster-admin", "registry-editor", "system:image-puller"} <= names
