"""Scraping a running registry's metrics with the metrics secret."""

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.support.server import RunningServer

PATH = "/extensions/v2/metrics"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def secret(server: RunningServer) -> str:
    return (server.data_dir / "metrics-secret").read_text()


def scrape(server: RunningServer) -> Samples:
    """One scrape on a new connection (so on either worker), with the metrics secret."""
    response = httpx.get(server.url + PATH, auth=("prometheus", secret(server)), timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples: Samples, name: str) -> float:
    return sum(found for (sample, _), found in samples.items() if sample == name)
