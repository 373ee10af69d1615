"""Talking to the control-plane API in tests: paths, object builders, Status and watch checks."""

import json
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx

from tests.support.server import RunningServer

Object = dict[str, Any]

CORE = "/api/v1"
PROJECTS = "/apis/project.openshift.io/v1"
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}
JSON_PATCH = {"Content-Type": "application/json-patch+json"}
STRATEGIC_PATCH = {"Content-Type": "application/strategic-merge-patch+json"}


def running_api(
    root: Path, extra_args: Sequence[str] = (), api_tls: bool = False
) -> Iterator[RunningServer]:
    """A `moorage serve` under `root` for tests of its API; checks at the end it never crashed."""
    args = ["--workers", "1", *extra_args]
    running = RunningServer(root / "data", root / "server.log", args, projects=(), api_tls=api_tls)
    running.start()
    yield running
    if running.process and running.process.poll() is None:
        running.stop()
    # Every refusal the tests provoke must be a deliberate answer, never a crash.
    assert "unhandled error" not in running.log(), running.log()[-5000:]


def unique(prefix: str = "t") -> str:
    """A DNS-1123 label no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def namespaced(namespace: str, plural: str, name: str | None = None) -> str:
    """The core-group path of a namespaced collection, or of one object in it."""
    path = f"{CORE}/namespaces/{namespace}/{plural}"
    return f"{path}/{name}" if name else path


def configmap(
    name: str, data: dict[str, str] | None = None, labels: dict[str, str] | None = None
) -> Object:
    metadata: Object = {"name": name}
    if labels:
        metadata["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data or {}}


def request_project(api: httpx.Client, name: str | None = None, **fields: str) -> Object:
    """Create a project the way `moorage new-project` does; returns the Project."""
    body = {
        "apiVersion": "project.openshift.io/v1",
        "kind": "ProjectRequest",
        "metadata": {"name": name or unique("proj")},
        **fields,
    }
    return create(api, f"{PROJECTS}/projectrequests", body)


def create_namespace(api: httpx.Client, name: str | None = None, **labels: str) -> str:
    name = name or unique("ns")
    metadata: Object = {"name": name, "labels": labels} if labels else {"name": name}
    response = api.post(f"{CORE}/namespaces", json={"kind": "Namespace", "metadata": metadata})
    assert response.status_code == 201, response.text
    return name


def create(api: httpx.Client, path: str, obj: Object) -> Object:
    response = api.post(path, json=obj)
    assert response.status_code == 201, response.text
    return response.json()


def assert_status(response: httpx.Response, code: int, reason: str) -> Object:
    """The response is a failure `Status` with this HTTP code and reason; returns its body."""
    assert response.status_code == code, f"{response.status_code}: {response.text}"
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["kind"] == "Status", body
    assert body["apiVersion"] == "v1", body
    assert body["status"] == "Failure", body
    assert body["reason"] == reason, body
    assert body["code"] == code, body
    assert body["message"], body
    return body


def cause_fields(status: Object) -> list[str]:
    """The fields an Invalid `Status` names in its causes."""
    return [cause["field"] for cause in status.get("details", {}).get("causes", [])]


def watch_lines(response: httpx.Response) -> list[Object]:
    """Every event of a finished (or finishing) watch stream, in order."""
    return [json.loads(line) for line in response.iter_lines() if line.strip()]


def summary(events: list[Object]) -> list[tuple[str, str]]:
    """(type, name) of each watch event."""
    return [(e["type"], e["object"]["metadata"]["name"]) for e in events]
