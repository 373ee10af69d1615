"""The kubeconfig file that kubectl and moorage share: clusters, users, contexts.

Reading follows kubectl: $KUBECONFIG may list several files (joined with ':'),
merged with the first file's entries winning; writes go to the first file.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from moorage.cli.errors import CliError

SECTIONS = ("clusters", "users", "contexts")


def config_paths(flag: str | None = None) -> list[Path]:
    if flag:
        return [Path(flag).expanduser()]
    listed = [p for p in os.environ.get("KUBECONFIG", "").split(os.pathsep) if p]
    if listed:
        return [Path(p).expanduser() for p in listed]
    return [Path.home() / ".kube" / "config"]


def _read(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, yaml.YAMLError) as exc:
        raise CliError(f"cannot read kubeconfig {path}: {exc}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise CliError(f"kubeconfig {path} is not a mapping")
    return loaded


def _entries(doc: dict[str, Any], section: str) -> dict[str, dict[str, Any]]:
    key = section[:-1]
    out = {}
    for item in doc.get(section) or []:
        if isinstance(item, dict) and item.get("name"):
            out[item["name"]] = dict(item.get(key) or {})
    return out


@dataclass
class KubeConfig:
    """The merged view of the files; `save` writes it back to the first one."""

    path: Path
    current_context: str = ""
    clusters: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    contexts: dict[str, dict[str, Any]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, flag: str | None = None) -> "KubeConfig":
        paths = config_paths(flag)
        config = cls(paths[0])
        for index, path in enumerate(paths):
            doc = _read(path)
            if index == 0:
                config.extra = {
                    k: v for k, v in doc.items() if k not in (*SECTIONS, "current-context")
                }
            config.current_context = config.current_context or doc.get("current-context") or ""
            for section in SECTIONS:
                merged = getattr(config, section)
                for name, value in _entries(doc, section).items():
                    merged.setdefault(name, value)
        return config

    def context(self) -> dict[str, Any]:
        return self.contexts.get(self.current_context, {})

    def cluster(self) -> dict[str, Any]:
        """The current context's cluster entry: its server and how to trust it."""
        return self.clusters.get(self.context().get("cluster", ""), {})

    def server(self) -> str | None:
        return self.cluster().get("server")

    def namespace(self) -> str | None:
        return self.context().get("namespace")

    def user(self) -> dict[str, Any]:
        """The current context's user entry: its credentials."""
        return self.users.get(self.context().get("user", ""), {})

    def token(self) -> str | None:
        return self.user().get("token") or None

    def save(self) -> None:
        doc: dict[str, Any] = {"apiVersion": "v1", "kind": "Config", **self.extra}
        doc.pop("preferences", None)
        doc["preferences"] = self.extra.get("preferences") or {}
        for section in SECTIONS:
            key = section[:-1]
            doc[section] = [{"name": n, key: v} for n, v in getattr(self, section).items()]
        doc["current-context"] = self.current_context
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(yaml.safe_dump(doc, sort_keys=False))
            self.path.chmod(0o600)
        except OSError as exc:
            raise CliError(f"cannot write kubeconfig {self.path}: {exc}") from None
