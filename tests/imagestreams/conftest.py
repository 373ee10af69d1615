"""Image-stream tests share one registry per metadata backend; each gets a project of its own."""

import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.support.server import RunningServer

IMAGES = "/apis/image.openshift.io/v1"


@pytest.fixture
def server(registry: RunningServer) -> RunningServer:
    return registry


@pytest.fixture
def api(registry: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=registry.api_url, timeout=30) as client:
        yield client


@pytest.fixture
def project(registry: RunningServer) -> str:
    name = f"shop-{uuid.uuid4().hex[:10]}"
    registry.create_projects(name)
    return name
