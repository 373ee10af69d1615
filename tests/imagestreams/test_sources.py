"""Taking an image from another project needs the right to pull from it, on every path.

bob is admin of his own project and nothing else. Each way of linking an image
into his project (an ImageStreamTag created or replaced, an ImageStream's
spec.tags[].from of each kind, an ImageStreamMapping) is refused with
Forbidden naming the source until the source project grants him
system:image-puller; a refusal links nothing and makes nothing pullable.
"""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from moorage.imagestreams.sources import SourceRef, parse_source
from moorage.resources.names import Invalid
from tests.support.images import Image, digest_of, image, push_image
from tests.support.registry_auth import Account, grant, log_in, user
from tests.support.server import RunningServer
from tests.support.users import serving_users

IMAGES = "/apis/image.openshift.io/v1"
RBAC = "/apis/rbac.authorization.k8s.io/v1"
MANIFEST_TYPES = "application/vnd.oci.image.manifest.v1+json"
PASSWORDS = {"bob": "bob-secret-pw"}
GRANT = "system-image-puller-bob"  # the name tests.support.registry_auth.grant gives it


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with serving_users(tmp_path_factory.mktemp("sources"), PASSWORDS, projects=()) as running:
        yield running
    assert "unhandled error" not in running.log()


@pytest.fixture(scope="module")
def bob(server: RunningServer) -> Account:
    return log_in(server, "bob", PASSWORDS["bob"])


@dataclass
class World:
    """secret/app:v1 holds `img`; bob administers `own` and may not pull from `secret`."""

    server: RunningServer
    bob: Account
    secret: str
    own: str
    img: Image

    def api(self) -> httpx.Client:
        return self.server.api_client(self.bob.token)

    def pull(self, repository: str, reference: str) -> httpx.Response:
        return httpx.get(
            f"{self.server.url}/v2/{repository}/manifests/{reference}",
            headers={"Accept": MANIFEST_TYPES},
            auth=self.bob.basic,
        )

    def grant_pull(self) -> None:
        """A RoleBinding named GRANT in the secret project."""
        grant(self.server, self.secret, "system:image-puller", user("bob"))


@pytest.fixture
def world(server: RunningServer, bob: Account) -> World:
    secret, own = f"secret-{uuid.uuid4().hex[:8]}", f"bob-{uuid.uuid4().hex[:8]}"
    server.create_projects(secret)
    img = image()
    with server.registry_client() as admin:
        assert push_image(admin, f"{secret}/app", img, "v1").status_code == 201
    server.create_projects(own, token=bob.token)
    found = httpx.get(f"{server.url}/v2/{secret}/manifests/v1", auth=bob.basic)
    assert found.status_code == 403, "bob must start without access to the secret project"
    return World(server, bob, secret, own, img)


def _istag(w: World, source: dict[str, str]) -> dict:
    return {
        "apiVersion": "image.openshift.io/v1",
        "kind": "ImageStreamTag",
        "metadata": {"name": "stolen:v1"},
        "tag": {"name": "v1", "from": source},
    }


def _stream(w: World, source: dict[str, str]) -> dict:
    return {
        "apiVersion": "image.openshift.io/v1",
        "kind": "ImageStream",
        "metadata": {"name": "stolen"},
        "spec": {"tags": [{"name": "v1", "from": source}]},
    }


def create_istag(w: World, source: dict[str, str]) -> httpx.Response:
    with w.api() as api:
        return api.post(f"{IMAGES}/namespaces/{w.own}/imagestreamtags", json=_istag(w, source))


def replace_istag(w: World, source: dict[str, str]) -> httpx.Response:
    with w.api() as api:
        return api.put(
            f"{IMAGES}/namespaces/{w.own}/imagestreamtags/stolen:v1", json=_istag(w, source)
        )


def create_stream(w: World, source: dict[str, str]) -> httpx.Response:
    with w.api() as api:
        return api.post(f"{IMAGES}/namespaces/{w.own}/imagestreams", json=_stream(w, source))


