"""Scheduled imports: every tag whose importPolicy.scheduled is set, and whose source is
another registry's image, is imported again once per interval (`moorage serve
--scheduled-import-interval`, 900 s by default as on OpenShift). A pass imports all the
scheduled tags of a stream together, at most PER_MINUTE streams a minute on this server,
the projects in turns (each one's longest waiting stream, then each one's next), so one
project's thousands of scheduled streams wait behind every other project's. When a stream
was last imported is its `openshift.io/image.dockerRepositoryCheck`.
"""

import asyncio
import calendar
import logging
import time

from moorage.imagestreams.imports import CHECKED, Imports, TagImport
from moorage.resources.objects import Object
from moorage.store.errors import StoreError

log = logging.getLogger("moorage.imagestreams")
PER_MINUTE = 60
LONGEST_NAP = 60.0  # between looks for what is due, however long the interval


def due(streams: list[Object], now: float, interval: float) -> list[tuple[Object, list[TagImport]]]:
    """The streams whose scheduled tags were last imported `interval` ago or more."""
    found = []
    for stream in streams:
        scheduled = [
            TagImport.of(tag)
            for tag in (stream.get("spec") or {}).get("tags") or []
            if (tag.get("from") or {}).get("kind") == "DockerImage"
            and (tag.get("importPolicy") or {}).get("scheduled")
        ]
        if scheduled and _checked(stream) + interval <= now:
            found.append((stream, scheduled))
    return found


def in_turns(
    found: list[tuple[Object, list[TagImport]]],
) -> list[tuple[Object, list[TagImport]]]:
    """The due streams in the order they are imported: every project's longest waiting one,
    then every project's next, and so on."""
    turns: dict[str, int] = {}
    ranked = []
    for entry in sorted(found, key=lambda e: _checked(e[0])):
        namespace = entry[0]["metadata"]["namespace"]
        turns[namespace] = turns.get(namespace, 0) + 1
        ranked.append((turns[namespace], entry))
    return [entry for _, entry in sorted(ranked, key=lambda r: r[0])]


def _checked(stream: Object) -> float:
    stamp = (stream["metadata"].get("annotations") or {}).get(CHECKED)
    try:
        return float(calendar.timegm(time.strptime(stamp or "", "%Y-%m-%dT%H:%M:%SZ")))
    except ValueError:
        return 0.0


async def run_scheduled(imports: Imports, interval: float) -> None:
    """Forever: import what is due, then look again; after LONGEST_NAP of importing, look
    again at once, so a stream that fell due meanwhile takes its project's turn."""
    while True:
        looked = time.monotonic()
        try:
            streams = await asyncio.to_thread(imports.all_streams)
        except StoreError:
            streams = []  # the database is away: look again later
        for stream, tags in in_turns(due(streams, time.time(), interval)):
            if time.monotonic() - looked > LONGEST_NAP:
                break
            namespace, name = stream["metadata"]["namespace"], stream["metadata"]["name"]
            try:
                await asyncio.to_thread(imports.run_scheduled, namespace, name, tags)
            except StoreError as exc:
                log.warning(f"scheduled import of {namespace}/{name}: {exc}")
            except Exception:  # one stream's surprise must not end every project's imports
                log.exception(f"scheduled import of {namespace}/{name} failed; the others go on")
            await asyncio.sleep(60 / PER_MINUTE)
        else:
            await asyncio.sleep(min(interval, LONGEST_NAP))
