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
    """The API of the shared registry, as kubeadmin (cluster-admin)."""
    with registry.api_client() as client:
        yield client


@pytest.fixture
def project(registry: RunningServer) -> str:
    name = f"shop-{uuid.uuid4().hex[:10]}"
    registry.create_projects(name)
    return name
