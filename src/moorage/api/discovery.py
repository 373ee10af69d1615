"""Discovery: /api, /apis, /apis/GROUP[/VERSION], /api/v1 and /version, as kubectl reads them."""

from typing import Any

from aiohttp import web

from moorage import __version__
from moorage.api.context import CATALOGUE
from moorage.api.status import ApiError
from moorage.resources.kinds import Kind

KUBERNETES_VERSION = ("1", "37")


def _resources(kinds: list[Kind]) -> list[dict[str, Any]]:
    out = []
    for kind in kinds:
        entry: dict[str, Any] = {
            "name": kind.plural,
            "singularName": kind.singular,
            "namespaced": kind.namespaced,
            "kind": kind.kind,
            "verbs": list(kind.verbs),
        }
        if kind.short_names:
            entry["shortNames"] = list(kind.short_names)
        out.append(entry)
        for sub in kind.subresources:
            out.append(
                {
                    "name": f"{kind.plural}/{sub}",
                    "singularName": "",
                    "namespaced": kind.namespaced,
                    "kind": kind.kind,
                    "verbs": [v for v in ("get", "patch", "update") if v in kind.verbs],
                }
            )
    return out


def _group(name: str, versions: list[str]) -> dict[str, Any]:
    listed = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": listed, "preferredVersion": listed[0]}


async def core_versions(request: web.Request) -> web.Response:
    return web.json_response(
        {
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": request.host}
            ],
        }
    )


async def groups(request: web.Request) -> web.Response:
    catalogue = request.app[CATALOGUE]
    listed = [_group(name, versions) for name, versions in catalogue.groups().items() if name]
    return web.json_response({"kind": "APIGroupList", "apiVersion": "v1", "groups": listed})


async def group(request: web.Request) -> web.Response:
    name = request.match_info["group"]
    versions = request.app[CATALOGUE].groups().get(name)
    if not versions or not name:
        raise ApiError("NotFound", "the server could not find the requested resource")
    return web.json_response({"kind": "APIGroup", "apiVersion": "v1", **_group(name, versions)})


async def resource_list(request: web.Request) -> web.Response:
    name, version = request.match_info.get("group", ""), request.match_info["version"]
    kinds = request.app[CATALOGUE].in_group(name, version)
    if not kinds:
        raise ApiError("NotFound", "the server could not find the requested resource")
    return web.json_response(
        {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": f"{name}/{version}" if name else version,
            "resources": _resources(kinds),
        }
    )


async def version(_request: web.Request) -> web.Response:
    major, minor = KUBERNETES_VERSION
    return web.json_response(
        {
            "major": major,
            "minor": minor,
            "gitVersion": f"v{major}.{minor}.0-moorage.{__version__}",
            "gitCommit": "",
            "gitTreeState": "clean",
            "buildDate": "",
            "goVersion": "",
            "compiler": "python",
            "platform": "linux/amd64",
        }
    )
