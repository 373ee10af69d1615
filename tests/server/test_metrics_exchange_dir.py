"""Where the registry workers exchange their metrics: a directory of `moorage serve`'s own in
the temporary directory, removed when it stops, and removed by the next start when it was
killed and could not."""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.server import RunningServer


@pytest.fixture
def tmpdir_of_servers(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A TMPDIR of the test's own, short enough for the workers' Unix socket paths."""
    path = Path(tempfile.mkdtemp(prefix="mx-"))
    monkeypatch.setenv("TMPDIR", str(path))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def exchange_dirs(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("moorage-metrics-*"))


def test_the_directory_goes_with_its_server_even_one_that_was_killed(
    tmpdir_of_servers: Path, tmp_path: Path
) -> None:
    first = RunningServer(tmp_path / "data", tmp_path / "server.log", ["--workers", "2"]).start()
    [made] = exchange_dirs(tmpdir_of_servers)
    assert made.name.startswith(f"moorage-metrics-{first.process.pid}-")  # type: ignore[union-attr]
    first.kill()
    assert exchange_dirs(tmpdir_of_servers) == [made]  # a killed server cannot clean up

    second = RunningServer(tmp_path / "data", tmp_path / "server.log", ["--workers", "2"]).start()
    [now] = exchange_dirs(tmpdir_of_servers)
    assert now != made
    assert second.stop() == 0
    assert exchange_dirs(tmpdir_of_servers) == []
