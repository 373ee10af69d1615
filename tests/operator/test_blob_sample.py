"""Switching storage on a running registry (pvc to s3, s3 to pvc) loses nothing silently: when
the storage now in use lacks blobs the registry's records name, Degraded says how many of a
sample, where, and what to do; the switch itself still rolls out."""

import asyncio
import json
import re
from pathlib import Path

from sqlalchemy import Engine, insert, update

from moorage.operator.blob_sample import MissingBlobs, sample_digests
from moorage.registry.settings import RegistrySettings
from moorage.storage.filesystem import FilesystemBlobStore
from moorage.store.database import migrate, open_engine, sqlite_url
from moorage.store.schema import blobs
from tests.cli.conftest import Cli
from tests.operator.conftest import (
    CONFIG,
    condition,
    create_s3_credentials,
    get_json,
    serving_s3,
    settled,
    use_s3,
    wait_for,
)
from tests.support.images import digest_of, image, push_image
from tests.support.moto import MotoServer
from tests.support.server import RunningServer

SAMPLED = re.compile(r"(\d+) of (\d+) blobs sampled from the registry's records are not in")


def _missing_blobs(oc: Cli) -> tuple[int, int] | None:
    """(missing, sampled) as Degraded reports them, or None when it reports none."""
    degraded = condition(oc, "Degraded")
    if degraded.get("reason") != "BlobsNotInStorage":
        return None
    found = SAMPLED.search(degraded["message"])
    assert found is not None, degraded["message"]
    return int(found[1]), int(found[2])


def test_storage_that_lacks_recorded_blobs_after_a_switch_is_degraded_in_numbers(
    cluster: RunningServer, oc: Cli, moto: MotoServer
) -> None:
    wait_for(lambda: settled(oc), "the first rollout")
    on_pvc = get_json(oc, CONFIG)["spec"]["storage"]["pvc"]
    with cluster.registry_client() as http:
        assert push_image(http, "openshift/first", image(layers=2), "v1").status_code == 201
    assert condition(oc, "Degraded")["status"] == "False"

    bucket = moto.new_bucket()
    create_s3_credentials(oc)
    use_s3(oc, {"bucket": bucket, "regionEndpoint": moto.endpoint})
    wait_for(lambda: serving_s3(oc) and _missing_blobs(oc) is not None, "Degraded", timeout=120)
    missing_on_s3 = _missing_blobs(oc)
    assert missing_on_s3 is not None and missing_on_s3[0] == missing_on_s3[1] >= 3
    message = condition(oc, "Degraded")["message"]
    assert f"S3 bucket '{bucket}'" in message and "copied there from the previous" in message
    with cluster.registry_client() as http:
        assert push_image(http, "openshift/second", image(layers=2), "v1").status_code == 201

    patch = {"spec": {"storage": {"pvc": on_pvc}}}
    oc("patch", CONFIG, "--type", "merge", "-p", json.dumps(patch))
    back_on_pvc = lambda: "pvc" in get_json(oc, CONFIG)["status"]["storage"]  # noqa: E731
    wait_for(lambda: back_on_pvc() and settled(oc), "the registry back on its volume", 120)
    wait_for(lambda: _missing_blobs(oc) != missing_on_s3, "the volume's sample")
    missing_on_pvc = _missing_blobs(oc)
    assert missing_on_pvc is not None
    missing, sampled = missing_on_pvc
    assert (missing, sampled - missing) == (sampled - missing_on_s3[1], missing_on_s3[1])
    assert f"the volume {cluster.data_dir / 'storage'}" in condition(oc, "Degraded")["message"]


# The sample's bound, on a real database and volume ----------------------------------------


def _recorded(tmp_path: Path, count: int) -> tuple[Engine, list[str]]:
    engine = open_engine(sqlite_url(tmp_path / "metadata.db"))
    migrate(engine)
    digests = [digest_of(str(n).encode()) for n in range(count)]
    with engine.begin() as conn:
        conn.execute(
            insert(blobs),
            [{"digest": d, "size": 1, "created_at": 0.0, "touched_at": 0.0} for d in digests],
        )
    return engine, digests


def test_the_sample_is_bounded_distinct_and_leaves_out_blobs_being_collected(
    tmp_path: Path,
) -> None:
    engine, digests = _recorded(tmp_path, 100)
    with engine.begin() as conn:
        conn.execute(update(blobs).where(blobs.c.digest.in_(digests[50:])).values(deleting_since=1))
    sample = sample_digests(engine, 32)
    assert len(set(sample)) == 32 and set(sample) <= set(digests[:50])
    assert sorted(sample_digests(engine, 80)) == sorted(digests[:50])
    engine.dispose()


def test_a_volume_holding_part_of_the_sample_is_reported_with_its_count(tmp_path: Path) -> None:
    engine, digests = _recorded(tmp_path, 10)
    volume = FilesystemBlobStore(tmp_path / "data" / "storage")
    for digest in digests[:4]:
        asyncio.run(volume.write(digest, b"x"))
    settings = RegistrySettings(storage="filesystem", volume="storage")
    message = MissingBlobs(engine, tmp_path / "data").message(settings)
    assert message is not None and message.startswith("6 of 10 blobs sampled")
    for digest in digests[4:]:
        asyncio.run(volume.write(digest, b"x"))
    assert MissingBlobs(engine, tmp_path / "data").message(settings) is None
    engine.dispose()
