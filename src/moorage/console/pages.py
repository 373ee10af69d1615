"""The console's pages: projects, a project's image streams, a stream's tags, an image."""

from aiohttp import web

from moorage.console import paths
from moorage.console.paging import page_of
from moorage.console.rendering import render
from moorage.console.session import user_api
from moorage.console.shapes import (
    image_view,
    project_row,
    repository,
    stream_row,
    tag_histories,
)
from moorage.resources.objects import Object


async def projects(request: web.Request) -> web.Response:
    api = await user_api(request)
    listed = await api.get(paths.PROJECTS)
    rows = sorted((project_row(p) for p in listed["items"]), key=lambda row: row.name)
    return render(request, "projects.html", projects=rows)


async def streams(request: web.Request) -> web.Response:
    project = paths.name_in(request, "project")
    name_filter = request.query.get("filter", "").strip()
    api = await user_api(request)

    async def fetch(limit: int, after: str | None) -> Object:
        params = {"limit": str(limit), **({"continue": after} if after else {})}
        return await api.get(paths.streams(project), params)

    page = await page_of(fetch, name_filter, request.query.get("continue"))
    return render(
        request,
        "streams.html",
        project=project,
        name_filter=name_filter,
        streams=[stream_row(s) for s in page.items],
        next=page.next,
    )


async def stream(request: web.Request) -> web.Response:
    project, name = paths.name_in(request, "project"), paths.name_in(request, "stream")
    api = await user_api(request)
    found = await api.get(paths.stream(project, name))
    return render(
        request,
        "stream.html",
        project=project,
        stream=name,
        repository=repository(found),
        tags=tag_histories(found),
    )


async def image(request: web.Request) -> web.Response:
    project, name = paths.name_in(request, "project"), paths.name_in(request, "stream")
    digest = paths.name_in(request, "digest")
    api = await user_api(request)
    found = await api.get(paths.stream_image(project, name, digest))
    return render(
        request, "image.html", project=project, stream=name, image=image_view(found["image"])
    )
