"""Running the user's editor on a temporary file: $KUBE_EDITOR, else $EDITOR, else vi."""

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from moorage.cli.errors import CliError

HEADER = """# Please edit the object below. Lines beginning with a '#' will be ignored,
# and an empty file will abort the edit. If an error occurs while saving, your
# changes are kept in this file and the command says where.
#
"""


def editor_command() -> list[str]:
    chosen = os.environ.get("KUBE_EDITOR") or os.environ.get("EDITOR") or "vi"
    try:
        return shlex.split(chosen)
    except ValueError as exc:
        raise CliError(f"cannot read the editor command {chosen!r}: {exc}") from None


def edit_text(text: str, suffix: str) -> tuple[str, Path]:
    """The edited text (comment lines dropped) and the file that holds it."""
    handle, name = tempfile.mkstemp(prefix="moorage-edit-", suffix=suffix)
    path = Path(name)
    with os.fdopen(handle, "w") as file:
        file.write(HEADER + text)
    command = editor_command()
    try:
        finished = subprocess.run([*command, str(path)], check=False)
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise CliError(f"cannot run the editor {command[0]!r}: {exc.strerror or exc}") from None
    if finished.returncode != 0:
        path.unlink(missing_ok=True)
        raise CliError(
            f"the editor {command[0]!r} exited with status {finished.returncode}; "
            "nothing was changed"
        )
    edited = path.read_text()
    kept = [line for line in edited.splitlines(keepends=True) if not line.lstrip().startswith("#")]
    return "".join(kept), path
