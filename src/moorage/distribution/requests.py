"""Reading what a request says: repository name, pagination, body streams, ranges."""

import re
from collections.abc import AsyncIterator

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from moorage.content.bodies import read_whole
from moorage.content.errors import (
    BlobUploadInvalid,
    PaginationNumberInvalid,
    SizeInvalid,
)
from moorage.content.names import check_name
from moorage.registry.manifests import Page

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
    """The body as it arrives (re-slicing it into fixed sizes would copy), to its end."""
    content_length(request)
    try:
        async for chunk in request.content.iter_any():
            yield chunk
    except (ConnectionResetError, HttpProcessingError):
        raise SizeInvalid("the request body broke off before its end") from None


async def whole_body(request: web.Request, limit: int) -> bytes:
    """Every piece of the body, however the network cut it; BodyTooLarge past `limit`."""
    return await read_whole(body_chunks(request), content_length(request), limit)
