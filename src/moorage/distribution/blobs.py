"""Blob reads and deletes: GET (with Range), HEAD, DELETE."""

import asyncio
from contextlib import aclosing

from aiohttp import web

from moorage.content.errors import BlobUnknown
from moorage.distribution import ranges
from moorage.distribution.context import REDIRECT, REGISTRY, SENDERS
from moorage.distribution.requests import repository
from moorage.registry.blobs import BlobContent


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
    url = registry.blobs.redirect_url(blob.digest) if request.app[REDIRECT] else None
    if url is not None:
        return web.Response(status=307, headers={**headers, "Location": url})
    if blob.path is None:
        return await _streamed(request, blob, headers)
    try:
        file = await asyncio.to_thread(blob.path.open, "rb")
    except FileNotFoundError:  # deleted since it was looked up
        raise BlobUnknown(f"blob {blob.digest} is not stored", {"digest": blob.digest}) from None
    with file:

        async def send(response: web.StreamResponse, offset: int, length: int) -> None:
            await request.app[SENDERS].send(request, response, file, offset, length)

        return await ranges.respond(request, blob.size, headers, send)


async def _streamed(
    request: web.Request, blob: BlobContent, headers: dict[str, str]
) -> web.StreamResponse:
    """A blob the driver streams (memory, s3): its first chunk is read before the status
    line goes, so storage that cannot answer is an OCI error, not a body cut short."""
    try:
        offset, length = ranges.span(request, blob.size)
    except ranges.Unsatisfiable:
        return ranges.unsatisfiable(blob.size)
    async with aclosing(request.app[REGISTRY].blobs.stream(blob.digest, offset, length)) as chunks:
        first = await anext(chunks, b"")

        async def send(response: web.StreamResponse, _offset: int, _length: int) -> None:
            if first:
                await response.write(first)
            async for chunk in chunks:
                await response.write(chunk)

        return await ranges.respond(request, blob.size, headers, send)


async def delete_blob(request: web.Request) -> web.StreamResponse:
    await request.app[REGISTRY].blobs.unlink(repository(request), request.match_info["digest"])
    return web.Response(status=202)
