"""create -f (files, stdin, Lists, JSON), create secret generic|tls|docker-registry, create
configmap, create quota."""

import base64
import json
from pathlib import Path

import yaml

from tests.cli.conftest import Cli
from tests.support.images import image, push_image

CERT = "-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\nMIIBkey\n-----END PRIVATE KEY-----\n"


def _secret_data(cli: Cli, name: str, namespace: str) -> dict[str, str]:
    secret = json.loads(cli("get", "secret", name, "-n", namespace, "-o", "json"))
    return {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}


def test_secret_generic_from_literals_and_files_as_the_spec_shows(cli: Cli, project: str) -> None:
    (cli.cwd / "value1").write_text("from a file")
    out = cli(
        "create",
        "secret",
        "generic",
        "image-registry-private-configuration-user",
        "--from-file=KEY1=value1",
        "--from-literal=KEY2=value2",
        "--namespace",
        project,
    )
    assert out == "secret/image-registry-private-configuration-user created\n"
    data = _secret_data(cli, "image-registry-private-configuration-user", project)
    assert data == {"KEY1": "from a file", "KEY2": "value2"}


def test_secret_generic_with_s3_literals(cli: Cli, project: str) -> None:
    cli(
        "create",
        "secret",
        "generic",
        "s3-creds",
        "--from-literal=REGISTRY_STORAGE_S3_ACCESSKEY=myaccesskey",
        "--from-literal=REGISTRY_STORAGE_S3_SECRETKEY=mysecretkey",
        "-n",
        project,
    )
    assert _secret_data(cli, "s3-creds", project)["REGISTRY_STORAGE_S3_SECRETKEY"] == "mysecretkey"


def test_secret_tls(cli: Cli, project: str) -> None:
    (cli.cwd / "tls.crt").write_text(CERT)
    (cli.cwd / "tls.key").write_text(KEY)
    cli(
        "create",
        "secret",
        "tls",
        "public-route-tls",
        "-n",
        project,
        "--cert=tls.crt",
        "--key=tls.key",
    )
    secret = yaml.safe_load(cli("get", "secret", "public-route-tls", "-o", "yaml"))
    assert secret["type"] == "kubernetes.io/tls"
    assert base64.b64decode(secret["data"]["tls.crt"]).decode() == CERT


def test_secret_tls_refuses_a_file_that_is_not_pem(cli: Cli, project: str) -> None:
    (cli.cwd / "tls.crt").write_text("not pem")
    (cli.cwd / "tls.key").write_text(KEY)
    line = cli.fails("create", "secret", "tls", "bad", "--cert=tls.crt", "--key=tls.key")
    assert "tls.crt does not hold a PEM certificate" in line


def test_secret_docker_registry_from_flags_and_from_a_file(cli: Cli, project: str) -> None:
    out = cli(
        *("create", "secret", "docker-registry", "pull", "--docker-server=quay.io"),
        *("--docker-username=robot", "--docker-password=pw", "--docker-email=r@example.com"),
    )
    assert out == "secret/pull created\n"
    secret = yaml.safe_load(cli("get", "secret", "pull", "-o", "yaml"))
    assert secret["type"] == "kubernetes.io/dockerconfigjson"
    config = json.loads(base64.b64decode(secret["data"][".dockerconfigjson"]))
    entry = config["auths"]["quay.io"]
    assert (entry["username"], entry["password"], entry["email"]) == (
        "robot",
        "pw",
        "r@example.com",
    )
    assert base64.b64decode(entry["auth"]) == b"robot:pw"
    (cli.cwd / "config.json").write_text(json.dumps(config))
    cli("create", "secret", "docker-registry", "again", "--from-file=.dockerconfigjson=config.json")
    again = yaml.safe_load(cli("get", "secret", "again", "-o", "yaml"))
    assert again["data"] == secret["data"]
    line = cli.fails("create", "secret", "docker-registry", "half", "--docker-username=robot")
    assert line == "error: --docker-username and --docker-password are required"


def test_configmap_from_file_keyed_by_registry_host(cli: Cli, project: str) -> None:
    (cli.cwd / "ca.crt").write_text(CERT)
    out = cli(
        "create",
        "configmap",
        "registry-config",
        "--from-file=registry-with-port.example.com..5000=ca.crt",
        "-n",
        project,
    )
    assert out == "configmap/registry-config created\n"
    data = json.loads(cli("get", "cm", "registry-config", "-o", "json"))["data"]
    assert data == {"registry-with-port.example.com..5000": CERT}


def test_configmap_literals_and_binary_files(cli: Cli, project: str) -> None:
    (cli.cwd / "blob.bin").write_bytes(b"\xff\x00\xfe")
    cli("create", "configmap", "mixed", "--from-literal=a=1", "--from-file=blob.bin")
    created = json.loads(cli("get", "configmap", "mixed", "-o", "json"))
    assert created["data"] == {"a": "1"}
    assert base64.b64decode(created["binaryData"]["blob.bin"]) == b"\xff\x00\xfe"


