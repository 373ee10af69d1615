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


@pytest.mark.parametrize(
    ("written", "host"),
    [
        ("QUAY.io", "quay.io"),
        ("127.1:5000", "127.0.0.1:5000"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("[0:0::1]:5000", "[::1]:5000"),
        ("[::ffff:127.0.0.1]", "127.0.0.1"),
    ],
)
def test_a_host_has_one_spelling_for_the_address_it_reaches(written: str, host: str) -> None:
    assert parse_reference(f"{written}/team/app").host == host


@pytest.mark.parametrize(
    "written", ["a..b", "quay.io.", "quay.io:http", "quay.io:70000", "qu_ay.io", "[::g]"]
)
def test_what_names_no_host_is_refused(written: str) -> None:
    with pytest.raises(BadReference, match=r"cannot name a host|is no IPv6 address"):
        parse_reference(f"{written}/team/app")
