"""Blob reads and deletes: GET (with Range), HEAD, DELETE."""

from collections.abc import AsyncIterator

from aiohttp import web

from moorage.distribution import ranges
from moorage.distribution.context import REGISTRY
from moorage.distribution.requests import repository


def _blob_headers(digest: str) -> dict[str, str]:
    return {
        "Docker-Content-Digest": digest,
        "Accept-Ranges": "bytes",
        "Cache-Control": "max-age=31536000",
    }


async def head_blob(request: web.Request) -> web.StreamResponse:
    digest = request.match_info["digest"]
    size = request.app[REGISTRY].blobs.size(repository(request), digest)
    headers = _blob_headers(digest)
    headers["Content-Length"] = str(size)
    headers["Content-Type"] = "application/octet-stream"
    return web.Response(status=200, headers=headers)


async def get_blob(request: web.Request) -> web.StreamResponse:
    registry = request.app[REGISTRY]
    blob = registry.blobs.content(repository(request), request.match_info["digest"])
    headers = _blob_headers(blob.digest)
    if blob.path is not None:
        # Refused here so the 416 carries an OCI error body, as the memory driver's does.
        try:
            ranges.span(request, blob.size)
        except ranges.Unsatisfiable:
            return ranges.unsatisfiable(blob.size)
        return web.FileResponse(blob.path, headers=headers)

    def open_stream(offset: int, length: int) -> AsyncIterator[bytes]:
        return registry.blobs.stream(blob.digest, offset, length)

    return await ranges.stream_blob(request, blob.size, headers, open_stream)


async def delete_blob(request: web.Request) -> web.StreamResponse:
    await request.app[REGISTRY].blobs.unlink(repository(request), request.match_info["digest"])
    return web.Response(status=202)
