"""adm render-manifests: manifests a Kubernetes 1.37 API server accepts, the custom resources
valid by the definitions rendered beside them, the same bytes every time."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from moorage.auth.bootstrap import cluster_roles
from tests.cli.conftest import Cli

KUBERNETES = "1.37"
IMAGE = "registry.example.com/moorage:0.1.0"
SCALED = ("--image", IMAGE, "--replicas", "3", "--database-url-secret", "moorage-db")
CUSTOM_KINDS = {"Config", "ImagePruner"}
PRESERVE = "x-kubernetes-preserve-unknown-fields"


@pytest.fixture(scope="module")
def renderer(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    home = tmp_path_factory.mktemp("render")
    return Cli(home / "kube" / "config", home)


@pytest.fixture(scope="module")
def stream(renderer: Cli) -> str:
    return renderer("adm", "render-manifests", *SCALED, "-o", "yaml")


@pytest.fixture(scope="module")
def rendered(stream: str) -> list[dict[str, Any]]:
    documents = list(yaml.safe_load_all(stream))
    assert stream.count("\n---\n") == len(documents) - 1
    return documents


def of_kind(rendered: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [document for document in rendered if document["kind"] == kind]


def one(rendered: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    [document] = of_kind(rendered, kind)
    return document


def definition_of(rendered: list[dict[str, Any]], resource: dict[str, Any]) -> dict[str, Any]:
    group = resource["apiVersion"].split("/")[0]
    [crd] = [
        crd
        for crd in of_kind(rendered, "CustomResourceDefinition")
        if crd["spec"]["group"] == group and crd["spec"]["names"]["kind"] == resource["kind"]
    ]
    return crd


def schema_nodes(schema: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    yield path, schema
    for name, field in schema.get("properties", {}).items():
        yield from schema_nodes(field, f"{path}.{name}")
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from schema_nodes(schema[key], f"{path}[{key}]")


def as_pruning(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema refusing what Kubernetes would prune (a field the definition does not
    name), so that a custom resource losing a field on its way in fails validation."""
    copy = {**schema}
    if "properties" in copy:
        copy["properties"] = {k: as_pruning(v) for k, v in copy["properties"].items()}
        copy["additionalProperties"] = False
    for key in ("items", "additionalProperties"):
        if isinstance(copy.get(key), dict):
            copy[key] = as_pruning(copy[key])
    return copy


def test_the_stream_holds_the_definitions_the_workload_its_access_and_the_config(
    rendered: list[dict[str, Any]],
) -> None:
    assert [d["metadata"]["name"] for d in of_kind(rendered, "CustomResourceDefinition")] == [
        "configs.imageregistry.operator.openshift.io",
        "imagepruners.imageregistry.operator.openshift.io",
        "imagestreams.image.openshift.io",
        "images.image.openshift.io",
    ]
    assert rendered[-2:] == [one(rendered, "Config"), one(rendered, "ImagePruner")]
    for kind in ("Namespace", "ServiceAccount", "ClusterRoleBinding", "PersistentVolumeClaim"):
        assert len(of_kind(rendered, kind)) == 1, kind
    assert one(rendered, "Service")["metadata"]["name"] == "image-registry"
    assert one(rendered, "Deployment")["metadata"]["name"] == "image-registry"


def test_every_kubernetes_kind_validates_strictly_against_kubernetes_schemas(
    rendered: list[dict[str, Any]],
) -> None:
    built_in = [d for d in rendered if d["kind"] not in CUSTOM_KINDS]
    for document in built_in:
        kubernetes_validate.validate(document, KUBERNETES, strict=True)
    assert len(built_in) == len(rendered) - len(CUSTOM_KINDS)


