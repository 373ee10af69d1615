"""The registry's metrics (specification 4.5): `/extensions/v2/metrics` on a real
`moorage serve --workers 2`, summed over both workers, read with the metrics secret or
the prometheus-scraper role, refused to everyone else in the OCI error format."""

import itertools
import os
import re
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.images import image, push_image
from tests.support.metrics import PATH, scrape, secret, total, value
from tests.support.oci import assert_oci_error
from tests.support.registry_auth import bearer, log_in
from tests.support.server import RunningServer, moorage
from tests.support.users import serving_users

PASSWORDS = {"scraper": "scrape-Pw-3310", "developer": "dev-Pw-8127"}
# Section 4.5, "Cluster role", step 1, as the specification writes it.
PROMETHEUS_SCRAPER = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: prometheus-scraper
rules:
- apiGroups:
  - image.openshift.io
  resources:
  - registry/metrics
  verbs:
  - get
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with serving_users(tmp_path_factory.mktemp("metrics"), PASSWORDS, workers=2) as running:
        yield running
    assert "unhandled error" not in running.log(), running.log()[-5000:]


def workers_that_served(server: RunningServer, user_agent: str) -> set[str]:
    """The instance ids of the workers whose access log shows a request from `user_agent`."""
    pattern = re.compile(rf"useragent={re.escape(user_agent)} .* instance\.id=(\S+)")
    return {match.group(1) for match in pattern.finditer(server.log())}


def test_requests_served_by_either_worker_add_up_in_every_scrape(server: RunningServer) -> None:
    before = value(scrape(server), "imageregistry_http_requests_total", code="401", method="head")
    marker, sent = f"probe-{uuid.uuid4().hex}", 0
    while len(workers_that_served(server, marker)) < 2 or sent < 10:
        # A new connection each time: the kernel spreads them over the workers.
        httpx.head(server.url + "/v2/", headers={"User-Agent": marker})
        sent += 1
        assert sent < 500, "every request reached the same worker"
    for _ in range(3):
        after = scrape(server)
        counted = value(after, "imageregistry_http_requests_total", code="401", method="head")
        assert counted - before == sent


def test_counts_only_grow_from_scrape_to_scrape(server: RunningServer) -> None:
    totals = []
    for _ in range(6):
        for _ in range(5):
            httpx.get(server.url + "/v2/")
        totals.append(total(scrape(server), "imageregistry_http_requests_total"))
    # Each round adds its five requests and the scrape before it, whichever worker answers.
    assert [later - earlier for earlier, later in itertools.pairwise(totals)] == [6] * 5


def test_unknown_paths_and_methods_are_counted_by_their_answer(server: RunningServer) -> None:
    before = scrape(server)
    assert httpx.get(server.url + "/nowhere").status_code == 404
    assert httpx.request("PURGE", server.url + "/v2/").status_code == 405
    after = scrape(server)
    for code, method in (("404", "get"), ("405", "purge")):
        name = "imageregistry_http_requests_total"
        grew = value(after, name, code=code, method=method) - value(
            before, name, code=code, method=method
        )
        assert grew == 1


def test_a_scrape_sees_itself_in_flight(server: RunningServer) -> None:
    assert value(scrape(server), "imageregistry_http_in_flight_requests") == 1


def test_durations_sizes_and_build_are_reported(server: RunningServer) -> None:
    samples = scrape(server)
    assert value(samples, "imageregistry_http_request_duration_seconds_count", method="get") > 0
    assert value(samples, "imageregistry_http_request_duration_seconds_sum", method="get") > 0
    assert value(samples, "imageregistry_http_response_size_bytes_sum") > 0
    assert value(samples, "imageregistry_http_time_to_write_header_seconds_count") > 0
    assert "imageregistry_http_request_size_bytes_count" in {name for name, _ in samples}
    [build] = [labels for name, labels in samples if name == "imageregistry_build_info"]
    assert dict(build)["major"] == "0" and dict(build)["gitVersion"].startswith("v0.1.0")


def test_pushes_and_pulls_show_in_storage_cache_and_operation_metrics(
    server: RunningServer,
) -> None:
    repo, img = f"test/{uuid.uuid4().hex[:12]}", image(layers=1)
    before = scrape(server)
    with server.registry_client() as client:
        assert push_image(client, repo, img, "v1").status_code == 201
    pulls = 10
    for _ in range(pulls):  # new connections: both workers serve some
        pulled = httpx.get(f"{server.url}/v2/{repo}/manifests/v1", auth=server.registry_auth)
        assert pulled.status_code == 200
    after = scrape(server)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    cache = "imageregistry_digest_cache_requests_total"
    assert grew(cache, type="Hit") + grew(cache, type="Miss") == pulls
    assert grew(cache, type="Miss") <= 2  # at most once in each worker
    storage = "imageregistry_storage_duration_seconds_count"
    assert grew(storage, operation="commit_upload") == len(img.blobs)
    assert grew(storage, operation="write") == 1  # the manifest
    operations = "imageregistry_request_duration_seconds_count"
    assert grew(operations, operation="manifests.get_manifest") == pulls
    assert grew(operations, operation="manifests.put_manifest") == 1
    assert value(after, "imageregistry_http_requests_total", code="201", method="put") >= 1


