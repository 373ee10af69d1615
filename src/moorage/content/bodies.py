"""Reading a request body whole, up to a stated limit: the one reader both HTTP faces use.

A body arrives in as many pieces as the network makes of it; one read returns
only what has arrived so far. The size is checked against the declared length
before anything is read, and again while reading, since a chunked body
declares none. Each face turns `BodyTooLarge` into its own protocol's 413.
"""

from collections.abc import AsyncIterable


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body exceeds {limit} bytes")
        self.limit = limit


async def read_whole(chunks: AsyncIterable[bytes], declared: int | None, limit: int) -> bytes:
    """Every byte of the body, or BodyTooLarge as soon as it is known to exceed `limit`."""
    if declared is not None and declared > limit:
        raise BodyTooLarge(limit)
    parts: list[bytes] = []
    total = 0
    async for chunk in chunks:
        total += len(chunk)
        if total > limit:
            raise BodyTooLarge(limit)
        parts.append(chunk)
    return b"".join(parts)
