"""A real PostgreSQL cluster for the tests: initdb in a temporary directory, loopback only.

The Debian package `postgresql` (installed by `scripts/setup --test`) puts its
programs in /usr/lib/postgresql/VERSION/bin, off PATH. initdb and pg_ctl refuse
to run as root, so as root they run as the `postgres` user in a directory that
user owns. Each test module (or server) gets a database of its own.
"""

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg

from tests.support.server import free_port

# Durability is PostgreSQL's own business; the tests kill moorage, never the cluster
# (they may restart it: see PostgresCluster.stop_server).
SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "max_connections": "400",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}

# A default collation that is not bytewise (as en_US.UTF-8 on a typical server):
# lexical orders the registry promises must hold whatever the database's locale.
INITDB_OPTIONS = [
    "-U",
    "postgres",
    "--auth=trust",
    "--encoding=UTF8",
    "--locale=C.UTF-8",
    "--locale-provider=icu",
    "--icu-locale=en-US",
    "--no-sync",
]


def postgres_bin() -> Path | None:
    """The directory with initdb and pg_ctl, newest version first; None when not installed."""
    on_path = shutil.which("initdb")
    candidates = [os.path.dirname(on_path)] if on_path else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for directory in candidates:
        if all(os.access(Path(directory, tool), os.X_OK) for tool in ("initdb", "pg_ctl")):
            return Path(directory)
    return None


class PostgresCluster:
    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="moorage-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._as_postgres = os.geteuid() == 0

    def start(self) -> "PostgresCluster":
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", self.data, *INITDB_OPTIONS)
        self.start_server()
        return self

    def start_server(self) -> None:
        """Start the (initialized) cluster's server; returns once it accepts connections."""
        options = " ".join(f"-c {key}={value}" for key, value in SETTINGS.items())
        self._pg_ctl("-o", f"{options} -p {self.port} -k {self.root}", "start")

    def stop_server(self) -> None:
        """Stop the server as `pg_ctl restart -m fast` does first: every session is ended.

        `start_server` is the restart's second half; a test between the two sees the outage.
        """
        self._pg_ctl("-m", "fast", "stop")

    def stop(self) -> None:
        try:
            self._pg_ctl("-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres", password: str = "") -> str:
        secret = f":{password}" if password else ""
        return f"postgresql+psycopg://postgres{secret}@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "moorage") -> str:
        """A new empty database; returns its URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with self.connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True
        )

    def log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _pg_ctl(self, *args: str) -> None:
        # The server's output goes to its log: a pipe left open would keep _run waiting.
        self._run("pg_ctl", "-D", self.data, "-l", self.root / "server.log", "-w", *args)

    def _run(self, tool: str, *args: str | Path) -> None:
        command = [str(self.bin_dir / tool), *map(str, args)]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(
                f"{tool} failed ({result.returncode}):\n{result.stdout}{result.stderr}{self.log()}"
            )
