"""GET pods/NAME/log: a pod's log as text, its last lines, with times, followed; only for
those who may get pods/log in the namespace.

One server for the module, with an htpasswd user eve, who holds no role.
"""

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.k8s import assert_status, cause_fields, namespaced
from tests.support.server import RunningServer
from tests.support.users import serving_users

NAMESPACE = "openshift-image-registry"
PASSWORDS = {"eve": "no-roles-4Hs9"}
LINE = re.compile(r'^time="[^"]+Z" level=(info|debug|warning|error) msg=')
STAMPED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (.*)$")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with serving_users(tmp_path_factory.mktemp("pod-logs"), PASSWORDS, projects=()) as running:
        yield running


@pytest.fixture
def api(server: RunningServer) -> Iterator[httpx.Client]:
    with server.api_client() as client:
        yield client


def _pod(api: httpx.Client, labels: str) -> str:
    pods = api.get(namespaced(NAMESPACE, "pods"), params={"labelSelector": labels}).json()
    return pods["items"][0]["metadata"]["name"]


@pytest.fixture
def replica(api: httpx.Client) -> str:
    return _pod(api, "docker-registry=default")


def _log(api: httpx.Client, pod: str, **params: str) -> httpx.Response:
    return api.get(namespaced(NAMESPACE, "pods", pod) + "/log", params=params)


def _requests_with_agent(server: RunningServer, agent: str, count: int = 1) -> None:
    with httpx.Client(base_url=server.url, headers={"User-Agent": agent}) as http:
        for _ in range(count):
            assert http.get("/v2/").status_code == 401


def test_a_replica_s_log_is_its_lines_in_the_registry_s_shape(
    api: httpx.Client, replica: str
) -> None:
    response = _log(api, replica)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert all(LINE.match(line) for line in lines), lines
    assert any('msg="registry listening on' in line for line in lines)


def test_timestamps_put_the_time_each_line_was_written_before_it(
    api: httpx.Client, replica: str
) -> None:
    plain = _log(api, replica).text.splitlines()
    stamped = _log(api, replica, timestamps="true").text.splitlines()
    matches = [STAMPED.match(line) for line in stamped]
    assert all(matches), stamped
    assert [m.group(1) for m in matches if m][: len(plain)] == plain


def test_tail_lines_are_the_last_lines(
    api: httpx.Client, server: RunningServer, replica: str
) -> None:
    agent = f"tail-{uuid.uuid4().hex[:8]}"
    _requests_with_agent(server, agent, count=8)
    last = _log(api, replica, tailLines="5").text.splitlines()
    assert len(last) == 5
    assert all(f"http.request.useragent={agent}" in line for line in last)
    assert _log(api, replica, tailLines="0").text == ""
    everything = _log(api, replica).text.splitlines()
    assert _log(api, replica, tailLines="100000", sinceSeconds="3600").text.splitlines() == (
        everything
    )


def test_follow_sends_each_new_line_until_the_reader_leaves(
    api: httpx.Client, server: RunningServer, replica: str
) -> None:
    agent = f"follow-{uuid.uuid4().hex[:8]}"
    path = namespaced(NAMESPACE, "pods", replica) + "/log"
    params = {"follow": "true", "tailLines": "0"}
    with api.stream("GET", path, params=params, timeout=60) as response:
        assert response.status_code == 200
        _requests_with_agent(server, agent)  # after the stream began
        for line in response.iter_lines():
            assert LINE.match(line), line
            if f"http.request.useragent={agent}" in line:
                break
    assert _log(api, replica, tailLines="1").status_code == 200  # the server goes on


def test_the_operator_pod_s_log_says_what_it_started(api: httpx.Client, replica: str) -> None:
    operator = _pod(api, "name=cluster-image-registry-operator")
    assert f'msg="{replica} started"' in _log(api, operator).text


def test_a_user_without_a_grant_is_refused(server: RunningServer, replica: str) -> None:
    with server.api_client(server.login("eve", PASSWORDS["eve"])) as eve:
        refused = _log(eve, replica)
    status = assert_status(refused, 403, "Forbidden")
    assert status["message"] == (
        f'pods "{replica}" is forbidden: User "eve" cannot get resource "pods/log" '
        f'in API group "" in the namespace "{NAMESPACE}"'
    )


def test_a_pod_that_is_not_there_has_no_log(api: httpx.Client) -> None:
    status = assert_status(_log(api, "image-registry-gone"), 404, "NotFound")
    assert status["message"] == 'pods "image-registry-gone" not found'


@pytest.mark.parametrize(
    ("params", "code", "reason"),
    [
        ({"tailLines": "many"}, 400, "BadRequest"),
        ({"follow": "perhaps"}, 400, "BadRequest"),
        ({"container": "sidecar"}, 400, "BadRequest"),
        ({"tailLines": "-1"}, 422, "Invalid"),
        ({"sinceSeconds": "0"}, 422, "Invalid"),
    ],
)
def test_options_that_cannot_work_are_refused(
    api: httpx.Client, replica: str, params: dict[str, str], code: int, reason: str
) -> None:
    status = assert_status(_log(api, replica, **params), code, reason)
    if reason == "Invalid":
        assert cause_fields(status) == list(params)


def test_the_log_is_only_read(api: httpx.Client, replica: str) -> None:
    path = namespaced(NAMESPACE, "pods", replica) + "/log"
    assert_status(api.put(path, json={}), 405, "MethodNotAllowed")
    resources = api.get("/api/v1").json()["resources"]
    assert next(r for r in resources if r["name"] == "pods/log")["verbs"] == ["get"]


def test_a_follower_is_let_go_when_the_server_stops(tmp_path: Path) -> None:
    server = RunningServer(tmp_path / "data", tmp_path / "server.log", ["--workers", "1"]).start()
    with server.api_client() as api:
        pod = _pod(api, "docker-registry=default")
        path = namespaced(NAMESPACE, "pods", pod) + "/log"
        with api.stream("GET", path, params={"follow": "true"}, timeout=120) as response:
            assert response.status_code == 200
            assert server.stop() == 0
            assert 'msg="registry listening on' in response.read().decode()
    assert "abandoning requests in flight" not in server.log()
