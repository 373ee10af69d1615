"""Which registries may be imported from, by image.config.openshift.io/cluster's rules."""

import pytest

from moorage.imagestreams.import_rules import ImportForbidden, ImportRules
from moorage.upstream.references import parse_reference


def _refusal(rules: ImportRules, image: str) -> str | None:
    try:
        rules.check(parse_reference(image))
    except ImportForbidden as exc:
        return exc.message
    return None


def test_a_blocked_host_subdomain_or_repository_is_refused_naming_the_rule() -> None:
    rules = ImportRules.from_spec(
        {"registrySources": {"blockedRegistries": ["bad.io", "*.evil.com", "quay.io/team"]}}
    )
    for image in ("bad.io/app", "reg.evil.com/app", "quay.io/team/app:v1"):
        refusal = _refusal(rules, image)
        assert refusal is not None and "spec.registrySources.blockedRegistries" in refusal
    for image in ("evil.com/app", "quay.io/teams/app", "bad.io:5000/app"):
        assert _refusal(rules, image) is None


def test_allowed_lists_admit_only_what_they_name() -> None:
    rules = ImportRules.from_spec(
        {
            "registrySources": {"allowedRegistries": ["quay.io", "reg.example.com:5000"]},
            "allowedRegistriesForImport": [{"domainName": "quay.io"}],
        }
    )
    assert _refusal(rules, "quay.io/team/app") is None
    assert "is not in spec.allowedRegistriesForImport" in str(
        _refusal(rules, "reg.example.com:5000/app")
    )
    assert "is not in spec.registrySources.allowedRegistries" in str(_refusal(rules, "busybox"))


@pytest.mark.parametrize(("image", "plain"), [("plain.io/app", True), ("other.io/app", False)])
def test_insecure_registries_may_be_reached_over_http(image: str, plain: bool) -> None:
    rules = ImportRules.from_spec({"registrySources": {"insecureRegistries": ["plain.io"]}})
    assert rules.allows_http(parse_reference(image)) is plain


@pytest.mark.parametrize(
    "image",
    [
        "BAD.io/app",
        "bad.io:443/app",
        "bad.io:80/app",
        "127.1:5000/app",
        "0x7f.0.0.1:5000/app",
        "[0:0::1]/app",
        "[::ffff:127.0.0.1]:5000/app",
    ],
)
def test_a_blocked_host_is_refused_however_its_address_is_spelled(image: str) -> None:
    blocked = ["bad.io", "127.0.0.1:5000", "[::1]"]
    rules = ImportRules.from_spec({"registrySources": {"blockedRegistries": blocked}})
    assert "blockedRegistries" in str(_refusal(rules, image))


@pytest.mark.parametrize("host", ["bad.io", "BAD.io.", "bad.io.:443", "127.1:5000", "[0::1]"])
def test_a_request_to_a_blocked_host_however_spelled_is_refused(host: str) -> None:
    blocked = ["bad.io", "127.0.0.1:5000", "[::1]"]
    rules = ImportRules.from_spec({"registrySources": {"blockedRegistries": blocked}})
    assert "blockedRegistries" in str(rules.host_refusal(host))
    assert rules.host_refusal("good.io") is None
