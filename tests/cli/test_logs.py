"""`moorage logs`: the registry's log as the specification's procedure prints it (4.4), the
last lines, with times, followed; a pod's or the deployment's; one error line otherwise."""

import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable

import httpx

from tests.cli.conftest import Cli
from tests.support.server import MOORAGE, RunningServer

NAMESPACE = "openshift-image-registry"
LINE = re.compile(r'^time="[^"]+Z" level=(info|debug|warning|error) msg=')
STAMPED = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z time="[^"]+Z" level=\w+ msg=')


# Runs a command with SIGINT as a terminal's foreground job has it. The suite may itself run
# as a background job, whose children inherit SIGINT ignored (POSIX), and then ^C is nothing.
FOREGROUND = [
    sys.executable,
    "-c",
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])",
]


def _pod(cli: Cli, prefix: str) -> str:
    names = cli("get", "pods", "-n", NAMESPACE, "-o", "name").split()
    return next(n for n in names if n.startswith(f"pod/{prefix}"))


def _requests_with_agent(server: RunningServer, agent: str, count: int = 1) -> None:
    with httpx.Client(base_url=server.url, headers={"User-Agent": agent}) as http:
        for _ in range(count):
            assert http.get("/v2/").status_code == 401


def test_the_specification_s_command_prints_the_registry_s_log(cli: Cli) -> None:
    lines = cli("logs", "deployments/image-registry", "-n", NAMESPACE).splitlines()
    assert all(LINE.match(line) for line in lines), lines
    assert 'msg="version=' in lines[0]
    assert any('msg="registry listening on' in line for line in lines)
    stamped = cli("logs", "deployment/image-registry", "-n", NAMESPACE, "--timestamps")
    assert all(STAMPED.match(line) for line in stamped.splitlines()), stamped


def test_tail_prints_the_last_lines(cli: Cli, api_server: RunningServer) -> None:
    agent = f"tail-{uuid.uuid4().hex[:8]}"
    _requests_with_agent(api_server, agent, count=7)
    lines = cli("logs", "--tail", "5", "deploy/image-registry", "-n", NAMESPACE).splitlines()
    assert len(lines) == 5
    assert all(f"http.request.useragent={agent}" in line for line in lines)


def test_follow_prints_lines_written_after_it_started_until_it_is_stopped(
    cli: Cli, api_server: RunningServer
) -> None:
    agent = f"follow-{uuid.uuid4().hex[:8]}"
    command = [*FOREGROUND, *MOORAGE, "logs", "-f", "--tail", "1", "deployments/image-registry"]
    command += ["-n", NAMESPACE]
    environment = {**os.environ, "KUBECONFIG": str(cli.kubeconfig)}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
    ) as follow:
        assert follow.stdout is not None and follow.stderr is not None
        try:
            assert LINE.match(follow.stdout.readline())  # the tail: the stream is open
            _requests_with_agent(api_server, agent)
            for line in follow.stdout:
                if f"http.request.useragent={agent}" in line:
                    break
            assert follow.poll() is None  # still following
            follow.send_signal(signal.SIGINT)
            _, errors = follow.communicate(timeout=30)  # not wait(): full pipes would block it
            assert follow.returncode == 130
            assert "Traceback" not in errors
        finally:
            follow.kill()


def test_the_operator_pod_logs_what_it_runs(cli: Cli) -> None:
    registry = _pod(cli, "image-registry-")
    operator = _pod(cli, "cluster-image-registry-operator-")
    log = cli("logs", operator, "-n", NAMESPACE)
    assert f'msg="{registry.removeprefix("pod/")} started"' in log


def test_a_user_without_a_grant_is_refused(cli: Cli, login_as: Callable[[str], Cli]) -> None:
    pod = _pod(cli, "image-registry-").removeprefix("pod/")
    refused = login_as("alice").fails("logs", pod, "-n", NAMESPACE)
    assert refused == (
        f'error: pods "{pod}" is forbidden: User "alice" cannot get resource "pods/log" '
        f'in API group "" in the namespace "{NAMESPACE}"'
    )


def test_what_has_no_log_is_one_error_line(cli: Cli) -> None:
    assert cli.fails("logs", "image-registry-gone", "-n", NAMESPACE) == (
        'error: pods "image-registry-gone" not found (NotFound)'
    )
    assert cli.fails("logs", "deployment/nothing", "-n", NAMESPACE) == (
        'error: deployments.apps "nothing" not found (NotFound)'
    )
    assert "only pods, deployments and jobs" in cli.fails("logs", "secret/x", "-n", NAMESPACE)
    assert "invalid duration" in cli.fails("logs", "--since", "0", "deploy/image-registry")
