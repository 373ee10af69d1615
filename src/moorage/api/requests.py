"""Reading API requests: the path's parts, bodies in JSON or YAML, list options."""

import base64
import binascii
import json
from dataclasses import dataclass
from functools import partial
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from moorage.api import protobuf
from moorage.api.documents import decode, parsed
from moorage.api.limits import MAX_BODY, require_storable
from moorage.api.status import ApiError
from moorage.content.bodies import BodyTooLarge, read_whole

NAMESPACE_SUBRESOURCES = ("status", "finalize")


@dataclass(frozen=True)
class Target:
    """What a resource path names: /api/v1/... or /apis/GROUP/VERSION/..."""

    group: str
    version: str
    plural: str
    namespace: str | None = None  # None: cluster-scoped, or every namespace
    name: str | None = None
    subresource: str | None = None


WRITE_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}


def verb_of(method: str, target: Target, watching: bool) -> str:
    """The Kubernetes verb of a request on a resource path."""
    if method == "GET":
        if target.name is not None:
            return "get"
        return "watch" if watching else "list"
    if method == "DELETE" and target.name is None:
        return "deletecollection"
    return WRITE_VERBS.get(method, method.lower())


def watching(request: web.Request) -> bool:
    return request.query.get("watch") in ("1", "true")


def parse_target(group: str, version: str, tail: str) -> Target:
    parts = [p for p in tail.split("/") if p]
    namespace = None
    if len(parts) >= 3 and parts[0] == "namespaces" and parts[2] not in NAMESPACE_SUBRESOURCES:
        namespace, parts = parts[1], parts[2:]
    if not 1 <= len(parts) <= 3:
        raise ApiError("NotFound", "the server could not find the requested resource")
    name = parts[1] if len(parts) > 1 else None
    subresource = parts[2] if len(parts) > 2 else None
    return Target(group, version, parts[0], namespace, name, subresource)


def _unsupported(content_type: str) -> ApiError:
    return ApiError(
        "UnsupportedMediaType",
        f"the body of the request was in an unknown format - accepted media types include: "
        f"application/json, application/yaml (got {content_type})",
    )


def _require_text(request: web.Request) -> None:
    """Only JSON and YAML bodies; clients that offer protobuf or CBOR retry in JSON on 415."""
    if "protobuf" in request.content_type or "cbor" in request.content_type:
        raise _unsupported(request.content_type)


async def _body(request: web.Request) -> bytes:
    try:
        return await read_whole(request.content.iter_any(), request.content_length, MAX_BODY)
    except BodyTooLarge as exc:
        raise ApiError(
            "RequestEntityTooLarge", f"Request entity too large: limit is {exc.limit}"
        ) from None
    except (ConnectionResetError, HttpProcessingError):
        raise ApiError("BadRequest", "the request body broke off before its end") from None


async def read_object(request: web.Request) -> dict[str, Any]:
    content_type = request.content_type
    if "protobuf" not in content_type:
        _require_text(request)
    try:
        return await parsed(partial(_object, content_type=content_type), await _body(request))
    except protobuf.Undecodable:
        raise _unsupported(content_type) from None


def _object(body: bytes, content_type: str) -> dict[str, Any]:
    if "protobuf" in content_type:  # the few kinds kubectl sends only so (auth can-i)
        return require_object(protobuf.decode(body), "the request body")
    return require_object(decode(body, content_type), "the request body")


def require_object(obj: Any, what: str) -> dict[str, Any]:
    """`obj` as an API object: a JSON object whose metadata, if any, is an object too
    (null counts as none, as Kubernetes decodes it), small enough to store."""
    if not isinstance(obj, dict):
        raise ApiError("BadRequest", f"{what} must be an object")
    if obj.get("metadata", {}) is None:
        obj["metadata"] = {}
    if not isinstance(obj.get("metadata", {}), dict):
        raise ApiError("BadRequest", f"{what}: metadata must be an object")
    require_storable(obj, what)
    return obj


async def read_raw(request: web.Request) -> bytes:
    _require_text(request)
    return await _body(request)


def limit_of(request: web.Request) -> int | None:
    value = request.query.get("limit")
    if not value:
        return None
    if not value.isdigit():
        raise ApiError("BadRequest", f"limit must be a non-negative integer, got {value!r}")
    return int(value) or None


def encode_continue(after: tuple[str, str] | None) -> str | None:
    if after is None:
        return None
    return base64.urlsafe_b64encode(json.dumps(list(after)).encode()).decode()


def decode_continue(token: str | None) -> tuple[str, str] | None:
    if not token:
        return None
    try:
        namespace, name = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, TypeError, binascii.Error):
        raise ApiError("BadRequest", "the provided continue parameter is not valid") from None
    return str(namespace), str(name)