def test_dry_run_prints_without_creating(cli: Cli, project: str) -> None:
    out = cli("create", "cm", "dry", "--from-literal=a=1", "--dry-run=client", "-o", "yaml")
    assert yaml.safe_load(out)["data"] == {"a": "1"}
    assert "NotFound" in cli.fails("get", "cm", "dry")


def test_missing_file_is_one_line(cli: Cli, project: str) -> None:
    line = cli.fails("create", "secret", "generic", "x", "--from-file=KEY=missing.txt")
    assert "missing.txt" in line


def test_create_from_a_file_with_several_documents_and_a_list(cli: Cli, project: str) -> None:
    manifest = """
apiVersion: v1
kind: ConfigMap
metadata: {name: first}
data: {a: "1"}
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: second}
- apiVersion: v1
  kind: Secret
  metadata: {name: third}
  stringData: {k: v}
"""
    (cli.cwd / "objects.yaml").write_text(manifest)
    out = cli("create", "-f", "objects.yaml")
    assert out.splitlines() == [
        "configmap/first created",
        "configmap/second created",
        "secret/third created",
    ]


def test_create_from_stdin_in_json(cli: Cli, project: str) -> None:
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "piped"}}
    assert cli("create", "-f", "-", input=json.dumps(obj)) == "configmap/piped created\n"


def test_create_reports_each_failure_and_goes_on(cli: Cli, project: str) -> None:
    (cli.cwd / "two.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dup}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dup}\n"
    )
    result = cli.run("create", "-f", "two.yaml")
    assert result.returncode == 1
    assert result.stdout == "configmap/dup created\n"
    assert result.stderr.startswith("error: ") and "AlreadyExists" in result.stderr


def test_malformed_yaml_is_one_line(cli: Cli, project: str) -> None:
    (cli.cwd / "bad.yaml").write_text("kind: ConfigMap\nmetadata: {name: [unclosed\n")
    line = cli.fails("create", "-f", "bad.yaml")
    assert line.startswith("error: bad.yaml: malformed YAML or JSON:") and "line" in line


def test_unknown_field_is_named(cli: Cli, project: str) -> None:
    (cli.cwd / "odd.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: odd}\nbogus: 1\n"
    )
    assert "bogus" in cli.fails("create", "-f", "odd.yaml")


def test_unknown_kind_is_one_line(cli: Cli, project: str) -> None:
    (cli.cwd / "w.yaml").write_text("apiVersion: v1\nkind: Widget\nmetadata: {name: w}\n")
    assert "Widget" in cli.fails("create", "-f", "w.yaml")


def test_namespace_mismatch_is_refused(cli: Cli, project: str, tmp_path: Path) -> None:
    (cli.cwd / "ns.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: elsewhere}\n"
    )
    assert "--namespace=elsewhere" in cli.fails("create", "-f", "ns.yaml", "-n", project)


def test_quota_counts_what_the_project_holds_and_describe_prints_it_as_oc_does(
    cli: Cli, project: str
) -> None:
    hard = "openshift.io/imagestreams=2,openshift.io/image-tags=5,"
    hard += "openshift.io/imagestreams.storage=1Gi"
    assert cli("create", "quota", "images", f"--hard={hard}") == "resourcequota/images created\n"
    assert cli.server is not None
    with cli.server.registry_client() as registry:
        img = image(layers=1, layer_size=1024)
        assert push_image(registry, f"{project}/app", img, "v1").status_code == 201
    stored = str(sum(len(b) for b in (*img.blobs, img.manifest)))
    used = len(stored) + 2  # the Used column: as wide as its widest cell, and two spaces
    assert cli("describe", "quota", "images") == (
        "Name:                              images\n"
        f"Namespace:                         {project}\n"
        f"Resource                           {'Used':<{used}}Hard\n"
        f"--------                           {'----':<{used}}----\n"
        f"openshift.io/image-tags            {'1':<{used}}5\n"
        f"openshift.io/imagestreams          {'1':<{used}}2\n"
        f"openshift.io/imagestreams.storage  {stored:<{used}}1Gi\n"
    )
    row = cli("get", "quota").splitlines()[1]
    assert row.startswith("images") and "openshift.io/image-tags: 1/5" in row


def test_quota_refuses_a_hard_limit_that_is_no_quantity(cli: Cli, project: str) -> None:
    failed = cli.run("create", "quota", "q", "--hard=openshift.io/images=lots")
    assert failed.returncode != 0
    assert "spec.hard.openshift.io/images" in failed.stderr and failed.stderr[-1:] == "\n"
