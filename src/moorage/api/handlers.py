"""The verbs over any kind: get, list, watch, create, update, patch, delete."""

import asyncio
from functools import partial
from typing import Any

from aiohttp import web

from moorage.api import pod_logs, watch
from moorage.api.backends import Backend
from moorage.api.context import BACKENDS, CATALOGUE
from moorage.api.documents import parsed
from moorage.api.patches import apply_patch
from moorage.api.requests import (
    Target,
    decode_continue,
    encode_continue,
    limit_of,
    parse_target,
    read_object,
    read_raw,
    require_object,
    verb_of,
    watching,
)
from moorage.api.selectors import matcher
from moorage.api.status import ApiError
from moorage.resources.kinds import Kind
from moorage.store.errors import Conflict

PATCH_ATTEMPTS = 5


def _resolve(request: web.Request) -> tuple[Target, Kind, Backend]:
    group = request.match_info.get("group", "")
    target = parse_target(group, request.match_info["version"], request.match_info["tail"])
    kind = request.app[CATALOGUE].find(target.group, target.version, target.plural)
    if kind is None:
        raise ApiError("NotFound", "the server could not find the requested resource")
    if target.namespace is not None and not kind.namespaced:
        raise ApiError("NotFound", f"{kind.plural} is not a namespaced resource")
    if target.subresource is not None and target.subresource not in kind.subresources:
        raise ApiError("NotFound", f"{kind.plural} has no subresource {target.subresource!r}")
    verb = verb_of(request.method, target, watching(request))
    if verb not in kind.verbs:
        raise ApiError("MethodNotAllowed", f"{verb} is not supported on {kind.qualified}")
    return target, kind, request.app[BACKENDS][kind.qualified]


async def resource(request: web.Request) -> web.StreamResponse:
    target, kind, backend = _resolve(request)
    namespace = target.namespace or ""
    if target.name is None:
        return await _collection(request, target, kind, backend)
    if request.method == "GET" and target.subresource == "log":
        return await pod_logs.serve(request, backend, namespace, target.name)
    if request.method == "GET":
        return _json(await asyncio.to_thread(backend.get, namespace, target.name))
    if request.method == "POST" and target.subresource and hasattr(backend, "create_subresource"):
        obj = await read_object(request)
        made = await asyncio.to_thread(
            backend.create_subresource, namespace, target.name, target.subresource, obj
        )
        return _json(made, status=201)
    if request.method == "PUT":
        obj = await read_object(request)
        updated = await asyncio.to_thread(
            backend.update, namespace, target.name, obj, target.subresource
        )
        return _json(updated)
    if request.method == "PATCH":
        return _json(await _patch(request, target, backend))
    if request.method == "DELETE":
        return _json(await asyncio.to_thread(backend.delete, namespace, target.name))
    raise ApiError("MethodNotAllowed", f"{request.method} is not supported here")


async def _collection(
    request: web.Request, target: Target, kind: Kind, backend: Backend
) -> web.StreamResponse:
    if request.method == "POST":
        if target.namespace is None and kind.namespaced:
            raise ApiError("BadRequest", f"{kind.plural} must be created in a namespace")
        obj = await read_object(request)
        created = await asyncio.to_thread(backend.create, target.namespace or "", obj)
        return _json(created, status=201)
    matches = matcher(request.query.get("labelSelector"), request.query.get("fieldSelector"))
    if request.method == "GET" and watching(request):
        return await watch.stream(request, backend, target.namespace, matches)
    if request.method != "GET":
        raise ApiError("MethodNotAllowed", f"{request.method} is not supported on a collection")
    after = decode_continue(request.query.get("continue"))
    page = await asyncio.to_thread(backend.list, target.namespace, limit_of(request), after)
    metadata: dict[str, Any] = {"resourceVersion": str(page.resource_version)}
    token = encode_continue(page.continue_after)
    if token:
        metadata["continue"] = token
    return _json(
        {
            "apiVersion": kind.api_version,
            "kind": f"{kind.kind}List",
            "metadata": metadata,
            "items": [obj for obj in page.items if matches(obj)],
        }
    )


async def _patch(request: web.Request, target: Target, backend: Backend) -> dict[str, Any]:
    """Apply the patch to the current object; if it changed underneath, read it and try again."""
    body = await read_raw(request)
    namespace, name = target.namespace or "", target.name or ""
    for attempt in range(PATCH_ATTEMPTS):
        current = await asyncio.to_thread(backend.get, namespace, name)
        patch = partial(_patched, current, content_type=request.content_type)
        patched = await parsed(patch, body)
        meta = patched.setdefault("metadata", {})
        pinned = meta.get("resourceVersion") not in (None, current["metadata"]["resourceVersion"])
        if not meta.get("resourceVersion"):
            meta["resourceVersion"] = current["metadata"]["resourceVersion"]
        try:
            return await asyncio.to_thread(
                backend.update, namespace, name, patched, target.subresource
            )
        except Conflict:
            if pinned or attempt == PATCH_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _patched(current: dict[str, Any], body: bytes, content_type: str) -> dict[str, Any]:
    return require_object(apply_patch(current, body, content_type), "the patched object")


def _json(obj: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(obj, status=status)
