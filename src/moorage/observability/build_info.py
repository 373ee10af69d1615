"""What `imageregistry_build_info` says: the version, and the git commit when run from a
checkout (read once at start)."""

import subprocess
from pathlib import Path

from moorage import __version__

UNKNOWN = "unknown"


def build_info() -> dict[str, str]:
    major, minor, *_ = [*__version__.split("."), "0"]
    commit = _git_commit()
    version = f"v{__version__}" if commit == UNKNOWN else f"v{__version__}+{commit}"
    return {"gitCommit": commit, "gitVersion": version, "major": major, "minor": minor}


def _git_commit() -> str:
    try:
        found = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.TimeoutExpired):
        return UNKNOWN
    return found.stdout.strip() if found.returncode == 0 and found.stdout.strip() else UNKNOWN