def patch_stream(w: World, source: dict[str, str]) -> httpx.Response:
    with w.api() as api:
        made = api.post(
            f"{IMAGES}/namespaces/{w.own}/imagestreams",
            json={
                "apiVersion": "image.openshift.io/v1",
                "kind": "ImageStream",
                "metadata": {"name": "stolen"},
            },
        )
        assert made.status_code == 201, made.text
        return api.patch(
            f"{IMAGES}/namespaces/{w.own}/imagestreams/stolen",
            json={"spec": {"tags": [{"name": "v1", "from": source}]}},
            headers={"Content-Type": "application/merge-patch+json"},
        )


def map_image(w: World, source: dict[str, str]) -> httpx.Response:
    mapping = {
        "apiVersion": "image.openshift.io/v1",
        "kind": "ImageStreamMapping",
        "metadata": {"name": "stolen"},
        "image": {
            "metadata": {"name": w.img.digest},
            "dockerImageReference": f"{w.server.address}/{w.secret}/app@{w.img.digest}",
        },
        "tag": "v1",
    }
    with w.api() as api:
        return api.post(f"{IMAGES}/namespaces/{w.own}/imagestreammappings", json=mapping)


def by_tag(w: World) -> dict[str, str]:
    return {"kind": "ImageStreamTag", "name": "app:v1", "namespace": w.secret}


def by_digest(w: World) -> dict[str, str]:
    return {"kind": "ImageStreamImage", "name": f"app@{w.img.digest}", "namespace": w.secret}


def by_reference(w: World) -> dict[str, str]:
    return {"kind": "DockerImage", "name": f"{w.server.address}/{w.secret}/app:v1"}


Link = Callable[[World, dict[str, str]], httpx.Response]
Source = Callable[[World], dict[str, str]]
PATHS: list[tuple[Link, Source]] = [
    (create_istag, by_tag),
    (create_istag, by_digest),
    (replace_istag, by_tag),
    (create_stream, by_tag),
    (create_stream, by_digest),
    (create_stream, by_reference),
    (patch_stream, by_tag),
    (patch_stream, by_reference),
    (map_image, by_digest),
]
IDS = [f"{link.__name__}-{source.__name__}" for link, source in PATHS]


@pytest.mark.parametrize(("link", "source"), PATHS, ids=IDS)
def test_linking_from_a_project_without_a_grant_is_forbidden_and_links_nothing(
    world: World, link: Link, source: Source
) -> None:
    refused = link(world, source(world))
    assert refused.status_code == 403, refused.text
    status = refused.json()
    assert status["reason"] == "Forbidden"
    assert f"{world.secret}/app" in status["message"]
    assert 'User "bob" cannot get resource "imagestreams/layers"' in status["message"]
    assert world.pull(f"{world.own}/stolen", "v1").status_code == 404
    assert world.pull(f"{world.own}/stolen", world.img.digest).status_code == 404
    layer = digest_of(world.img.layers[0])
    blob = httpx.head(
        f"{world.server.url}/v2/{world.own}/stolen/blobs/{layer}", auth=world.bob.basic
    )
    assert blob.status_code == 404


@pytest.mark.parametrize(("link", "source"), PATHS, ids=IDS)
def test_linking_is_allowed_once_the_source_project_grants_image_puller(
    world: World, link: Link, source: Source
) -> None:
    world.grant_pull()
    allowed = link(world, source(world))
    assert allowed.status_code in (200, 201), allowed.text
    pulled = world.pull(f"{world.own}/stolen", "v1")
    assert pulled.status_code == 200, pulled.text
    assert pulled.headers["Docker-Content-Digest"] == world.img.digest


def test_a_refused_stream_is_not_created(world: World) -> None:
    assert create_stream(world, by_tag(world)).status_code == 403
    with world.server.api_client() as admin:
        found = admin.get(f"{IMAGES}/namespaces/{world.own}/imagestreams/stolen")
    assert found.status_code == 404


def test_the_source_is_checked_before_it_is_looked_up(world: World) -> None:
    """A refusal says nothing of what the other project holds."""
    missing = {"kind": "ImageStreamTag", "name": "nothing:here", "namespace": world.secret}
    assert create_istag(world, missing).status_code == 403


