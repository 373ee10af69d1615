"""Image kinds as the CLI shows them, once a push has recorded them."""

import httpx

from tests.cli.conftest import Cli
from tests.support.images import image, push_image


def test_image_streams_after_a_push(cli: Cli, project: str) -> None:
    assert cli.server is not None
    with httpx.Client(base_url=cli.server.url, timeout=30, auth=cli.registry_auth) as registry:
        for tag in ("v1", "latest"):
            assert push_image(registry, f"{project}/app", image(), tag).status_code == 201
    lines = cli("get", "is").splitlines()
    assert lines[0].split() == ["NAME", "IMAGE", "REPOSITORY", "TAGS", "UPDATED"]
    name, repository, tags = lines[1].split()[:3]
    assert (name, repository) == ("app", f"{cli.server.address}/{project}/app")
    assert set(tags.split(",")) == {"latest", "v1"}
    assert cli("get", "imagestreams.image.openshift.io", "app", "-o", "name") == (
        "imagestream.image.openshift.io/app\n"
    )
    istags = cli("get", "istag", "-o", "jsonpath={.items[*].metadata.name}").split()
    assert sorted(istags) == ["app:latest", "app:v1"]
    assert cli("get", "istag", "app:v1", "--template={{ .tag.name }}") in ("v1", "<no value>")
