"""A pod's log on disk: written stamped and bounded, read from a window, followed across
rotations until the pod's log is removed."""

import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from moorage.observability.logs import LogfmtFormatter
from moorage.platform.pod_log_reader import Window, open_cursor, without_stamps
from moorage.platform.pod_logs import PodLogs, stamp

STAMPED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z time=\"[^\"]+\" level=info msg=")


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    """A logger of its own, formatted as the registry's, writing to nothing but the pod's log."""
    root = logging.getLogger()
    saved = root.handlers[:]
    stderr = logging.StreamHandler()
    stderr.setFormatter(LogfmtFormatter("test-instance"))
    root.handlers[:] = [stderr]
    named = logging.getLogger("tests.pod")
    named.setLevel(logging.INFO)
    named.propagate = False
    yield named
    for handler in named.handlers:
        handler.close()
    named.handlers.clear()
    root.handlers[:] = saved


def _say(logger: logging.Logger, *messages: str) -> None:
    for message in messages:
        logger.info(message)


def _message(line: str) -> str:
    return line.split('msg="')[1].split('"')[0]


def _read_all(logs: PodLogs, window: Window | None = None, previous: bool = False) -> list[str]:
    cursor = open_cursor(logs, "pod-a", window or Window(), previous)
    text = b""
    while chunk := cursor.read():
        text += chunk
    cursor.close()
    return text.decode().splitlines()


def test_each_line_is_kept_after_the_time_it_was_written(
    tmp_path: Path, logger: logging.Logger
) -> None:
    logs = PodLogs(tmp_path / "logs")
    logs.clear()
    logs.keep("pod-a", "tests.pod")
    _say(logger, "one", "two")
    lines = (tmp_path / "logs" / "pod-a.log").read_text().splitlines()
    assert len(lines) == 2
    assert all(STAMPED.match(line) for line in lines)
    assert lines[0].endswith("msg=one instance.id=test-instance")
    assert lines[0] < lines[1]  # fixed-width stamps compare as strings


def test_a_window_is_the_last_lines_or_those_since_a_time(
    tmp_path: Path, logger: logging.Logger
) -> None:
    logs = PodLogs(tmp_path / "logs")
    logs.clear()
    logs.keep("pod-a", "tests.pod")
    _say(logger, *(f"early {i}" for i in range(5)))
    since = stamp(time.time_ns())
    _say(logger, *(f"late {i}" for i in range(3)))
    assert [_message(line) for line in _read_all(logs, Window(tail=2))] == ["late 1", "late 2"]
    assert len(_read_all(logs, Window(tail=0))) == 0
    assert len(_read_all(logs, Window(tail=100))) == 8
    assert [_message(line) for line in _read_all(logs, Window(since=since))] == [
        "late 0",
        "late 1",
        "late 2",
    ]
    assert len(_read_all(logs, Window(tail=1, since=since))) == 1


def test_the_log_rotates_at_its_bound_and_reads_on_across_both_files(
    tmp_path: Path, logger: logging.Logger
) -> None:
    logs = PodLogs(tmp_path / "logs", max_bytes=4096)
    logs.clear()
    logs.keep("pod-a", "tests.pod")
    _say(logger, *(f"line {i:04d}" for i in range(200)))  # ~120 bytes each: rotated often
    files = logs.files("pod-a")
    assert [f.name for f in files] == ["pod-a.log.1", "pod-a.log"]
    assert all(f.stat().st_size <= 4096 for f in files)
    kept = _read_all(logs)
    assert kept[-1].split("msg=")[1].startswith('"line 0199"')
    numbers = [int(line.split('"line ')[1][:4]) for line in kept]
    assert numbers == list(range(numbers[0], 200))  # in order, nothing lost within the bound
    assert len(_read_all(logs, Window(tail=len(kept) - 1))) == len(kept) - 1


def test_a_follower_reads_across_a_rotation_and_ends_when_the_log_is_removed(
    tmp_path: Path, logger: logging.Logger
) -> None:
    logs = PodLogs(tmp_path / "logs", max_bytes=2048)
    logs.clear()
    logs.keep("pod-a", "tests.pod")
    _say(logger, "before")
    cursor = open_cursor(logs, "pod-a", Window())
    assert b"before" in cursor.read()
    assert cursor.read() == b""
    # Two rotations while the follower reads nothing: the file it holds is gone by the end.
    _say(logger, *(f"line {i:04d}" for i in range(40)))
    assert b"line 0000" not in b"".join(f.read_bytes() for f in logs.files("pod-a"))
    read = b""
    while chunk := cursor.read():
        read += chunk
    assert [_message(line.decode()) for line in read.splitlines()] == [
        f"line {i:04d}" for i in range(40)
    ]
    logs.remove("pod-a")
    assert cursor.read() == b""
    assert cursor.ended
    cursor.close()


def test_a_follower_waits_for_a_log_not_written_yet(tmp_path: Path) -> None:
    logs = PodLogs(tmp_path / "logs")
    logs.clear()
    cursor = open_cursor(logs, "pod-a", Window(tail=5))
    assert cursor.read() == b"" and not cursor.ended
    logs.path("pod-a").write_bytes(b"2026-01-01T00:00:00.000000000Z half")
    assert cursor.read() == b""  # not a whole line yet
    with logs.path("pod-a").open("ab") as file:
        file.write(b" a line\n")
    assert cursor.read() == b"2026-01-01T00:00:00.000000000Z half a line\n"
    cursor.close()


def _run_instance(logs: PodLogs, logger: logging.Logger, *messages: str) -> None:
    """One life of the pod's container: it logs, then ends (its file closes)."""
    logs.keep("pod-a", "tests.pod")
    _say(logger, *messages)
    for handler in logger.handlers:
        handler.close()
    logger.handlers.clear()


def test_a_restart_keeps_the_log_the_last_instance_ended_as_the_previous_one(
    tmp_path: Path, logger: logging.Logger
) -> None:
    logs = PodLogs(tmp_path / "logs")
    logs.clear()
    _run_instance(logs, logger, "first life")
    assert logs.files("pod-a", previous=True) == []
    logs.retire("pod-a")
    _run_instance(logs, logger, "second life")
    assert [_message(line) for line in _read_all(logs)] == ["second life"]
    assert [_message(line) for line in _read_all(logs, previous=True)] == ["first life"]
    logs.retire("pod-a")
    _run_instance(logs, logger, "third life")
    assert [_message(line) for line in _read_all(logs, previous=True)] == ["second life"]
    logs.remove("pod-a")
    assert list(logs.directory.iterdir()) == []


def test_without_stamps_each_line_is_as_the_process_wrote_it() -> None:
    lines = b"2026-01-01T00:00:00.000000001Z time=x a=b\n2026-01-01T00:00:00.000000002Z c d\n"
    assert without_stamps(lines) == b"time=x a=b\nc d\n"


@pytest.mark.parametrize("name", ["", "../x", "a/b", ".hidden"])
def test_only_pod_names_name_a_log(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError):
        PodLogs(tmp_path).path(name)
