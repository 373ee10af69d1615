from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.clients import Sandbox, sandboxes_for
from tests.support.server import RunningServer


@pytest.fixture
def metadata_backend(request: pytest.FixtureRequest) -> str:
    """SQLite only: real clients are slow, and one skopeo round trip covers PostgreSQL.

    A test opts in with `@pytest.mark.parametrize("metadata_backend", [...], indirect=True)`.
    """
    return getattr(request, "param", "sqlite")


@pytest.fixture
def sandboxes(tmp_path: Path, server: RunningServer) -> Iterator[Callable[[str], Sandbox]]:
    """Makes client sandboxes under tmp_path by name, each with kubeadmin's credentials for
    `server`, and cleans them up after the test."""
    with sandboxes_for(server, tmp_path) as make:
        yield make


@pytest.fixture
def sandbox(sandboxes: Callable[[str], Sandbox]) -> Sandbox:
    """Private auth file, image storage and temporary directory for the clients of one test."""
    return sandboxes("client")
