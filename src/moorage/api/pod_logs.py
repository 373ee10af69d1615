"""GET /api/v1/namespaces/NS/pods/NAME/log: a pod's log as text, as the kubelet serves it.

`tailLines` (the last N lines), `sinceSeconds` (the lines written in the last N
seconds), `timestamps` (each line after the RFC 3339 time it was written),
`follow` (then each new line, until the client goes away, the pod's log is removed
or the server stops) and `previous` (the log of the container's last instance, which
ended: it is not followed). A pod that is gone is NotFound, its log with it.
"""

import asyncio
import time
from dataclasses import dataclass

from aiohttp import web
from multidict import MultiMapping

from moorage.api.backends import Backend
from moorage.api.context import POD_LOGS, STOPPING
from moorage.api.status import ApiError
from moorage.api.watch import POLL_SECONDS, disconnected
from moorage.platform.pod_log_reader import Cursor, Window, open_cursor, without_stamps
from moorage.platform.pod_logs import stamp
from moorage.resources.names import Invalid
from moorage.resources.objects import Object

TRUE = ("1", "t", "T", "true", "True", "TRUE")  # Go's strconv.ParseBool, as Kubernetes reads
FALSE = ("0", "f", "F", "false", "False", "FALSE")


@dataclass(frozen=True)
class LogOptions:
    follow: bool
    timestamps: bool
    window: Window
    previous: bool


async def serve(
    request: web.Request, backend: Backend, namespace: str, name: str
) -> web.StreamResponse:
    options = _options(request.query, name)
    pod = await asyncio.to_thread(backend.get, namespace, name)
    container = _container(pod, request.query.get("container"))
    logs = request.app[POD_LOGS]
    if options.previous and not logs.files(name, previous=True):
        message = f'previous terminated container "{container}" in pod "{name}" not found'
        raise ApiError("BadRequest", message)
    cursor = await asyncio.to_thread(open_cursor, logs, name, options.window, options.previous)
    response = web.StreamResponse(headers={"Content-Type": "text/plain; charset=utf-8"})
    try:
        await response.prepare(request)
        await _copy(request, response, cursor, options)
        await response.write_eof()
    except ConnectionResetError:
        pass  # the reader went away: nothing to finish
    finally:
        cursor.close()
    return response


async def _copy(
    request: web.Request, response: web.StreamResponse, cursor: Cursor, options: LogOptions
) -> None:
    stopping = request.app[STOPPING]
    while True:
        lines = await asyncio.to_thread(cursor.read)
        if lines:
            await response.write(lines if options.timestamps else without_stamps(lines))
            continue
        if (
            not options.follow
            or options.previous
            or cursor.ended
            or stopping.is_set()
            or disconnected(request)
        ):
            return
        await asyncio.sleep(POLL_SECONDS)


def _options(query: MultiMapping[str], name: str) -> LogOptions:
    tail = _whole_number(query, "tailLines", name, least=0)
    since = _whole_number(query, "sinceSeconds", name, least=1)
    return LogOptions(
        follow=_flag(query, "follow"),
        timestamps=_flag(query, "timestamps"),
        previous=_flag(query, "previous"),
        window=Window(
            tail=tail,
            since=None if since is None else stamp(time.time_ns() - since * 1_000_000_000),
        ),
    )


def _flag(query: MultiMapping[str], key: str) -> bool:
    value = query.get(key, "false")
    if value not in TRUE + FALSE:
        raise ApiError("BadRequest", f"{key} must be true or false, got {value!r}")
    return value in TRUE


def _whole_number(query: MultiMapping[str], key: str, name: str, least: int) -> int | None:
    text = query.get(key)
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        raise ApiError("BadRequest", f"{key} must be a whole number, got {text!r}") from None
    if value < least:
        message = f"must be greater than or equal to {least}"
        cause = {"reason": "FieldValueInvalid", "field": key, "message": message}
        raise Invalid("PodLogOptions", name, [cause])
    return value


def _container(pod: Object, asked: str | None) -> str:
    """The container whose log is read: the one asked for, else the pod's first."""
    names = [str(c.get("name")) for c in (pod.get("spec") or {}).get("containers") or []]
    if asked is None:
        return names[0] if names else ""
    if asked not in names:
        pod_name = pod["metadata"]["name"]
        raise ApiError("BadRequest", f"container {asked} is not valid for pod {pod_name}")
    return asked
