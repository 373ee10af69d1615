"""Blob reads and deletes: GET (with Range), HEAD, DELETE."""

import asyncio
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from functools import partial

from aiohttp import web

from moorage.content.errors import BlobUnknown, RegistryError
from moorage.distribution import ranges
from moorage.distribution.context import REDIRECT, REGISTRY, SENDERS
from moorage.distribution.requests import repository
from moorage.registry.pullthrough import RemoteBlob

# Opens the blob's bytes (offset, length) as a stream.
Opener = Callable[[int, int], AsyncGenerator[bytes, None]]


def _blob_headers(digest: str) -> dict[str, str]:
    return {
        "Docker-Content-Digest": digest,
        "Accept-Ranges": "bytes",
        "Cache-Control": "max-age=31536000",
    }


async def head_blob(request: web.Request) -> web.StreamResponse:
    name, digest = repository(request), request.match_info["digest"]
    try:
        size = request.app[REGISTRY].blobs.size(name, digest)
    except BlobUnknown:
        pullthrough = request.app[REGISTRY].pullthrough
        found = None if pullthrough is None else await pullthrough.blob_size(name, digest)
        if found is None:
            raise
        size = found
    headers = _blob_headers(digest)
    headers["Content-Length"] = str(size)
    headers["Content-Type"] = "application/octet-stream"
    return web.Response(status=200, headers=headers)


async def get_blob(request: web.Request) -> web.StreamResponse:
    registry, digest = request.app[REGISTRY], request.match_info["digest"]
    try:
        blob = registry.blobs.content(repository(request), digest)
    except BlobUnknown as unknown:
        remote = await _pulled_through(request, digest, unknown)
        return await _streamed(request, remote.size, _blob_headers(digest), remote.open)
    headers = _blob_headers(blob.digest)
    url = registry.blobs.redirect_url(blob.digest) if request.app[REDIRECT] else None
    if url is not None:
        return web.Response(status=307, headers={**headers, "Location": url})
    if blob.path is None:
        return await _streamed(request, blob.size, headers, partial(registry.blobs.stream, digest))
    try:
        file = await asyncio.to_thread(blob.path.open, "rb")
    except FileNotFoundError:  # deleted since it was looked up
        raise BlobUnknown(f"blob {blob.digest} is not stored", {"digest": blob.digest}) from None
    with file:

        async def send(response: web.StreamResponse, offset: int, length: int) -> None:
            await request.app[SENDERS].send(request, response, file, offset, length)

        return await ranges.respond(request, blob.size, headers, send)


async def _pulled_through(request: web.Request, digest: str, unknown: RegistryError) -> RemoteBlob:
    """The blob from the registry the repository imported it from; `unknown` when it
    imported no image that has it."""
    pullthrough = request.app[REGISTRY].pullthrough
    remote = None if pullthrough is None else await pullthrough.blob(repository(request), digest)
    if remote is None:
        raise unknown
    return remote


async def _streamed(
    request: web.Request, size: int, headers: dict[str, str], open_: Opener
) -> web.StreamResponse:
    """A blob streamed (by the memory or s3 driver, or from another registry): its first
    chunk is read before the status line goes, so storage or a registry that cannot answer
    is an OCI error, not a body cut short."""
    try:
        offset, length = ranges.span(request, size)
    except ranges.Unsatisfiable:
        return ranges.unsatisfiable(size)
    async with aclosing(open_(offset, length)) as chunks:
        first = await anext(chunks, b"")

        async def send(response: web.StreamResponse, _offset: int, _length: int) -> None:
            if first:
                await response.write(first)
            async for chunk in chunks:
                await response.write(chunk)

        return await ranges.respond(request, size, headers, send)


async def delete_blob(request: web.Request) -> web.StreamResponse:
    await request.app[REGISTRY].blobs.unlink(repository(request), request.match_info["digest"])
    return web.Response(status=202)
