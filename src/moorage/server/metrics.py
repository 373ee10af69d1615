"""What `moorage serve` prepares for the registry's metrics: the directory its workers
exchange them in, and the metrics secret.

MOORAGE_METRICS=off (read once at start) serves no metrics and measures nothing: the
benchmark's baseline (bench/README.md), not a setting for users.
"""

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from moorage.observability import logs
from moorage.server.config import ServerConfig
from moorage.server.secrets import METRICS_SECRET_FILE, metrics_secret

log = logging.getLogger("moorage.server")
SWITCH = "MOORAGE_METRICS"
PREFIX = "moorage-metrics-"  # then the pid of the `moorage serve` that made it


@contextmanager
def exchange_directory() -> Iterator[Path | None]:
    """A directory new at each start (in the temporary directory, short enough for Unix
    socket paths), removed at the end; None when metrics are switched off."""
    if os.environ.get(SWITCH, "").lower() == "off":
        logs.event(log, f"{SWITCH}=off: the registry serves no metrics")
        yield None
        return
    _remove_abandoned(Path(tempfile.gettempdir()))
    path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _remove_abandoned(tmp: Path) -> None:
    """Remove what a `moorage serve` that was killed (so could not clean up) left."""
    for path in tmp.glob(f"{PREFIX}*"):
        pid = path.name.removeprefix(PREFIX).partition("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def announced_secret(config: ServerConfig, data_dir: Path) -> str:
    """The metrics secret, made at first start; the log says where it is, never what."""
    secret = metrics_secret(data_dir)
    logs.event(
        log,
        f"registry metrics: http://{config.registry_host}/extensions/v2/metrics with any user "
        f"name and the password in {data_dir / METRICS_SECRET_FILE} (mode 0600)",
    )
    return secret
