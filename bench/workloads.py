"""The workloads: an untimed setup per server, then a timed measure per repetition."""

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import images
import transfers
import wrk
from blobs import Blob, MiB, blobs
from credentials import for_host
from servers import Server, Sink

MB = 1e6  # throughput is reported in MB/s = 10^6 bytes per second
ACCEPT = ", ".join(
    [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ]
)


@dataclass
class Sizes:
    mono: int
    chunked: int
    chunk: int
    get_one: int
    get_many: int
    push_many: int
    layers: int
    layer_size: int
    wrk_seconds: int
    reps: int


FULL = Sizes(1024 * MiB, 256 * MiB, 8 * MiB, 1024 * MiB, 256 * MiB, 32 * MiB, 50, MiB, 5, 3)
QUICK = Sizes(64 * MiB, 32 * MiB, 8 * MiB, 64 * MiB, 16 * MiB, 4 * MiB, 5, MiB, 1, 2)


@dataclass
class Sample:
    label: str
    unit: str
    higher_is_better: bool
    value: float


@dataclass
class Context:
    sizes: Sizes
    source: Path
    workdir: Path
    wrk: Path
    state: dict[tuple[str, str], object] = field(default_factory=dict)  # (server, key) -> fixture
    shared: dict[tuple[str, int], list[Blob]] = field(default_factory=dict)

    def fresh_blobs(self, key: str, rep: int, count: int, size: int) -> list[Blob]:
        """Blobs new to every server, the same for all servers within one repetition."""
        if (key, rep) not in self.shared:
            made = blobs(self.source, count, size)
            for blob in made:
                assert blob.digest
            self.shared[(key, rep)] = made
        return self.shared[(key, rep)]


Setup = Callable[[Server, Context], None]
Measure = Callable[[Server, Context, int], list[Sample]]


def upload(server: Server, ctx: Context, repo: str, blob: Blob, single: bool = True) -> float:
    """A monolithic upload: one POST ?digest= where the server takes it (and `single`),
    else POST then PUT ?digest=."""
    key = (server.name, "single_post")
    if key not in ctx.state:
        ctx.state[key] = transfers.takes_single_post(server.host, repo)
    single = single and bool(ctx.state[key])
    return transfers.monolithic_upload(server.host, repo, blob, single)


def mb_per_s(size: int, seconds: float) -> float:
    return size / MB / seconds


def no_setup(server: Server, ctx: Context) -> None:
    return None


def measure_mono(server: Server, ctx: Context, rep: int) -> list[Sample]:
    (blob,) = ctx.fresh_blobs("mono", rep, 1, ctx.sizes.mono)
    took = upload(server, ctx, "bench/mono", blob)
    ctx.state[(server.name, "mono")] = blob
    label = f"Monolithic upload {blob.size // MiB} MiB, POST ?digest= (*)"
    return [Sample(label, "MB/s", True, mb_per_s(blob.size, took))]


def measure_mono_put(server: Server, ctx: Context, rep: int) -> list[Sample]:
    (blob,) = ctx.fresh_blobs("mono_put", rep, 1, ctx.sizes.mono)
    took = upload(server, ctx, "bench/mono", blob, single=False)
    label = f"Monolithic upload {blob.size // MiB} MiB, POST then PUT ?digest="
    return [Sample(label, "MB/s", True, mb_per_s(blob.size, took))]


def measure_chunked(server: Server, ctx: Context, rep: int) -> list[Sample]:
    (blob,) = ctx.fresh_blobs("chunked", rep, 1, ctx.sizes.chunked)
    took = transfers.chunked_upload(server.host, "bench/chunked", blob, ctx.sizes.chunk)
    label = f"Chunked upload {blob.size // MiB} MiB in {ctx.sizes.chunk // MiB} MiB chunks"
    return [Sample(label, "MB/s", True, mb_per_s(blob.size, took))]


def upload_and_check(server: Server, ctx: Context, repo: str, blob: Blob) -> None:
    """An untimed fixture upload, read back and hashed (except from the sink)."""
    upload(server, ctx, repo, blob)
    if not isinstance(server, Sink):
        transfers.get_blob(server.host, repo, blob, verify=True)


def setup_get_one(server: Server, ctx: Context) -> None:
    blob = ctx.state.get((server.name, "mono"))
    if not isinstance(blob, Blob) or blob.size != ctx.sizes.get_one:
        blob = blobs(ctx.source, 1, ctx.sizes.get_one)[0]
        upload(server, ctx, "bench/mono", blob)
    if not isinstance(server, Sink):
        transfers.get_blob(server.host, "bench/mono", blob, verify=True)
    ctx.state[(server.name, "get_one")] = blob


def measure_get_one(server: Server, ctx: Context, rep: int) -> list[Sample]:
    blob = ctx.state[(server.name, "get_one")]
    assert isinstance(blob, Blob)
    took = transfers.get_blob(server.host, "bench/mono", blob)
    label = f"Single-stream GET {blob.size // MiB} MiB"
    return [Sample(label, "MB/s", True, mb_per_s(blob.size, took))]


def setup_get_many(server: Server, ctx: Context) -> None:
    if (server.name, "get_many") not in ctx.state:
        made = ctx.fresh_blobs("get_many", -1, 8, ctx.sizes.get_many)
        for blob in made:
            upload_and_check(server, ctx, "bench/many", blob)
        ctx.state[(server.name, "get_many")] = made