def test_definitions_are_structural(rendered: list[dict[str, Any]]) -> None:
    for crd in of_kind(rendered, "CustomResourceDefinition"):
        [version] = crd["spec"]["versions"]
        schema = version["schema"]["openAPIV3Schema"]
        assert schema["properties"]["metadata"] == {"type": "object"}
        for path, node in schema_nodes(schema):
            where = f"{crd['metadata']['name']}{path}"
            assert "type" in node or node.get(PRESERVE) is True, f"{where} has no type"
            assert not ("properties" in node and "additionalProperties" in node), where
            assert not {"$ref", "anyOf", "oneOf", "allOf", "const", "title"} & set(node), where


def test_fields_kept_as_sent_are_the_only_ones_preserved_unknown(
    rendered: list[dict[str, Any]],
) -> None:
    config = definition_of(rendered, one(rendered, "Config"))
    schema = config["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    preserved = {path for path, node in schema_nodes(schema) if node.get(PRESERVE)}
    assert preserved == {
        ".spec.affinity",
        ".spec.observedConfig",
        ".spec.resources",
        ".spec.storage.emptyDir",
        ".spec.storage.ibmcos",
        ".spec.storage.oss",
        ".spec.storage.swift",
        ".spec.tolerations[items]",
        ".spec.topologySpreadConstraints[items]",
        ".spec.unsupportedConfigOverrides",
        ".status",
    }


def test_the_config_and_pruner_validate_against_their_definitions_without_pruning(
    rendered: list[dict[str, Any]],
) -> None:
    for kind in CUSTOM_KINDS:
        resource = one(rendered, kind)
        crd = definition_of(rendered, resource)
        [version] = crd["spec"]["versions"]
        assert resource["apiVersion"] == f"{crd['spec']['group']}/{version['name']}"
        jsonschema.validate(resource, as_pruning(version["schema"]["openAPIV3Schema"]))


def test_a_definition_refuses_what_the_model_refuses(rendered: list[dict[str, Any]]) -> None:
    config = one(rendered, "Config")
    schema = definition_of(rendered, config)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    for spec in ({"replicas": -1}, {"logLevel": "Loud"}, {"storage": {"pvc": "claim"}}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**config, "spec": {**config["spec"], **spec}}, schema)


def test_the_config_is_the_default_one_with_the_replicas_and_no_secret(
    rendered: list[dict[str, Any]],
) -> None:
    config = one(rendered, "Config")
    assert config["metadata"]["name"] == "cluster"
    assert config["spec"]["replicas"] == 3
    assert config["spec"]["managementState"] == "Managed"
    assert config["spec"]["storage"] == {
        "pvc": {"claim": "image-registry-storage"},
        "managementState": "Unmanaged",
    }
    assert config["spec"]["rolloutStrategy"] == "RollingUpdate"
    assert "httpSecret" not in config["spec"]


def test_the_cluster_roles_grant_what_the_registry_s_policy_grants(
    rendered: list[dict[str, Any]],
) -> None:
    policy = {role["metadata"]["name"]: role["rules"] for role in cluster_roles()}
    roles = {role["metadata"]["name"]: role["rules"] for role in of_kind(rendered, "ClusterRole")}
    assert set(roles) == {
        "registry-admin",
        "registry-editor",
        "registry-viewer",
        "system:image-builder",
        "system:image-puller",
        "system:image-pusher",
        "system:registry",
    }
    assert all(rules == policy[name] for name, rules in roles.items())
    binding = one(rendered, "ClusterRoleBinding")
    assert binding["roleRef"]["name"] == "system:registry"
    account = one(rendered, "ServiceAccount")["metadata"]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": account["name"], "namespace": account["namespace"]}
    ]


