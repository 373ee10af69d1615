"""Ages as kubectl prints them, and oc's columns for image streams."""

from datetime import UTC, datetime, timedelta

import pytest

from moorage.cli.ages import age, docker_duration, human_duration
from moorage.cli.printers import TableOptions, format_table, parse_output, table_rows
from moorage.cli.resources import ResourceType


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (5, "5s"),
        (119, "119s"),
        (150, "2m30s"),
        (600, "10m"),
        (3 * 3600 + 60, "3h1m"),
        (20 * 3600, "20h"),
        (3 * 86400 + 3600, "3d1h"),
        (40 * 86400, "40d"),
        (800 * 86400, "2y70d"),
    ],
)
def test_human_duration(seconds: int, expected: str) -> None:
    assert human_duration(seconds) == expected


def test_docker_duration_and_age() -> None:
    assert docker_duration(90) == "About a minute"
    assert docker_duration(7200) == "2 hours"
    stamp = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert age(stamp) in ("5m", "5m1s")
    assert age(None) == "<unknown>"


def test_image_stream_columns() -> None:
    kind = ResourceType(
        "image.openshift.io", "v1", "imagestreams", "imagestream", "ImageStream", True
    )
    now = datetime.now(UTC)
    stamp = lambda minutes: (now - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    stream = {
        "metadata": {"name": "app", "namespace": "p"},
        "status": {
            "dockerImageRepository": "127.0.0.1:5000/p/app",
            "tags": [
                {"tag": tag, "items": [{"created": stamp(minutes)}]}
                for tag, minutes in (("v1", 50), ("latest", 3), ("v2", 20), ("v0", 90))
            ],
        },
    }
    rows = table_rows(kind, [stream], TableOptions())
    assert rows[0] == ["NAME", "IMAGE REPOSITORY", "TAGS", "UPDATED"]
    assert rows[1] == ["app", "127.0.0.1:5000/p/app", "latest,v2,v1 + 1 more...", "3 minutes ago"]
    assert format_table(rows).splitlines()[1].startswith("app    127.0.0.1:5000/p/app")


def test_output_parsing() -> None:
    assert parse_output(None).kind == "table"
    assert parse_output(None, "{{.a}}").kind == "go-template"
    assert parse_output("jsonpath={.a}").template == "{.a}"
    assert parse_output("template={{.a}}").kind == "go-template"
