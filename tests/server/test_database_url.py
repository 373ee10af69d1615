"""`moorage serve` with its metadata in PostgreSQL: from the environment, password never shown."""

import subprocess
from pathlib import Path

import pytest

from tests.support.images import image, push_image
from tests.support.postgres import PostgresCluster
from tests.support.server import MOORAGE, RunningServer, free_port

SECRET = "hunter2-not-for-logs"


def test_metadata_goes_to_the_database_in_the_environment_and_the_password_stays_out_of_the_log(
    tmp_path: Path, postgres: PostgresCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres.create_database().replace("postgres@", f"postgres:{SECRET}@")
    monkeypatch.setenv("MOORAGE_DATABASE_URL", url)  # the server inherits the environment
    server = RunningServer(tmp_path / "data", tmp_path / "server.log", ["--workers", "1"])
    img = image()
    with server.start().registry_client() as http:
        assert push_image(http, "proj/app", img, "v1").status_code == 201
    assert server.stop() == 0

    assert not (tmp_path / "data" / "metadata.db").exists()
    assert (tmp_path / "data" / "storage").is_dir()  # blobs stay in the data directory
    with postgres.connect(url.rsplit("/", 1)[1]) as conn:
        assert conn.execute("SELECT name FROM repositories").fetchall() == [("proj/app",)]
    assert SECRET not in server.log()
    assert f"postgres:***@127.0.0.1:{postgres.port}" in server.log()


def test_an_unreachable_database_is_one_line_without_the_password(tmp_path: Path) -> None:
    url = f"postgresql://moorage:{SECRET}@127.0.0.1:{free_port()}/moorage"
    listen = ["--listen", f"127.0.0.1:{free_port()}", "--api-listen", f"127.0.0.1:{free_port()}"]
    listen += ["--ingress-listen", "off"]
    result = subprocess.run(
        [*MOORAGE, "serve", *listen, "--data-dir", str(tmp_path), "--database-url", url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert "cannot use the database postgresql+psycopg://moorage:***@" in errors[0]
    assert SECRET not in result.stderr + result.stdout
