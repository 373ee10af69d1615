"""A minimal OpenAPI v3 index: enough for kubectl to see that the server validates fields.

kubectl (1.27 and later) reads /openapi/v3 to learn whether each create,
update and patch operation takes the `fieldValidation` parameter; when it
does, kubectl leaves validation to the server (which is always strict here)
instead of validating against schemas it would otherwise download.
"""

import hashlib
import json
from typing import Any

from aiohttp import web

from moorage.api.context import CATALOGUE
from moorage.api.status import ApiError
from moorage.resources.kinds import Catalogue, Kind

_VALIDATION = [{"name": "fieldValidation", "in": "query", "schema": {"type": "string"}}]


def _prefix(group: str, version: str) -> str:
    return f"api/{version}" if not group else f"apis/{group}/{version}"


def _paths(kind: Kind) -> dict[str, Any]:
    base = "/" + _prefix(kind.group, kind.version)
    scope = f"{base}/namespaces/{{namespace}}" if kind.namespaced else base
    write = {"parameters": _VALIDATION, "responses": {}}
    gvk = {
        "x-kubernetes-group-version-kind": {
            "group": kind.group,
            "version": kind.version,
            "kind": kind.kind,
        }
    }
    return {
        f"{scope}/{kind.plural}": {"post": {**write, **gvk}, "get": {"responses": {}, **gvk}},
        f"{scope}/{kind.plural}/{{name}}": {
            "put": {**write, **gvk},
            "patch": {**write, **gvk},
            "get": {"responses": {}, **gvk},
        },
    }


def _document(catalogue: Catalogue, group: str, version: str) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for kind in catalogue.in_group(group, version):
        paths.update(_paths(kind))
    return {
        "openapi": "3.0.0",
        "info": {"title": "Moorage", "version": version},
        "paths": paths,
        "components": {"schemas": {}},
    }


async def index(request: web.Request) -> web.Response:
    catalogue = request.app[CATALOGUE]
    paths = {}
    for group, versions in catalogue.groups().items():
        for version in versions:
            digest = (
                hashlib.sha256(json.dumps(_document(catalogue, group, version)).encode())
                .hexdigest()[:16]
                .upper()
            )
            prefix = _prefix(group, version)
            paths[prefix] = {"serverRelativeURL": f"/openapi/v3/{prefix}?hash={digest}"}
    return web.json_response({"paths": paths})


async def group_version(request: web.Request) -> web.Response:
    parts = request.match_info["path"].split("/")
    if parts[0] == "api" and len(parts) == 2:
        group, version = "", parts[1]
    elif parts[0] == "apis" and len(parts) == 3:
        group, version = parts[1], parts[2]
    else:
        raise ApiError("NotFound", "the server could not find the requested resource")
    catalogue = request.app[CATALOGUE]
    if not catalogue.in_group(group, version):
        raise ApiError("NotFound", "the server could not find the requested resource")
    return web.json_response(_document(catalogue, group, version))