def test_the_specifications_metrics_query_runs_as_written(server: RunningServer) -> None:
    query = (
        f"curl --insecure -s -u anyone:{secret(server)} "
        f"{server.url}{PATH} | grep imageregistry | head -n 20"
    )
    lines = subprocess.run(
        ["bash", "-c", query], capture_output=True, text=True, timeout=30, check=True
    ).stdout.splitlines()
    assert len(lines) == 20
    assert lines[0].startswith("# HELP imageregistry_build_info A metric with a constant '1'")
    assert lines[1] == "# TYPE imageregistry_build_info gauge"


@pytest.mark.parametrize("user", ["", "prometheus", "kubeadmin", "x" * 200])
def test_the_metrics_secret_works_with_any_user_name(server: RunningServer, user: str) -> None:
    response = httpx.get(server.url + PATH, auth=(user, secret(server)))
    assert response.status_code == 200
    assert "imageregistry_http_requests_total" in response.text


def test_the_metrics_secret_is_private_and_never_logged(server: RunningServer) -> None:
    path = server.data_dir / "metrics-secret"
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(secret(server)) >= 32
    assert secret(server) not in server.log()
    assert f"the password in {path} (mode 0600)" in server.log()


@pytest.mark.parametrize(
    "auth", [None, ("prometheus", "wrong"), ("prometheus", "")], ids=["none", "wrong", "empty"]
)
def test_no_or_a_wrong_secret_is_refused_401(
    server: RunningServer, auth: tuple[str, str] | None
) -> None:
    response = httpx.get(server.url + PATH, auth=auth)
    assert_oci_error(response, 401, "UNAUTHORIZED")
    assert response.headers["WWW-Authenticate"].startswith("Basic ")
    assert "imageregistry" not in response.text


def test_an_ordinary_user_is_refused_403(server: RunningServer) -> None:
    developer = log_in(server, "developer", PASSWORDS["developer"])
    assert_oci_error(httpx.get(server.url + PATH, auth=developer.basic), 403, "DENIED")
    response = httpx.get(server.url + PATH, headers=bearer(developer.token))
    assert_oci_error(response, 403, "DENIED")


def test_a_cluster_admin_may_read_metrics_with_its_token(server: RunningServer) -> None:
    response = httpx.get(server.url + PATH, headers=server.admin_headers)
    assert response.status_code == 200


def test_the_prometheus_scraper_role_grants_reading_as_the_specification_says(
    server: RunningServer, tmp_path: Path
) -> None:
    admin, scraper = tmp_path / "admin.kubeconfig", tmp_path / "scraper.kubeconfig"
    moorage(admin, "login", server.api_url, "-u", "kubeadmin", "-p", server.kubeadmin_password)
    moorage(scraper, "login", server.api_url, "-u", "scraper", "-p", PASSWORDS["scraper"])
    token = moorage(scraper, "whoami", "-t").strip()
    assert_oci_error(httpx.get(server.url + PATH, headers=bearer(token)), 403, "DENIED")

    moorage(admin, "create", "-f", "-", input=PROMETHEUS_SCRAPER)
    moorage(admin, "adm", "policy", "add-cluster-role-to-user", "prometheus-scraper", "scraper")

    for attempt in (
        httpx.get(server.url + PATH, headers=bearer(token)),
        httpx.get(server.url + PATH, auth=("scraper", token)),
    ):
        assert attempt.status_code == 200
        assert "imageregistry_http_requests_total" in attempt.text


def registry_workers(server: RunningServer) -> list[int]:
    """The pids of the registry workers started so far, oldest first, from the log."""
    return [int(pid) for pid in re.findall(r"registry listening on \S+ pid=(\d+)", server.log())]


def test_the_counts_of_a_worker_that_stopped_still_add_up(server: RunningServer) -> None:
    for _ in range(20):
        httpx.get(server.url + "/v2/")
    before = total(scrape(server), "imageregistry_http_requests_total")
    started = registry_workers(server)
    os.kill(started[0], signal.SIGTERM)  # the supervisor starts another in its place
    deadline = time.monotonic() + 60
    while len(registry_workers(server)) == len(started):
        assert time.monotonic() < deadline, "no worker was started in the stopped one's place"
        time.sleep(0.1)
    for scraped in range(1, 5):
        # Every scrape before this one counted, and nothing was lost with the stopped worker.
        assert total(scrape(server), "imageregistry_http_requests_total") == before + scraped
