"""Manifests (GET/HEAD/PUT/DELETE with content negotiation), tags, referrers, catalog."""

import asyncio
import json

from aiohttp import web

from moorage.content import mediatypes as mt
from moorage.content.bodies import BodyTooLarge
from moorage.content.errors import (
    ManifestBlobUnknown,
    ManifestTooLarge,
    ManifestUnknown,
    NameUnknown,
)
from moorage.content.manifest import MAX_MANIFEST_BYTES
from moorage.distribution.callers import visible
from moorage.distribution.context import REGISTRY
from moorage.distribution.requests import page, page_headers, repository, whole_body
from moorage.registry.manifests import PutResult


def _acceptable(request: web.Request, media_type: str) -> bool:
    """Whether the client's Accept admits `media_type` (no Accept admits anything)."""
    accepted = {
        part.split(";")[0].strip().lower()
        for header in request.headers.getall("Accept", ())
        for part in header.split(",")
    }
    accepted.discard("")
    return not accepted or bool(accepted & {media_type, "*/*", "application/*"})


async def get_manifest(request: web.Request) -> web.StreamResponse:
    name, reference = repository(request), request.match_info["reference"]
    try:
        digest, media_type, size, body = await _manifest(request, name, reference)
    except (ManifestUnknown, NameUnknown):
        pullthrough = request.app[REGISTRY].pullthrough
        if pullthrough is None or not await pullthrough.manifest(name, reference):
            raise
        digest, media_type, size, body = await _manifest(request, name, reference)
    if not _acceptable(request, media_type):
        raise ManifestUnknown(
            f"manifest {reference} is a {media_type}, which the request's Accept header excludes",
            {"mediaType": media_type},
        )
    headers = {
        "Docker-Content-Digest": digest,
        "Content-Type": media_type,
        "Content-Length": str(size),
    }
    return web.Response(status=200, body=body or None, headers=headers)


async def _manifest(request: web.Request, name: str, reference: str) -> tuple[str, str, int, bytes]:
    """(digest, media type, size, body) of a stored manifest; no body for HEAD."""
    manifests = request.app[REGISTRY].manifests
    if request.method == "HEAD":
        record = manifests.find(name, reference)
        return record.digest, record.media_type, record.size, b""
    stored = await manifests.get(name, reference)
    return stored.digest, stored.media_type, len(stored.body), stored.body


async def put_manifest(request: web.Request) -> web.StreamResponse:
    name, reference = repository(request), request.match_info["reference"]
    try:
        body = await whole_body(request, MAX_MANIFEST_BYTES)
    except BodyTooLarge:
        raise ManifestTooLarge(f"manifest exceeds {MAX_MANIFEST_BYTES} bytes") from None
    content_type = request.headers.get("Content-Type", "")
    result = await _put(request, name, reference, body, content_type)
    headers = {
        "Location": f"/v2/{name}/manifests/{result.digest}",
        "Docker-Content-Digest": result.digest,
        "Content-Length": "0",
    }
    if result.subject:
        headers["OCI-Subject"] = result.subject
    return web.Response(status=201, headers=headers)


async def _put(
    request: web.Request, name: str, reference: str, body: bytes, content_type: str
) -> PutResult:
    """The manifest stored; a layer the client did not send since pull-through serves it
    here (a HEAD said so) is fetched into storage first."""
    registry, fetched = request.app[REGISTRY], set()
    while True:
        try:
            return await registry.manifests.put(name, reference, body, content_type)
        except ManifestBlobUnknown as missing:
            digest, pullthrough = (missing.detail or {}).get("digest"), registry.pullthrough
            if pullthrough is None or not isinstance(digest, str) or digest in fetched:
                raise
            if not await pullthrough.store_blob(name, digest):
                raise
            fetched.add(digest)


async def delete_manifest(request: web.Request) -> web.StreamResponse:
    name, reference = repository(request), request.match_info["reference"]
    await request.app[REGISTRY].manifests.delete(name, reference)
    return web.Response(status=202)


async def list_tags(request: web.Request) -> web.StreamResponse:
    name = repository(request)
    limit, last = page(request)
    tags = request.app[REGISTRY].manifests.tags(name, limit, last)
    return web.json_response(
        {"name": name, "tags": tags.items}, headers=page_headers(request, limit, tags)
    )


async def catalog(request: web.Request) -> web.StreamResponse:
    limit, last = page(request)
    catalog = request.app[REGISTRY].manifests.catalog
    names = await asyncio.to_thread(catalog, limit, last, await visible(request))
    return web.json_response(
        {"repositories": names.items}, headers=page_headers(request, limit, names)
    )


async def referrers(request: web.Request) -> web.StreamResponse:
    name, subject = repository(request), request.match_info["digest"]
    artifact_type = request.query.get("artifactType")
    referrers = request.app[REGISTRY].manifests.referrers
    found = await asyncio.to_thread(referrers, name, subject, artifact_type)
    index = {
        "schemaVersion": 2,
        "mediaType": mt.OCI_INDEX,
        "manifests": [descriptor.to_json() for descriptor in found],
    }
    headers = {"Content-Type": mt.OCI_INDEX}
    if artifact_type is not None:
        headers["OCI-Filters-Applied"] = "artifactType"
    # Not json_response: it appends "; charset=utf-8", and the spec wants the bare media type.
    return web.Response(body=json.dumps(index).encode(), headers=headers)


async def base(request: web.Request) -> web.StreamResponse:
    return web.json_response({})
