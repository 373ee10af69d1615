"""The API server's application: discovery, resource routes, errors as Status objects."""

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from moorage.api import discovery, handlers, openapi
from moorage.api.backends import Backend, ProjectBackend, ProjectRequestBackend, StoredBackend
from moorage.api.context import BACKENDS, CATALOGUE
from moorage.api.status import ApiError, status_response
from moorage.resources.base import Invalid
from moorage.resources.kinds import Catalogue
from moorage.store.errors import StoreError
from moorage.store.resources import ResourceStore

log = logging.getLogger("moorage.api")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def statuses(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return exc.response()
    except StoreError as exc:
        return status_response(exc.reason, exc.message)
    except Invalid as exc:
        details = {"name": exc.name, "kind": exc.kind, "causes": exc.causes}
        return status_response("Invalid", str(exc), details)
    except web.HTTPNotFound:
        return status_response("NotFound", "the server could not find the requested resource")
    except web.HTTPMethodNotAllowed as exc:
        return status_response("MethodNotAllowed", f"{exc.method} is not supported here")
    except web.HTTPException:
        raise
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return status_response("InternalError", "an internal error occurred")


def backends(catalogue: Catalogue, store: ResourceStore) -> dict[str, Backend]:
    out: dict[str, Backend] = {k.qualified: StoredBackend(k, store) for k in catalogue.kinds}
    namespaces = out["namespaces"]
    assert isinstance(namespaces, StoredBackend)
    projects = ProjectBackend(catalogue.find("project.openshift.io", "v1", "projects"), namespaces)
    out["projects.project.openshift.io"] = projects
    request_kind = catalogue.find("project.openshift.io", "v1", "projectrequests")
    out["projectrequests.project.openshift.io"] = ProjectRequestBackend(request_kind, projects)
    return out


def build_api_app(catalogue: Catalogue, store: ResourceStore) -> web.Application:
    app = web.Application(middlewares=[statuses])
    app[CATALOGUE] = catalogue
    app[BACKENDS] = backends(catalogue, store)
    route = app.router
    route.add_get("/version", discovery.version)
    route.add_get("/openapi/v3", openapi.index)
    route.add_get("/openapi/v3/{path:.+}", openapi.group_version)
    route.add_get("/api", discovery.core_versions)
    route.add_get("/apis", discovery.groups)
    route.add_get("/api/{version}", discovery.resource_list)
    route.add_get("/apis/{group}", discovery.group)
    route.add_get("/apis/{group}/{version}", discovery.resource_list)
    for prefix in ("/api/{version}/", "/apis/{group}/{version}/"):
        route.add_route("*", prefix + "{tail:.+}", handlers.resource)
    return app