def measure_get_many(server: Server, ctx: Context, rep: int) -> list[Sample]:
    made = ctx.state[(server.name, "get_many")]
    assert isinstance(made, list)
    jobs = [lambda b=b: transfers.get_blob(server.host, "bench/many", b) for b in made]
    took = transfers.concurrently(jobs)
    label = f"8 concurrent GETs of {ctx.sizes.get_many // MiB} MiB (aggregate)"
    return [Sample(label, "MB/s", True, mb_per_s(8 * ctx.sizes.get_many, took))]


def measure_push_many(server: Server, ctx: Context, rep: int) -> list[Sample]:
    made = ctx.fresh_blobs("push_many", rep, 16, ctx.sizes.push_many)
    jobs = [lambda b=b: upload(server, ctx, "bench/push16", b) for b in made]
    took = transfers.concurrently(jobs)
    label = f"16 concurrent pushes of {ctx.sizes.push_many // MiB} MiB (aggregate) (*)"
    return [Sample(label, "MB/s", True, mb_per_s(16 * ctx.sizes.push_many, took))]


SMALL_REPO = "bench/small"


def setup_small(server: Server, ctx: Context) -> None:
    """One small OCI image tagged v1 and t00..t19; the wrk targets."""
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {}}).encode()
    layer = images.layer(4096, "file")
    descriptors = []
    for data, media_type in ((config, images.OCI_CONFIG), (layer, images.OCI_LAYER)):
        transfers.post_bytes(server.host, SMALL_REPO, data)
        descriptors.append(images.descriptor(media_type, data))
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": images.OCI_MANIFEST,
            "config": descriptors[0],
            "layers": descriptors[1:],
        }
    ).encode()
    for tag in ["v1", *(f"t{i:02d}" for i in range(20))]:
        transfers.put_manifest(server.host, SMALL_REPO, tag, manifest, images.OCI_MANIFEST)
    ctx.state[(server.name, "layer")] = images.digest_of(layer)


def small_targets(server: Server, ctx: Context) -> list[tuple[str, str, str | None, str]]:
    """(label, method, Accept, path) of each small request."""
    layer = ctx.state[(server.name, "layer")]
    return [
        ("manifest GET by tag", "GET", ACCEPT, f"/v2/{SMALL_REPO}/manifests/v1"),
        ("manifest HEAD by tag", "HEAD", ACCEPT, f"/v2/{SMALL_REPO}/manifests/v1"),
        ("blob HEAD", "HEAD", None, f"/v2/{SMALL_REPO}/blobs/{layer}"),
        ("tags list (21 tags)", "GET", None, f"/v2/{SMALL_REPO}/tags/list"),
    ]


def measure_small(server: Server, ctx: Context, rep: int) -> list[Sample]:
    samples = []
    for label, method, accept, path in small_targets(server, ctx):
        authorization = for_host(server.host).authorization(SMALL_REPO)
        script = ctx.workdir / f"{server.name}-{method}-{bool(accept)}.lua"
        wrk.lua_script(script, method, accept, authorization)
        for connections in (16, 64):
            got = wrk.run(
                ctx.wrk, f"http://{server.host}{path}", script, connections, ctx.sizes.wrk_seconds
            )
            if got.bad:
                print(f"  ! {server.name} {label} c{connections}: {got.bad} bad of {got.requests}")
            name = f"{label}, {connections} conns"
            samples.append(Sample(f"{name}: req/s", "req/s", True, got.requests_per_second))
            samples.append(Sample(f"{name}: p99", "ms", False, got.p99_ms))
    return samples


def measure_skopeo(server: Server, ctx: Context, rep: int) -> list[Sample]:
    """Push a fresh many-layer OCI layout (fresh, so skopeo cannot mount), then pull it."""
    sizes = ctx.sizes
    base = ctx.workdir / f"skopeo-{server.name}-{rep}"
    layout = images.oci_layout(base / "push", sizes.layers, sizes.layer_size)
    ref = f"docker://{server.host}/bench/skopeo{rep}:v1"
    creds = for_host(server.host).creds()
    pushed = images.skopeo_copy(f"oci:{layout}:v1", ref, creds)
    pulled = images.skopeo_copy(ref, f"oci:{base / 'pull'}:v1", creds)
    shutil.rmtree(base, ignore_errors=True)
    label = f"skopeo {{}} {sizes.layers} x {sizes.layer_size // MiB} MiB layers"
    return [
        Sample(label.format("push"), "s", False, pushed),
        Sample(label.format("pull"), "s", False, pulled),
    ]


@dataclass
class Workload:
    name: str
    setup: Setup
    measure: Measure
    on_sink: bool  # measured against the sink too, as the client's ceiling


WORKLOADS = [
    Workload("mono", no_setup, measure_mono, True),
    Workload("mono-put", no_setup, measure_mono_put, False),
    Workload("chunked", no_setup, measure_chunked, True),
    Workload("get", setup_get_one, measure_get_one, True),
    Workload("get8", setup_get_many, measure_get_many, True),
    Workload("small", setup_small, measure_small, False),
    Workload("skopeo", no_setup, measure_skopeo, False),
    Workload("push16", no_setup, measure_push_many, True),
]
