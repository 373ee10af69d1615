"""Reading objects from -f FILE|DIR|- : YAML or JSON, several documents, List kinds expanded."""

import sys
from pathlib import Path

import yaml

from moorage.cli.errors import CliError
from moorage.resources.objects import Object

SUFFIXES = (".yaml", ".yml", ".json")


def _files(source: str) -> list[tuple[str, str]]:
    """(label, text) for `-`, a file, or every YAML/JSON file in a directory."""
    if source == "-":
        return [("<stdin>", sys.stdin.read())]
    path = Path(source)
    try:
        if path.is_dir():
            return [(str(p), p.read_text()) for p in sorted(path.iterdir()) if p.suffix in SUFFIXES]
        return [(source, path.read_text())]
    except FileNotFoundError:
        raise CliError(f"the path {source!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {source}: {exc}") from None


def parse_documents(label: str, text: str) -> list[Object]:
    """Every object in a YAML (or JSON) stream; Lists give their items."""
    try:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise CliError(f"{label}: malformed YAML or JSON: {_problem(exc)}") from None
    objects: list[Object] = []
    for document in documents:
        if not isinstance(document, dict):
            raise CliError(f"{label}: expected an object, got {type(document).__name__}")
        objects += expand_list(document)
    return objects


def _problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    return f"{problem} at line {mark.line + 1}, column {mark.column + 1}" if mark else problem


def expand_list(document: Object) -> list[Object]:
    kind = str(document.get("kind") or "")
    if kind.endswith("List") and isinstance(document.get("items"), list):
        out: list[Object] = []
        for item in document["items"]:
            if isinstance(item, dict):
                out += expand_list(item)
        return out
    return [document]


def read_manifests(sources: list[str]) -> list[Object]:
    objects: list[Object] = []
    for source in sources:
        for label, text in _files(source):
            objects += parse_documents(label, text)
    if not objects:
        raise CliError(f"no objects passed ({', '.join(sources)})")
    return objects
