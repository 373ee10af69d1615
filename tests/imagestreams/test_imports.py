"""Imports into a stream already written: whatever happens upstream (or an immutable tag
refusing the image), the outcome is each tag's import condition, never an error answered for
the write that asked for them."""

from pathlib import Path

from sqlalchemy import Engine

from moorage.imagestreams.import_settings import ImportSettings
from moorage.imagestreams.importing import Imported, source_of
from moorage.imagestreams.imports import Imports, TagImport
from moorage.imagestreams.streams import ImageStreams, new_stream, stream_ref
from moorage.store.database import migrate, open_engine
from moorage.store.resources import ResourceStore


class _Unforeseen(Imports):
    """Imports whose upstream code fails as nothing foreseen does."""

    def fetch(self, settings: ImportSettings, wanted: list[TagImport]) -> list[Imported]:
        raise KeyError("nothing foreseen")


class _Upstream(Imports):
    """Imports whose upstream serves, for every tag, the image `serving` names now."""

    serving = ""

    def fetch(self, settings: ImportSettings, wanted: list[TagImport]) -> list[Imported]:
        image = {
            "metadata": {"name": self.serving},
            "dockerImageReference": f"quay.io/a/b@{self.serving}",
        }
        return [Imported(source_of("quay.io/a/b:v1"), image) for _ in wanted]


def _engine(tmp_path: Path) -> Engine:
    engine = open_engine(f"sqlite:///{tmp_path / 'metadata.db'}")
    migrate(engine)
    return engine


def test_an_unforeseen_failure_is_the_tags_failed_import_not_an_error(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    store, streams = ResourceStore(engine), ImageStreams("127.0.0.1:5000")
    stream = new_stream("n", "app")
    stream["spec"]["tags"] = [
        {"name": "v1", "from": {"kind": "DockerImage", "name": "quay.io/a/b:v1"}}
    ]
    with store.transaction() as tx:
        tx.create(stream_ref("n", "app"), stream)
    _Unforeseen(store, streams).run("n", "app", [TagImport.of(stream["spec"]["tags"][0])])
    with store.reading() as tx:
        shown = streams.render(tx.connection, tx.require(stream_ref("n", "app")))
    [tag] = shown["status"]["tags"]
    [failed] = tag["conditions"]
    assert (failed["type"], failed["status"]) == ("ImportSuccess", "False")
    assert failed["message"] == "the import failed unexpectedly; the server's log says why"
    engine.dispose()


def test_an_import_that_would_move_an_immutable_tag_fails_as_that_tags_import(
    tmp_path: Path,
) -> None:
    engine = _engine(tmp_path)
    store, streams = ResourceStore(engine), ImageStreams("127.0.0.1:5000")
    stream = new_stream("n", "app")
    stream["metadata"]["annotations"] = {"moorage.io/immutable-tags": "true"}
    stream["spec"]["tags"] = [
        {"name": "v1", "from": {"kind": "DockerImage", "name": "quay.io/a/b:v1"}}
    ]
    with store.transaction() as tx:
        tx.create(stream_ref("n", "app"), stream)
    imports, wanted = _Upstream(store, streams), [TagImport.of(stream["spec"]["tags"][0])]
    first, second = "sha256:" + "1" * 64, "sha256:" + "2" * 64
    for digest in (first, second):
        imports.serving = digest
        imports.run("n", "app", wanted)
    with store.reading() as tx:
        shown = streams.render(tx.connection, tx.require(stream_ref("n", "app")))
    [tag] = shown["status"]["tags"]
    assert [item["image"] for item in tag["items"]] == [first]
    [failed] = tag["conditions"]
    assert (failed["status"], failed["reason"]) == ("False", "Forbidden")
    assert "is immutable" in failed["message"]
    engine.dispose()
