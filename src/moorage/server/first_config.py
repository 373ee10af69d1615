"""The Config a new registry starts with, made from `moorage serve`'s flags.

Once the Config exists it decides how the registry runs; flags that say otherwise
on a later start are named in the log with the command that changes the Config.
"""

import json
import logging
import secrets
import shutil
from pathlib import Path

from moorage.operator.claims import DEFAULT_CLAIM, default_claim
from moorage.operator.first_start import CONFIG
from moorage.resources.objects import Object
from moorage.resources.operator import storage_type
from moorage.server.config import ServerConfig
from moorage.store.resources import ResourceStore

log = logging.getLogger("moorage.server")

SECRET_FILE = "http-secret"  # where the secret lived before the Config held it


def first_config(config: ServerConfig, root: Path) -> Object:
    storage: Object = (
        {"emptyDir": {}}
        if config.storage == "memory"
        else {"pvc": {"claim": DEFAULT_CLAIM}, "managementState": "Unmanaged"}
    )
    return {
        "managementState": config.management_state,
        "replicas": config.workers,
        "rolloutStrategy": "RollingUpdate",
        "logLevel": config.log_level,
        "storage": storage,
        "httpSecret": _secret_from_file(root / SECRET_FILE) or secrets.token_hex(64),
    }


def claim_capacity(root: Path) -> str:
    """What the data directory's volume holds, as a claim's storage quantity."""
    return f"{max(shutil.disk_usage(root).total // 2**30, 1)}Gi"


def first_claim(config: ServerConfig, root: Path) -> Object | None:
    """The data directory's storage as the claim the first Config names."""
    return None if config.storage == "memory" else default_claim(claim_capacity(root))


def _secret_from_file(path: Path) -> str | None:
    try:
        return path.read_bytes().hex() or None
    except FileNotFoundError:
        return None


def forget_secret_file(root: Path) -> None:
    """The Config holds the secret now (as hex, read back as the same bytes)."""
    (root / SECRET_FILE).unlink(missing_ok=True)


def note_flags_the_config_overrides(store: ResourceStore, config: ServerConfig) -> None:
    with store.reading() as tx:
        spec = tx.require(CONFIG)["spec"]
    first = first_config(config, Path("/nonexistent"))
    differing = {
        "managementState": ("--management-state", config.management_state),
        "replicas": ("--workers", config.workers),
        "logLevel": ("--log-level", config.log_level),
    }
    for field, (flag, value) in differing.items():
        if spec.get(field) != first[field]:
            _note(flag, value, field, spec.get(field), {field: value})
    storage = storage_type(spec.get("storage") or {})
    if storage != storage_type(first["storage"]):
        _note("--storage", config.storage, "storage", storage, {"storage": first["storage"]})


def _note(flag: str, value: object, field: str, current: object, change: Object) -> None:
    patch = json.dumps({"spec": change}, separators=(",", ":"))
    log.warning(
        f"the registry's Config decides spec.{field} ({current}), not {flag} {value}; "
        "to change it: moorage patch configs.imageregistry.operator.openshift.io/cluster "
        f"--type merge -p '{patch}'"
    )
