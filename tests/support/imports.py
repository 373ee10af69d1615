"""ImageStreamImports as the tests send them: one image of another registry into one tag."""

from typing import Any

import httpx

from tests.support.k8s import create

Object = dict[str, Any]


def import_one(
    api: httpx.Client, namespace: str, stream: str, source: str, tag: str = "latest", **entry: Any
) -> Object:
    """The created ImageStreamImport of `source` into `stream:tag`; `entry` adds the image's
    other fields (importPolicy, referencePolicy)."""
    image = {"from": {"kind": "DockerImage", "name": source}, "to": {"name": tag}, **entry}
    body = {
        "kind": "ImageStreamImport",
        "apiVersion": "image.openshift.io/v1",
        "metadata": {"name": stream},
        "spec": {"import": True, "images": [image]},
    }
    return create(
        api, f"/apis/image.openshift.io/v1/namespaces/{namespace}/imagestreamimports", body
    )
