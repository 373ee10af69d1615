from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.server import RunningServer

IMAGES = "/apis/image.openshift.io/v1"


@pytest.fixture
def api(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.api_url, timeout=30) as client:
        yield client


@pytest.fixture
def project(api: httpx.Client) -> str:
    created = api.post(
        "/apis/project.openshift.io/v1/projectrequests",
        json={
            "apiVersion": "project.openshift.io/v1",
            "kind": "ProjectRequest",
            "metadata": {"name": "shop"},
        },
    )
    assert created.status_code == 201, created.text
    return "shop"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path
