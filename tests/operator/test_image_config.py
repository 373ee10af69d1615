"""image.config.openshift.io/cluster: made at first start, read and patched as on OpenShift,
its status naming the registry's service host and its routes' hosts."""

import yaml

from tests.cli.conftest import Cli
from tests.operator.conftest import CONFIG, get_json, wait_for

IMAGE_CONFIG = "image.config.openshift.io/cluster"


def _status(oc: Cli) -> dict[str, object]:
    return get_json(oc, IMAGE_CONFIG).get("status") or {}


def test_the_first_start_makes_it_and_get_prints_it_as_yaml(oc: Cli) -> None:
    shown = yaml.safe_load(oc("get", IMAGE_CONFIG, "-o", "yaml"))
    assert shown["apiVersion"] == "config.openshift.io/v1"
    assert shown["kind"] == "Image"
    assert shown["metadata"]["name"] == "cluster"
    wait_for(lambda: "internalRegistryHostname" in _status(oc), "the operator's status")
    port = oc.server.address.rpartition(":")[2] if oc.server else ""
    hostname = f"image-registry.openshift-image-registry.svc:{port}"
    assert _status(oc)["internalRegistryHostname"] == hostname


def test_its_spec_takes_openshifts_fields_by_patch(oc: Cli) -> None:
    spec = {
        "additionalTrustedCA": {"name": "registry-cas"},
        "registrySources": {
            "blockedRegistries": ["untrusted.example.com"],
            "insecureRegistries": ["plain.example.com:5000"],
        },
        "allowedRegistriesForImport": [{"domainName": "quay.io", "insecure": False}],
        "externalRegistryHostnames": ["registry.example.com"],
    }
    oc("patch", IMAGE_CONFIG, "--type", "merge", "-p", yaml.safe_dump({"spec": spec}))
    assert get_json(oc, IMAGE_CONFIG)["spec"] == spec


def test_allowed_and_blocked_registries_together_are_refused(oc: Cli) -> None:
    sources = '{"allowedRegistries":["a.io"],"blockedRegistries":["b.io"]}'
    both = f'{{"spec":{{"registrySources":{sources}}}}}'
    error = oc.fails("patch", IMAGE_CONFIG, "--type", "merge", "-p", both)
    assert "only one of allowedRegistries or blockedRegistries may be set" in error


def test_status_lists_the_routes_hosts_then_the_specs(oc: Cli) -> None:
    oc("patch", CONFIG, "--type", "merge", "-p", '{"spec":{"defaultRoute":true}}')
    oc(
        "patch",
        IMAGE_CONFIG,
        "--type",
        "merge",
        "-p",
        '{"spec":{"externalRegistryHostnames":["registry.example.com"]}}',
    )
    wanted = [
        "default-route-openshift-image-registry.apps.localhost",
        "registry.example.com",
    ]
    wait_for(lambda: _status(oc).get("externalRegistryHostnames") == wanted, "the hostnames")
