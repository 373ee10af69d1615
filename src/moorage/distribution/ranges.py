"""Answering a blob GET: the whole blob, or the one Range the request asks for."""

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from moorage.content.errors import RegistryError
from moorage.distribution.errors import error_response

log = logging.getLogger("moorage.distribution")


class Unsatisfiable(Exception):
    pass


def span(request: web.Request, size: int) -> tuple[int, int]:
    """(offset, length) the request asks for; raises Unsatisfiable."""
    if "Range" not in request.headers:
        return 0, size
    try:
        wanted = request.http_range
    except ValueError:
        raise Unsatisfiable from None
    start, stop = wanted.start, wanted.stop
    if start is None:
        start = 0
    if start < 0:  # a suffix: the last -start bytes
        start = max(size + start, 0)
        stop = size
    stop = size if stop is None else min(stop, size)
    if start >= size or stop <= start:
        raise Unsatisfiable
    return start, stop - start


def unsatisfiable(size: int) -> web.Response:
    response = error_response("BLOB_UNKNOWN", "requested range not satisfiable", status=416)
    response.headers["Content-Range"] = f"bytes */{size}"
    return response


# Writes (offset, length) of the blob into a response whose headers are prepared.
SendBody = Callable[[web.StreamResponse, int, int], Awaitable[None]]


async def respond(
    request: web.Request, size: int, headers: dict[str, str], send_body: SendBody
) -> web.StreamResponse:
    try:
        offset, length = span(request, size)
    except Unsatisfiable:
        return unsatisfiable(size)
    response = web.StreamResponse(status=206 if length != size else 200, headers=headers)
    if length != size:
        response.headers["Content-Range"] = f"bytes {offset}-{offset + length - 1}/{size}"
    response.content_type = "application/octet-stream"
    response.content_length = length
    try:
        await response.prepare(request)
        await send_body(response, offset, length)
        await response.write_eof()
    except ConnectionError:
        # The client went away mid-answer: an everyday event, not a server error.
        _cut_short(request, response)
    except RegistryError as exc:
        # The bytes stopped coming (another registry's, pulled through) after the status line
        # went: a body cut short is all that is left to tell the client.
        log.warning("%s %s cut short: %s", request.method, request.path, exc.message)
        _cut_short(request, response)
    return response


def _cut_short(request: web.Request, response: web.StreamResponse) -> None:
    """The connection cannot carry another answer after a body cut short."""
    response.force_close()
    if request.transport is not None:
        request.transport.close()
