"""The registry's Prometheus metrics: plain counts in each worker, added up at scrape time.

A request updates a few dict entries of its own process: no lock (the event loop is
the only writer) and no shared memory, so metrics cost a request about a microsecond.
A scrape lands on one worker, which gathers every worker's snapshot
(observability/metrics_exchange.py), adds them up and writes the sum in Prometheus'
text format. Durations and sizes are summaries with a sum and a count, which add up
across workers; quantiles would not, so there are none.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
    SummaryMetricFamily,
)

COUNTER, GAUGE, SUMMARY = "counter", "gauge", "summary"
# What `exposition` writes: the text format every Prometheus reads.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
Labels = tuple[str, ...]
# A family's samples: labels -> [value] for counters and gauges, [count, sum] for summaries.
Samples = dict[Labels, list[float]]
Snapshot = dict[str, list[tuple[Labels, list[float]]]]


@dataclass(frozen=True)
class Family:
    name: str
    kind: str
    help: str
    labels: Labels = ()


HTTP_IN_FLIGHT = Family(
    "imageregistry_http_in_flight_requests",
    GAUGE,
    "A gauge of requests currently being served by the registry.",
)
HTTP_REQUESTS = Family(
    "imageregistry_http_requests_total",
    COUNTER,
    "A counter for requests to the registry.",
    ("code", "method"),
)
HTTP_DURATION = Family(
    "imageregistry_http_request_duration_seconds",
    SUMMARY,
    "Latencies of requests to the registry, until the handler returned.",
    ("method",),
)
HTTP_REQUEST_SIZE = Family(
    "imageregistry_http_request_size_bytes", SUMMARY, "Sizes of request bodies read."
)
HTTP_RESPONSE_SIZE = Family(
    "imageregistry_http_response_size_bytes",
    SUMMARY,
    "Sizes of response bodies (their Content-Length; none for HEAD).",
)
HTTP_TIME_TO_HEADER = Family(
    "imageregistry_http_time_to_write_header_seconds",
    SUMMARY,
    "Time from a request's arrival until its response headers were written.",
)
REQUEST_DURATION = Family(
    "imageregistry_request_duration_seconds",
    SUMMARY,
    "Time the registry spent on each operation once its caller was let in.",
    ("operation",),
)
STORAGE_DURATION = Family(
    "imageregistry_storage_duration_seconds",
    SUMMARY,
    "Latencies of blob storage operations.",
    ("operation",),
)
STORAGE_ERRORS = Family(
    "imageregistry_storage_errors_total",
    COUNTER,
    "Blob storage operations that failed, by the error's code.",
    ("operation", "code"),
)
DIGEST_CACHE = Family(
    "imageregistry_digest_cache_requests_total",
    COUNTER,
    "Total number of requests without scope to the digest cache (manifests by digest).",
    ("type",),
)
DIGEST_CACHE_SCOPED = Family(
    "imageregistry_digest_cache_scoped_requests_total",
    COUNTER,
    "Total number of scoped requests to the digest cache (this registry has no "
    "repository-scoped cache: never counted).",
    ("type",),
)
PULLTHROUGH_CACHE = Family(
    "imageregistry_pullthrough_blobstore_cache_requests_total",
    COUNTER,
    "Total number of requests to the BlobStore cache: blobs found in storage (Hit) or pulled "
    "through from another registry (Miss).",
    ("type",),
)
PULLTHROUGH_DURATION = Family(
    "imageregistry_pullthrough_repository_duration_seconds",
    SUMMARY,
    "Latencies of operations on other registries' repositories, for pull-through.",
    ("registry", "operation"),
)
PULLTHROUGH_ERRORS = Family(
    "imageregistry_pullthrough_repository_errors_total",
    COUNTER,
    "Operations on other registries' repositories that failed, for pull-through.",
    ("registry", "operation", "code"),
)
GC_PASSES = Family(
    "imageregistry_gc_passes_total", COUNTER, "Garbage collection passes run to the end."
)
GC_LINKS = Family(
    "imageregistry_gc_collected_links_total",
    COUNTER,
    "Links of repositories to blobs that nothing referenced any more, removed by the collector.",
)
GC_BLOBS = Family(
    "imageregistry_gc_collected_blobs_total",
    COUNTER,
    "Blobs no repository linked any more, deleted from storage by the collector.",
)
GC_FREED = Family(
    "imageregistry_gc_freed_bytes_total",
    COUNTER,
    "Bytes of storage the collector freed.",
)
BUILD_INFO = Family(
    "imageregistry_build_info",
    GAUGE,
    "A metric with a constant '1' value labeled by major, minor, git commit & git version "
    "from which the image registry was built.",
    ("gitCommit", "gitVersion", "major", "minor"),
)
FAMILIES = (
    HTTP_IN_FLIGHT,
    HTTP_REQUESTS,
    HTTP_DURATION,
    HTTP_REQUEST_SIZE,
    HTTP_RESPONSE_SIZE,
    HTTP_TIME_TO_HEADER,
    REQUEST_DURATION,
    STORAGE_DURATION,
    STORAGE_ERRORS,
    DIGEST_CACHE,
    DIGEST_CACHE_SCOPED,
    PULLTHROUGH_CACHE,
    PULLTHROUGH_DURATION,
    PULLTHROUGH_ERRORS,
    GC_PASSES,
    GC_LINKS,
    GC_BLOBS,
    GC_FREED,
)


class Metrics:
    """One process's samples of every family, and readers of counts kept elsewhere."""

    def __init__(self) -> None:
        self.samples: dict[str, Samples] = {family.name: {} for family in FAMILIES}
        self._readers: list[tuple[Family, Callable[[], dict[Labels, float]]]] = []

    def inc(self, family: Family, labels: Labels = (), amount: float = 1.0) -> None:
        samples = self.samples[family.name]
        sample = samples.get(labels)
        if sample is None:
            samples[labels] = [amount]
        else:
            sample[0] += amount

    def observe(self, family: Family, labels: Labels, value: float) -> None:
        samples = self.samples[family.name]
        sample = samples.get(labels)
        if sample is None:
            samples[labels] = [1.0, value]
        else:
            sample[0] += 1.0
            sample[1] += value

    def read(self, family: Family, reader: Callable[[], dict[Labels, float]]) -> None:
        """Take `family`'s counts from `reader` at each snapshot (a count another part keeps
        in a plain attribute, such as a cache's hits)."""
        self._readers.append((family, reader))

    def snapshot(self, gauges: bool = True) -> Snapshot:
        """Every sample as of now; without gauges, for keeping after this process ends."""
        taken: Snapshot = {
            family.name: [(key, list(values)) for key, values in self.samples[family.name].items()]
            for family in FAMILIES
            if gauges or family.kind != GAUGE
        }
        for family, reader in self._readers:
            taken[family.name] = [(labels, [value]) for labels, value in reader().items()]
        return taken


