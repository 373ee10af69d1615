"""JSON and YAML bodies: aliases expand within bounds, counting scalars by their length; a large
body parses off the event loop."""

import http.client
import select
import time
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

from moorage.api.documents import Unbounded, expanded_size
from moorage.api.limits import MAX_BODY
from tests.support.k8s import assert_status, namespaced, unique
from tests.support.server import RunningServer

YAML = {"Content-Type": "application/yaml"}
JSON = {"Content-Type": "application/json"}

BILLION_LAUGHS = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: lol}
data:
  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
  i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""

# 10 KB of scalar aliased 1,100 times: 11 MB spelled out, in some 1,300 nodes.
LONG_LAUGHS = (
    "metadata: {name: lol}\ndata:\n"
    f"  a: &a {'lol' * 3_400}\n"
    f"  b: &b [{', '.join(['*a'] * 100)}]\n"
    f"  c: [{', '.join(['*b'] * 11)}]\n"
)

# A billion laughs through merge keys: each level merges the one below twice.
MERGED_LAUGHS = "metadata: {name: lol}\ndata:\n  l0: &l0 {a: lol}\n" + "".join(
    f"  l{n}: &l{n} {{<<: [*l{n - 1}, *l{n - 1}]}}\n" for n in range(1, 31)
)


@pytest.mark.parametrize(
    ("body", "refusal"),
    [
        (BILLION_LAUGHS, f"expands past the limit of {MAX_BODY} bytes"),
        (MERGED_LAUGHS, f"expands past the limit of {MAX_BODY} bytes"),
        (LONG_LAUGHS, f"expands past the limit of {MAX_BODY} bytes"),
        ("metadata: &m {name: loop, labels: *m}\n", "contains itself"),
    ],
    ids=["billion-laughs", "merge-keys", "long-scalar", "recursive"],
)
def test_a_yaml_document_whose_aliases_expand_without_bound_is_refused(
    api: httpx.Client, namespace: str, body: str, refusal: str
) -> None:
    response = api.post(namespaced(namespace, "configmaps"), content=body, headers=YAML)
    assert refusal in assert_status(response, 400, "BadRequest")["message"]
    assert api.get(namespaced(namespace, "configmaps")).json()["items"] == []


def test_yaml_aliases_within_bounds_are_spelled_out(api: httpx.Client, namespace: str) -> None:
    body = (
        "apiVersion: v1\nkind: ConfigMap\n"
        "metadata: {name: aliased, labels: &labels {app: web, tier: front}}\n"
        "data: {first: &value shared, second: *value}\n"
        "binaryData: {}\n"
    )
    response = api.post(namespaced(namespace, "configmaps"), content=body, headers=YAML)
    assert response.status_code == 201, response.text
    stored = api.get(namespaced(namespace, "configmaps", "aliased")).json()
    assert stored["metadata"]["labels"] == {"app": "web", "tier": "front"}
    assert stored["data"] == {"first": "shared", "second": "shared"}


def node(document: str) -> yaml.Node:
    return yaml.compose(document, Loader=yaml.SafeLoader)


@pytest.mark.parametrize(
    ("document", "size"),
    [
        ("abc", 4),
        ("[abc, de]", 1 + 4 + 3),
        ("{k: abc}", 1 + 2 + 4),
        ("[&s abc, *s, *s]", 1 + 3 * 4),
        ("[&l [abc, de], *l]", 1 + 2 * (1 + 4 + 3)),
    ],
)
def test_a_document_s_expanded_size_counts_each_scalar_by_its_length_wherever_it_recurs(
    document: str, size: int
) -> None:
    assert expanded_size(node(document), limit=size) == size
    with pytest.raises(Unbounded, match=f"expands past the limit of {size - 1} bytes"):
        expanded_size(node(document), limit=size - 1)


def test_a_body_spelt_out_without_aliases_stays_within_the_expansion_limit() -> None:
    body = yaml.safe_dump({"metadata": {"name": "big"}, "data": {"k": "x" * (MAX_BODY - 100)}})
    assert len(body) <= MAX_BODY
    assert expanded_size(node(body), MAX_BODY) <= len(body)


@pytest.mark.parametrize(
    ("body", "headers"),
    [('{"metadata": ' + "[" * 100_000, JSON), ("metadata:\n" + "- " * 5_000 + "x\n", YAML)],
    ids=["json", "yaml"],
)
def test_a_body_nested_beyond_reason_is_a_bad_request(
    api: httpx.Client, namespace: str, body: str, headers: dict[str, str]
) -> None:
    response = api.post(namespaced(namespace, "configmaps"), content=body, headers=headers)
    assert_status(response, 400, "BadRequest")
    assert api.get(namespaced(namespace, "configmaps")).json()["items"] == []


# About 2.8 MB of YAML (under the 3 MiB limit) that takes the parser seconds; the server
# reads it off the socket in milliseconds.
SLOW_YAML = b"- 1\n" * 700_000
SETTLE = 0.2  # seconds for the server to have read the body and begun parsing it


def test_the_api_answers_other_requests_while_a_large_yaml_body_parses(
    sqlite_api_server: RunningServer,
) -> None:
    server = sqlite_api_server
    url = urlsplit(server.api_url)
    posting = http.client.HTTPConnection(url.hostname or "", url.port, timeout=300)
    path = namespaced(unique(), "configmaps")
    posting.request("POST", path, body=SLOW_YAML, headers={**server.admin_headers, **YAML})
    time.sleep(SETTLE)
    with server.api_client() as api:
        assert api.get("/version").status_code == 200
    # Had the parse held the event loop, /version would have waited for it, and the
    # POST's answer (written as soon as the parse ended) would be here already.
    assert select.select([posting.sock], [], [], 0)[0] == [], "the POST was answered first"
    answer = posting.getresponse()
    refusal = httpx.Response(answer.status, headers=answer.getheaders(), content=answer.read())
    assert_status(refusal, 400, "BadRequest")  # a list, not an object: parsed whole, then refused
    posting.close()
