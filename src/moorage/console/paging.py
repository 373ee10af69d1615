"""Pages of a long list, filtered by name, read from the API a chunk at a time.

The API pages a list (`limit`, `continue`) but filters names only by equality, so a
name filter reads chunks until a page is full. Where the next page starts is the API's
continue token for the chunk it starts in and how many matches of that chunk were shown:
the console keeps no state between pages, and no page reads the list from its beginning.
"""

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from moorage.resources.objects import Object

PAGE = 50
CHUNK = 500  # read at a time while filtering: few requests, each of them quick
Fetch = Callable[[int, str | None], Awaitable[Object]]


class BadPosition(ValueError):
    """A `continue` the console did not make."""


@dataclass(frozen=True)
class Page:
    items: list[Object]
    next: str | None  # where the next page starts; None: this is the last


async def page_of(fetch: Fetch, name_filter: str, position: str | None) -> Page:
    """Up to PAGE objects whose name holds `name_filter`, from `position` on."""
    start, skip = _decode(position)
    limit = CHUNK if name_filter else PAGE
    shown: list[Object] = []
    while True:
        listed = await fetch(limit, start)
        matches = [o for o in listed["items"] if name_filter in o["metadata"]["name"]]
        taken = matches[skip : skip + PAGE - len(shown)]
        shown += taken
        after = listed["metadata"].get("continue")
        if len(shown) == PAGE and skip + len(taken) < len(matches):
            return Page(shown, _encode(start, skip + len(taken)))
        if len(shown) == PAGE or not after:
            return Page(shown, _encode(after, 0) if after else None)
        start, skip = after, 0


def _encode(start: str | None, skip: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([start, skip]).encode()).decode()


def _decode(position: str | None) -> tuple[str | None, int]:
    if not position:
        return None, 0
    try:
        start, skip = json.loads(base64.urlsafe_b64decode(position.encode()))
    except (ValueError, binascii.Error, TypeError):
        raise BadPosition(position) from None
    if not (start is None or isinstance(start, str)) or not isinstance(skip, int) or skip < 0:
        raise BadPosition(position)
    return start, skip
