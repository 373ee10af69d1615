"""Type names resolve from discovery: plural, singular, short name, kind, qualified forms."""

import pytest

from moorage.cli.errors import CliError
from moorage.cli.resources import Discovery, ResourceType
from tests.cli.conftest import Cli


def _type(
    group: str, plural: str, kind: str, short: tuple[str, ...] = (), ns: bool = True
) -> ResourceType:
    return ResourceType(group, "v1", plural, kind.lower(), kind, ns, short)


DISCOVERY = Discovery(
    [
        _type("", "namespaces", "Namespace", ("ns",), ns=False),
        _type("", "secrets", "Secret"),
        _type("", "configmaps", "ConfigMap", ("cm",)),
        _type("config.openshift.io", "images", "Image", ns=False),
        _type("image.openshift.io", "images", "Image", ns=False),
        _type("image.openshift.io", "imagestreams", "ImageStream", ("is",)),
        _type("image.openshift.io", "imagestreamtags", "ImageStreamTag", ("istag",)),
        _type("imageregistry.operator.openshift.io", "configs", "Config", ns=False),
        _type("config.openshift.io", "configs", "Config", ns=False),
    ]
)


@pytest.mark.parametrize(
    ("typed", "group", "plural"),
    [
        ("is", "image.openshift.io", "imagestreams"),
        ("imagestream", "image.openshift.io", "imagestreams"),
        ("ImageStream", "image.openshift.io", "imagestreams"),
        ("imagestreams.image.openshift.io", "image.openshift.io", "imagestreams"),
        ("imagestreams.v1.image.openshift.io", "image.openshift.io", "imagestreams"),
        ("istag", "image.openshift.io", "imagestreamtags"),
        (
            "configs.imageregistry.operator.openshift.io",
            "imageregistry.operator.openshift.io",
            "configs",
        ),
        ("configs.imageregistry", "imageregistry.operator.openshift.io", "configs"),
        (
            "config.imageregistry.operator.openshift.io",
            "imageregistry.operator.openshift.io",
            "configs",
        ),
        ("image.config.openshift.io", "config.openshift.io", "images"),
        ("images.image.openshift.io", "image.openshift.io", "images"),
        ("cm", "", "configmaps"),
        ("NS", "", "namespaces"),
    ],
)
def test_resolves(typed: str, group: str, plural: str) -> None:
    found = DISCOVERY.resolve(typed)
    assert (found.group, found.plural) == (group, plural)


def test_unknown_type_names_itself() -> None:
    with pytest.raises(CliError, match='the server doesn\'t have a resource type "widgets"'):
        DISCOVERY.resolve("widgets")
    with pytest.raises(CliError):
        DISCOVERY.resolve("configs.nosuchgroup")


def test_paths_and_names() -> None:
    stream = DISCOVERY.resolve("is")
    assert stream.path("p", "s") == "/apis/image.openshift.io/v1/namespaces/p/imagestreams/s"
    assert DISCOVERY.resolve("ns").path("ignored", "x") == "/api/v1/namespaces/x"
    assert stream.ref == "imagestream.image.openshift.io"
    assert (
        DISCOVERY.for_object({"apiVersion": "image.openshift.io/v1", "kind": "ImageStream"})
        == stream
    )


SERVED = [
    "namespaces",
    "namespace",
    "ns",
    "Namespace",
    "projects",
    "project",
    "projects.project.openshift.io",
    "project.project",
    "secrets",
    "secret",
    "configmaps",
    "cm",
    "ConfigMap",
    "events",
    "ev",
    "event",
]


def test_the_servers_kinds_resolve_through_discovery(cli: Cli) -> None:
    result = cli.run("get", ",".join(SERVED), "-A", "-o", "name")
    assert result.returncode == 0, result.stderr


def test_unknown_type_is_one_line(cli: Cli) -> None:
    assert (
        cli.fails("get", "widgets") == 'error: the server doesn\'t have a resource type "widgets"'
    )