def added(snapshots: Iterable[Snapshot]) -> Snapshot:
    """The samples of several processes added up, label set by label set."""
    sums: dict[str, Samples] = {family.name: {} for family in FAMILIES}
    for snapshot in snapshots:
        for name, samples in snapshot.items():
            total = sums.setdefault(name, {})
            for labels, values in samples:
                key = tuple(labels)
                kept = total.setdefault(key, [0.0] * len(values))
                for index, value in enumerate(values):
                    kept[index] += value
    return {name: list(samples.items()) for name, samples in sums.items()}


def exposition(snapshot: Snapshot, build: dict[str, str]) -> bytes:
    """The text format (version 0.0.4) of a summed snapshot and the build's labels."""
    families = [_family(family, snapshot.get(family.name, [])) for family in FAMILIES]
    info = GaugeMetricFamily(BUILD_INFO.name, BUILD_INFO.help, labels=BUILD_INFO.labels)
    info.add_metric([build[label] for label in BUILD_INFO.labels], 1)
    return generate_latest(_Collected([info, *families]))  # type: ignore[arg-type]


def _family(family: Family, samples: list[tuple[Labels, list[float]]]) -> Metric:
    metric: CounterMetricFamily | GaugeMetricFamily | SummaryMetricFamily
    if family.kind == SUMMARY:
        metric = SummaryMetricFamily(family.name, family.help, labels=family.labels)
        for labels, (count, total) in sorted(samples):
            metric.add_metric(list(labels), int(count), total)
        return metric
    kind = CounterMetricFamily if family.kind == COUNTER else GaugeMetricFamily
    metric = kind(family.name, family.help, labels=family.labels)
    if family.kind == GAUGE and not family.labels and not samples:
        samples = [((), [0.0])]  # a gauge without labels always has its one value
    for labels, (value,) in sorted(samples):
        metric.add_metric(list(labels), value)
    return metric


@dataclass(frozen=True)
class _Collected:
    families: list[Metric]

    def collect(self) -> list[Metric]:
        return self.families
