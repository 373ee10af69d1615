"""Imports into a stream already written: whatever happens upstream, the outcome is each tag's
import condition, never an error answered for the write that asked for them."""

from pathlib import Path

from sqlalchemy import Engine

from moorage.imagestreams.import_settings import ImportSettings
from moorage.imagestreams.importing import Imported
from moorage.imagestreams.imports import Imports, TagImport
from moorage.imagestreams.streams import ImageStreams, new_stream, stream_ref
from moorage.store.database import migrate, open_engine
from moorage.store.resources import ResourceStore


class _Unforeseen(Imports):
    """Imports whose upstream code fails as nothing foreseen does."""

    def fetch(self, settings: ImportSettings, wanted: list[TagImport]) -> list[Imported]:
        raise KeyError("nothing foreseen")


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
