"""Blob uploads: start (monolithic, mount), chunks, status, finish, cancel."""

from aiohttp import web

from moorage.content.digest import Digest
from moorage.content.errors import DigestInvalid, RangeInvalid
from moorage.content.names import check_name
from moorage.distribution.callers import may_pull
from moorage.distribution.context import REGISTRY
from moorage.distribution.requests import body_chunks, content_range, repository


def _progress(name: str, upload_id: str, size: int, status: int) -> web.Response:
    return web.Response(
        status=status,
        headers={
            "Location": f"/v2/{name}/blobs/uploads/{upload_id}",
            "Range": f"0-{max(size - 1, 0)}",
            "Docker-Upload-UUID": upload_id,
            "Content-Length": "0",
        },
    )


def _created(name: str, digest: str) -> web.Response:
    return web.Response(
        status=201,
        headers={
            "Location": f"/v2/{name}/blobs/{digest}",
            "Docker-Content-Digest": digest,
            "Content-Length": "0",
        },
    )


async def start_upload(request: web.Request) -> web.StreamResponse:
    name = repository(request)
    blobs = request.app[REGISTRY].blobs
    mount, source = request.query.get("mount"), request.query.get("from")
    mount_from = (str(Digest.parse(mount)), check_name(source)) if mount and source else None
    if mount_from is not None and not await may_pull(request, mount_from[1]):
        mount_from = None  # as OpenShift does: a source the caller may not read is no error
    digest = request.query.get("digest")
    if digest is not None:
        Digest.parse(digest)  # before an upload is opened that nothing would close
    upload_id = await blobs.start_upload(name, mount_from)
    if upload_id is None:
        assert mount_from is not None
        return _created(name, mount_from[0])
    if digest is not None:
        await blobs.finish(name, upload_id, digest, body_chunks(request))
        return _created(name, digest)
    return _progress(name, upload_id, 0, 202)


async def patch_upload(request: web.Request) -> web.StreamResponse:
    name, upload_id = repository(request), request.match_info["upload"]
    start = content_range(request)
    try:
        size = await request.app[REGISTRY].blobs.append(
            name, upload_id, body_chunks(request), start
        )
    except RangeInvalid as exc:
        exc.detail = {"location": f"/v2/{name}/blobs/uploads/{upload_id}"}
        raise
    return _progress(name, upload_id, size, 202)


async def finish_upload(request: web.Request) -> web.StreamResponse:
    name, upload_id = repository(request), request.match_info["upload"]
    digest = request.query.get("digest")
    if not digest:
        raise DigestInvalid("the digest query parameter is required to finish an upload")
    start = content_range(request)
    await request.app[REGISTRY].blobs.finish(name, upload_id, digest, body_chunks(request), start)
    return _created(name, digest)


async def upload_status(request: web.Request) -> web.StreamResponse:
    name, upload_id = repository(request), request.match_info["upload"]
    size = await request.app[REGISTRY].blobs.upload_size(name, upload_id)
    return _progress(name, upload_id, size, 204)


async def cancel_upload(request: web.Request) -> web.StreamResponse:
    name, upload_id = repository(request), request.match_info["upload"]
    await request.app[REGISTRY].blobs.cancel(name, upload_id)
    return web.Response(status=204)
