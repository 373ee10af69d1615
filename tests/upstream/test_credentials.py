"""Which pull secret's credentials an image gets: OpenShift's matching, most specific first."""

import base64
import json
from typing import Any

from moorage.upstream.credentials import Credentials, credentials_for
from moorage.upstream.references import parse_reference


def _secret(
    auths: dict[str, str], kind: str = "kubernetes.io/dockerconfigjson", **meta: object
) -> dict[str, Any]:
    entries = {key: {"auth": _b64(pair.encode())} for key, pair in auths.items()}
    if kind == "kubernetes.io/dockerconfigjson":
        key, document = ".dockerconfigjson", {"auths": entries}
    else:
        key, document = ".dockercfg", entries
    data = {key: _b64(json.dumps(document).encode())}
    return {"type": kind, "metadata": {"name": "pull", **meta}, "data": data}


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _for(image: str, *secrets: dict[str, Any]) -> Credentials | None:
    return credentials_for(parse_reference(image), list(secrets))


def test_a_key_matches_its_host_and_port_only() -> None:
    secret = _secret({"quay.io": "a:1", "reg.example.com:5000": "b:2"})
    assert _for("quay.io/team/app:v1", secret) == Credentials("a", "1")
    assert _for("reg.example.com:5000/app", secret) == Credentials("b", "2")
    assert _for("reg.example.com/app", secret) is None
    assert _for("other.io/app", secret) is None


def test_globs_match_one_host_part_each() -> None:
    secret = _secret({"*.example.com": "a:1"})
    assert _for("reg.example.com/app", secret) == Credentials("a", "1")
    assert _for("a.b.example.com/app", secret) is None


def test_the_most_specific_key_wins() -> None:
    secret = _secret({"*.example.com": "glob:1", "reg.example.com": "host:2"})
    paths = _secret({"reg.example.com/team": "team:3"}, kind="kubernetes.io/dockercfg")
    assert _for("reg.example.com/other/app", secret, paths) == Credentials("host", "2")
    assert _for("reg.example.com/team/app", secret, paths) == Credentials("team", "3")
    assert _for("reg.example.com/teams/app", paths) is None


def test_docker_hub_keys_and_excluded_secrets() -> None:
    hub = _secret({"https://index.docker.io/v1/": "hub:1"})
    assert _for("busybox", hub) == Credentials("hub", "1")
    excluded = _secret({"quay.io": "a:1"}, annotations={"openshift.io/image.excludeSecret": "true"})
    assert _for("quay.io/app", excluded) is None
    assert _for("quay.io/app", {"type": "Opaque", "data": {}}) is None


def test_entries_that_are_not_dockers_give_nothing() -> None:
    odd = {"quay.io": {"auth": 5}, "reg.io": {"auth": ["a:b"]}, "x.io": {"auth": "!!"}}
    data = {".dockerconfigjson": _b64(json.dumps({"auths": odd}).encode())}
    secret = {"type": "kubernetes.io/dockerconfigjson", "metadata": {"name": "odd"}, "data": data}
    for image in ("quay.io/a/b", "reg.io/a/b", "x.io/a/b"):
        assert _for(image, secret) is None
