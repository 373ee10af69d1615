"""Warnings sent with every API answer, as Kubernetes sends them (`Warning: 299 - "text"`).

kubectl and `moorage` print each one, so whoever works with the registry hears
that its storage runs low before pushes start failing.
"""

from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from moorage.observability.space import measure

Hook = Callable[[web.Request, web.StreamResponse], Awaitable[None]]


def low_space_warning(data_root: Path) -> Hook:
    async def warn(_request: web.Request, response: web.StreamResponse) -> None:
        space = measure(data_root)  # one statvfs: cheaper than keeping it fresh in a task
        if space.low:
            response.headers.add("Warning", f'299 - "{space.notice()}"')

    return warn