def test_the_deployment_runs_serve_probed_on_healthz_and_readyz(
    rendered: list[dict[str, Any]],
) -> None:
    deployment = one(rendered, "Deployment")
    assert deployment["spec"]["replicas"] == 3
    pod = deployment["spec"]["template"]
    [container] = pod["spec"]["containers"]
    assert container["image"] == IMAGE
    assert container["command"] == ["moorage", "serve"]
    assert "--listen=0.0.0.0:5000" in container["args"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    served = {port["containerPort"] for port in container["ports"]}
    assert {container[p]["httpGet"]["port"] for p in ("livenessProbe", "readinessProbe")} <= served
    [database] = container["env"]
    assert database["name"] == "MOORAGE_DATABASE_URL"
    assert database["valueFrom"]["secretKeyRef"] == {"name": "moorage-db", "key": "database-url"}
    service = one(rendered, "Service")["spec"]
    assert service["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert service["selector"].items() <= pod["metadata"]["labels"].items()
    assert {"name": "5000-tcp", "port": 5000, "targetPort": 5000, "protocol": "TCP"} in (
        service["ports"]
    )


def test_everything_namespaced_lands_in_the_namespace_asked_for(renderer: Cli) -> None:
    rendered = list(yaml.safe_load_all(renderer("adm", "render-manifests", *SCALED, "-n", "reg")))
    assert one(rendered, "Namespace")["metadata"]["name"] == "reg"
    for kind in ("ServiceAccount", "PersistentVolumeClaim", "Service", "Deployment"):
        assert one(rendered, kind)["metadata"]["namespace"] == "reg", kind
    assert one(rendered, "ClusterRoleBinding")["subjects"][0]["namespace"] == "reg"


def test_the_same_input_renders_the_same_bytes_yaml_being_the_default(
    renderer: Cli, stream: str
) -> None:
    assert renderer("adm", "render-manifests", *SCALED) == stream


def test_the_output_directory_holds_the_stream_one_file_each_in_apply_order(
    renderer: Cli, stream: str, tmp_path: Path
) -> None:
    out = renderer("adm", "render-manifests", *SCALED, "--output-dir", str(tmp_path / "m"))
    files = sorted((tmp_path / "m").iterdir())
    assert out == f"wrote {len(files)} manifests to {tmp_path / 'm'}\n"
    assert "---\n".join(f.read_text() for f in files) == stream
    first = "00-customresourcedefinition-configs.imageregistry.operator.openshift.io.yaml"
    assert (files[0].name, files[-1].name) == (first, "18-imagepruner-cluster.yaml")
    assert (tmp_path / "m" / "09-clusterrole-system-image-puller.yaml").is_file()


def test_a_directory_holding_other_files_is_left_alone(renderer: Cli, tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text("kind: Secret\n")
    said = renderer.fails("adm", "render-manifests", *SCALED, "--output-dir", str(tmp_path))
    assert "holds other files (old.yaml)" in said
    assert [p.name for p in tmp_path.iterdir()] == ["old.yaml"]


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (("--bogus",), "unrecognized arguments: --bogus"),
        (("--replicas", "three"), "argument --replicas: invalid int value: 'three'"),
        (("--replicas", "0"), "--replicas must be at least 1, not 0"),
        (("--replicas", "2"), "--replicas 2 needs --database-url-secret"),
        (("-n", "Not_A_Namespace"), "is not a DNS-1123 label"),
        (("--storage-size", "lots"), "--storage-size 'lots' is not a quantity"),
        (("-o", "json"), "argument -o/--output: invalid choice: 'json'"),
    ],
)
def test_usage_mistakes_are_one_line_and_exit_2(
    renderer: Cli, arguments: tuple[str, ...], said: str
) -> None:
    result = renderer.run("adm", "render-manifests", "--image", IMAGE, *arguments)
    assert (result.returncode, result.stdout) == (2, "")
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ") and said in line, line


def test_the_image_must_be_named(renderer: Cli) -> None:
    said = renderer.fails("adm", "render-manifests")
    assert "the following arguments are required: --image" in said


def test_help_says_what_is_rendered_and_how_to_scale(renderer: Cli) -> None:
    said = renderer("adm", "render-manifests", "--help")
    for answer in ("CustomResourceDefinitions", "/readyz", "--database-url-secret", "kubectl"):
        assert answer in said