def test_a_spec_tag_left_as_it_was_is_not_followed_again(world: World) -> None:
    """An update of the stream must not take what the source serves now, which bob may no
    longer be allowed to read."""
    world.grant_pull()
    assert create_stream(world, by_tag(world)).status_code == 201
    newer = image()
    with world.server.registry_client() as admin:
        assert push_image(admin, f"{world.secret}/app", newer, "v1").status_code == 201
    with world.server.api_client() as admin:
        revoked = admin.delete(f"{RBAC}/namespaces/{world.secret}/rolebindings/{GRANT}")
    assert revoked.status_code == 200, revoked.text
    with world.api() as api:
        labelled = api.patch(
            f"{IMAGES}/namespaces/{world.own}/imagestreams/stolen",
            json={"metadata": {"labels": {"team": "b"}}},
            headers={"Content-Type": "application/merge-patch+json"},
        )
    assert labelled.status_code == 200, labelled.text
    served = world.pull(f"{world.own}/stolen", "v1")
    assert served.headers["Docker-Content-Digest"] == world.img.digest


def test_a_reference_to_another_registry_is_kept_for_import_not_linked(world: World) -> None:
    elsewhere = {"kind": "DockerImage", "name": f"quay.io/{world.secret}/app:v1"}
    made = create_stream(world, elsewhere)
    assert made.status_code == 201, made.text
    assert made.json()["spec"]["tags"][0]["from"] == elsewhere
    assert world.pull(f"{world.own}/stolen", "v1").status_code == 404


HOST = "registry.example:5000"


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        (
            {"kind": "ImageStreamTag", "name": "app:v1"},
            SourceRef("ImageStreamTag", "own", "app", "v1"),
        ),
        (
            {"kind": "ImageStreamImage", "name": "app@sha256:ab", "namespace": "other"},
            SourceRef("ImageStreamImage", "other", "app", digest="sha256:ab"),
        ),
        (
            {"kind": "DockerImage", "name": f"{HOST}/other/app:v1"},
            SourceRef("DockerImage", "other", "app", "v1"),
        ),
        ({"kind": "DockerImage", "name": "quay.io/other/app:v1"}, None),
    ],
)
def test_a_from_reference_names_a_repository_of_this_registry_or_none(
    origin: dict[str, str], expected: SourceRef | None
) -> None:
    assert parse_source(origin, "own", HOST) == expected


@pytest.mark.parametrize(
    "origin",
    [
        {"kind": "ImageStreamTag", "name": "app"},
        {"kind": "ImageStreamTag", "name": "a/b:v1"},
        {"kind": "ImageStreamImage", "name": "app:v1"},
        {"kind": "DockerImage", "name": f"{HOST}/app:v1"},
        {"kind": "Pod", "name": "app:v1"},
        {"name": "app:v1"},
    ],
)
def test_a_from_reference_of_no_usable_shape_is_invalid(origin: dict[str, str]) -> None:
    with pytest.raises(Invalid) as refused:
        parse_source(origin, "own", HOST)
    assert refused.value.causes[0]["field"] == "from"


def test_a_project_made_again_under_a_deleted_ones_name_holds_none_of_its_images(
    server: RunningServer, bob: Account
) -> None:
    """Deleting a project deletes its repositories, those pushed by digest alone included, so
    whoever makes a project of that name later gets nothing of the old one."""
    name = f"gone-{uuid.uuid4().hex[:8]}"
    server.create_projects(name)
    tagged, by_digest = image(), image()
    with server.registry_client() as admin:
        assert push_image(admin, f"{name}/tagged", tagged, "v1").status_code == 201
        assert push_image(admin, f"{name}/untagged", by_digest, by_digest.digest).status_code == 201
    with server.api_client() as admin:
        assert admin.delete(f"/api/v1/namespaces/{name}").status_code == 200
    server.create_projects(name, token=bob.token)
    with server.api_client(bob.token) as api:  # made anew, by bob
        assert api.get(f"/apis/project.openshift.io/v1/projects/{name}").status_code == 200

    with httpx.Client(base_url=server.url, auth=bob.basic) as registry:
        listed = registry.get("/v2/_catalog").json()["repositories"]
        assert not [r for r in listed if r.startswith(f"{name}/")]
        for repository, img in ((f"{name}/tagged", tagged), (f"{name}/untagged", by_digest)):
            assert registry.get(f"/v2/{repository}/manifests/{img.digest}").status_code == 404
            layer = digest_of(img.layers[0])
            assert registry.head(f"/v2/{repository}/blobs/{layer}").status_code == 404
        assert registry.get(f"/v2/{name}/tagged/manifests/v1").status_code == 404
