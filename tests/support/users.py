"""Servers with people: an htpasswd identity provider file and a server that reads it."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import bcrypt

from tests.support.server import RunningServer


def write_htpasswd(path: Path, passwords: dict[str, str], rounds: int = 4) -> Path:
    """bcrypt entries, as `htpasswd -B` writes them (cheap rounds by default: these are tests)."""
    lines = [
        f"{user}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()}\n"
        for user, password in passwords.items()
    ]
    path.write_text("".join(lines))
    return path


@contextmanager
def serving_users(
    base: Path,
    passwords: dict[str, str],
    workers: int = 1,
    rounds: int = 4,
    serve_args: tuple[str, ...] = (),
    **options: object,
) -> Iterator[RunningServer]:
    """A started server whose htpasswd file holds `passwords` hashed with bcrypt cost `rounds`,
    stopped at the end of the block.

    `serve_args` go to `moorage serve`; `options` to RunningServer (projects, api_tls).
    """
    htpasswd = write_htpasswd(base / "users.htpasswd", passwords, rounds)
    args = ["--workers", str(workers), "--htpasswd-file", str(htpasswd), *serve_args]
    running = RunningServer(base / "data", base / "server.log", args, **options)  # type: ignore[arg-type]
    try:
        yield running.start()
    finally:
        if running.process and running.process.poll() is None:
            running.stop()
