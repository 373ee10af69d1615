from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.clients import Sandbox


@pytest.fixture
def sandboxes(tmp_path: Path) -> Iterator[Callable[[str], Sandbox]]:
    """Makes client sandboxes under tmp_path by name, and cleans them up after the test."""
    made: list[Sandbox] = []

    def make(name: str) -> Sandbox:
        made.append(Sandbox(tmp_path / name))
        return made[-1]

    yield make
    for sandbox in made:
        sandbox.close()


@pytest.fixture
def sandbox(sandboxes: Callable[[str], Sandbox]) -> Sandbox:
    """Private auth file, image storage and temporary directory for the clients of one test."""
    return sandboxes("client")
