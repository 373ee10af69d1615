"""edit: $EDITOR changes the file and the object is saved; conflicts and no-ops are reported."""

import json
import stat
import sys
from pathlib import Path

from tests.cli.conftest import Cli


def _editor(directory: Path, body: str) -> str:
    """A small Python script used as $EDITOR: it rewrites the file it is given."""
    script = directory / "editor.py"
    script.write_text(f"#!{sys.executable}\nimport sys\npath = sys.argv[1]\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


REPLACE = (
    "text = open(path).read()\nopen(path, 'w').write(text.replace('a: original', 'a: edited'))"
)


def test_edit_saves_what_the_editor_changed(cli: Cli, project: str) -> None:
    cli("create", "configmap", "conf", "--from-literal=a=original")
    out = cli("edit", "configmap", "conf", env={"EDITOR": _editor(cli.cwd, REPLACE)})
    assert out == "configmap/conf edited\n"
    assert json.loads(cli("get", "cm/conf", "-o", "json"))["data"] == {"a": "edited"}


def test_edit_in_json_with_kube_editor(cli: Cli, project: str) -> None:
    cli("create", "configmap", "conf", "--from-literal=a=original")
    body = (
        "import json\nlines = [l for l in open(path) if not l.startswith('#')]\n"
        "obj = json.loads(''.join(lines))\nobj['data']['b'] = 'added'\n"
        "open(path, 'w').write(json.dumps(obj))"
    )
    env = {"KUBE_EDITOR": _editor(cli.cwd, body), "EDITOR": "false"}
    cli("edit", "cm/conf", "-o", "json", env=env)
    assert json.loads(cli("get", "cm/conf", "-o", "json"))["data"] == {
        "a": "original",
        "b": "added",
    }


def test_a_conflict_during_edit_is_reported_and_the_edit_kept(cli: Cli, project: str) -> None:
    cli("create", "configmap", "conf", "--from-literal=a=original")
    meanwhile = (
        "import os, subprocess\n"
        f"subprocess.run([{sys.executable!r}, '-m', 'moorage.cli.main', 'patch', 'cm', 'conf',"
        " '--type', 'merge', '-p', '{\"data\": {\"z\": \"theirs\"}}'], check=True)\n" + REPLACE
    )
    line = cli.fails("edit", "cm", "conf", env={"EDITOR": _editor(cli.cwd, meanwhile)})
    assert line.startswith("error: Conflict: configmap/conf changed on the server while you edited")
    kept = Path(line.rsplit(" kept in ", 1)[1])
    assert "a: edited" in kept.read_text()
    kept.unlink()
    assert json.loads(cli("get", "cm/conf", "-o", "json"))["data"] == {
        "a": "original",
        "z": "theirs",
    }


def test_no_change_and_empty_file_cancel(cli: Cli, project: str) -> None:
    cli("create", "configmap", "conf", "--from-literal=a=original")
    assert cli("edit", "cm", "conf", env={"EDITOR": "true"}) == "Edit cancelled, no changes made.\n"
    empty = _editor(cli.cwd, "open(path, 'w').write('')")
    assert (
        cli("edit", "cm", "conf", env={"EDITOR": empty})
        == "Edit cancelled, saved file was empty.\n"
    )


def test_invalid_edits_are_one_line(cli: Cli, project: str) -> None:
    cli("create", "configmap", "conf", "--from-literal=a=original")
    broken = _editor(cli.cwd, "open(path, 'a').write('data: [unclosed\\n')")
    line = cli.fails("edit", "cm", "conf", env={"EDITOR": broken})
    assert "malformed YAML" in line and "your changes are kept in" in line
    renamed = _editor(
        cli.cwd,
        "t = open(path).read()\nopen(path, 'w').write(t.replace('name: conf', 'name: other'))",
    )
    assert "cannot be changed" in cli.fails("edit", "cm", "conf", env={"EDITOR": renamed})
    assert "exited with status 1" in cli.fails("edit", "cm", "conf", env={"EDITOR": "false"})
