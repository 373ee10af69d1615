"""The data of a Secret or ConfigMap from --from-literal, --from-file and --from-env-file."""

import re
from pathlib import Path

from moorage.cli.errors import CliError

KEY = re.compile(r"^[-._a-zA-Z0-9]+$")


def _check_key(key: str, origin: str) -> str:
    if not KEY.match(key):
        raise CliError(
            f"{key!r} from {origin} is not a valid key name: it must consist of alphanumeric "
            "characters, '-', '_' or '.'"
        )
    return key


def _add(data: dict[str, bytes], key: str, value: bytes, origin: str) -> None:
    _check_key(key, origin)
    if key in data:
        raise CliError(f"cannot add key {key!r} from {origin}: another source already has it")
    data[key] = value


def _read(path: Path, origin: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {origin}: {exc.strerror or exc}") from None


def _from_file(data: dict[str, bytes], spec: str) -> None:
    key, sep, path = spec.partition("=")
    if not sep:
        key, path = "", spec
    if not path:
        raise CliError(f"--from-file={spec}: expected [KEY=]PATH")
    source = Path(path)
    if source.is_dir() and not key:
        for child in sorted(p for p in source.iterdir() if p.is_file()):
            _add(data, child.name, _read(child, str(child)), f"--from-file={spec}")
        return
    _add(data, key or source.name, _read(source, f"--from-file={spec}"), f"--from-file={spec}")


def _from_env_file(data: dict[str, bytes], path: str) -> None:
    text = _read(Path(path), f"--from-env-file={path}").decode(errors="replace")
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise CliError(f"{path}:{number}: expected KEY=VALUE")
        _add(data, key.strip(), value.encode(), f"{path}:{number}")


def collect(literals: list[str], files: list[str], env_files: list[str]) -> dict[str, bytes]:
    data: dict[str, bytes] = {}
    for spec in literals:
        key, sep, value = spec.partition("=")
        if not sep or not key:
            raise CliError(f"--from-literal={spec}: expected KEY=VALUE")
        _add(data, key, value.encode(), f"--from-literal={spec}")
    for spec in files:
        _from_file(data, spec)
    for path in env_files:
        _from_env_file(data, path)
    return data
