"""Image references read as `docker pull` reads them."""

import pytest

from moorage.upstream.references import BadReference, DockerReference, parse_reference

DIGEST = "sha256:" + "a" * 64


def test_hosts_ports_tags_and_digests() -> None:
    assert parse_reference("quay.io/team/app:v1") == DockerReference("quay.io", "team/app", "v1")
    assert parse_reference("127.0.0.1:5000/app") == DockerReference("127.0.0.1:5000", "app")
    assert parse_reference(f"localhost/app@{DIGEST}").digest == DIGEST
    assert parse_reference("reg.io:443/a/b:c").reference == "c"


def test_docker_hub_names() -> None:
    busybox = parse_reference("busybox")
    assert (busybox.host, busybox.path, busybox.api_host) == (
        "docker.io",
        "library/busybox",
        "registry-1.docker.io",
    )
    assert str(parse_reference("team/app:1")) == "docker.io/team/app:1"


@pytest.mark.parametrize("text", ["quay.io/Team/app", "app:", "app@sha256:12", "a//b", ""])
def test_what_names_no_image_is_refused(text: str) -> None:
    with pytest.raises(BadReference):
        parse_reference(text)
