"""Reading what a request says: repository name, pagination, body streams, ranges."""

import re
from collections.abc import AsyncIterator

from aiohttp import web

from moorage.content.errors import (
    BlobUploadInvalid,
    PaginationNumberInvalid,
    SizeInvalid,
)
from moorage.content.names import check_name
from moorage.registry.manifests import Page

BODY_CHUNK = 1 << 20
_CONTENT_RANGE = re.compile(r"^(?:bytes[ =])?(\d+)-(\d+)$")


_REPOSITORY = "moorage.repository"


def repository(request: web.Request) -> str:
    """The request's repository name, checked once per request (access, then the handler)."""
    name: str | None = request.get(_REPOSITORY)
    if name is None:
        name = request[_REPOSITORY] = check_name(request.match_info["name"])
    return name


def page(request: web.Request) -> tuple[int | None, str | None]:
    n = request.query.get("n")
    if n is not None and not n.isdigit():
        raise PaginationNumberInvalid("n must be a non-negative integer")
    return (None if n is None else int(n)), request.query.get("last") or None


def page_headers(request: web.Request, limit: int | None, page: Page) -> dict[str, str]:
    """The RFC 5988 Link to the next page, when there is one."""
    if not page.more or limit is None or not page.items:
        return {}
    url = request.rel_url.with_query({"n": str(limit), "last": page.items[-1]})
    return {"Link": f'<{url}>; rel="next"'}


def content_length(request: web.Request) -> int | None:
    value = request.headers.get("Content-Length")
    if value is None:
        return None
    if not value.isdigit():
        raise SizeInvalid("Content-Length must be a non-negative integer")
    return int(value)


def content_range(request: web.Request) -> int | None:
    """The start of a chunk's Content-Range, checked against its Content-Length."""
    value = request.headers.get("Content-Range")
    if value is None:
        return None
    match = _CONTENT_RANGE.match(value.strip())
    if match is None:
        raise BlobUploadInvalid(f"malformed Content-Range {value[:60]!r}")
    start, end = int(match[1]), int(match[2])
    if end < start:
        raise BlobUploadInvalid("Content-Range ends before it starts")
    length = content_length(request)
    if length is not None and length != end - start + 1:
        raise SizeInvalid(f"Content-Range covers {end - start + 1} bytes, Content-Length {length}")
    return start


async def body_chunks(request: web.Request) -> AsyncIterator[bytes]:
    content_length(request)
    # Whatever has arrived, as it arrived: re-slicing into fixed sizes would copy.
    async for chunk in request.content.iter_any():
        yield chunk


async def read_limited(request: web.Request, limit: int) -> bytes | None:
    """The whole body, or None once it exceeds `limit` bytes."""
    length = content_length(request)
    if length is not None and length > limit:
        return None
    parts: list[bytes] = []
    total = 0
    async for chunk in request.content.iter_chunked(BODY_CHUNK):
        total += len(chunk)
        if total > limit:
            return None
        parts.append(chunk)
    return b"".join(parts)
