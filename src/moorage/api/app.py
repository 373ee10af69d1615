"""The API server's application: discovery, resource routes, errors as Status objects."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from moorage.api import access, discovery, handlers, oauth, openapi, operator_metrics, principals
from moorage.api.access import forbidden_message
from moorage.api.auth_backends import AccessReviewBackend, ServiceAccountBackend, UserBackend
from moorage.api.backends import (
    Backend,
    ProjectBackend,
    ProjectRequestBackend,
    StoredBackend,
    delete_contents,
)
from moorage.api.context import (
    BACKENDS,
    CATALOGUE,
    IDENTITIES,
    LOGIN_LIMITER,
    POD_LOGS,
    POLICY,
    STOPPING,
)
from moorage.api.deleted_tag_backend import DeletedTagBackend
from moorage.api.image_backends import (
    ImageStreamBackend,
    ImageStreamImageBackend,
    ImageStreamMappingBackend,
    ImageStreamTagBackend,
)
from moorage.api.import_backends import ImageStreamImportBackend
from moorage.api.prune_backend import ImagePruneBackend
from moorage.api.status import ApiError, status_response
from moorage.auth.identities import Identities
from moorage.auth.policy import StoredPolicy
from moorage.auth.project_defaults import project_defaults
from moorage.auth.ratelimit import LoginLimits
from moorage.auth.rbac import Attributes
from moorage.auth.registry_access import PULL, RegistryAccess
from moorage.imagestreams import quotas
from moorage.imagestreams.imports import Imports
from moorage.imagestreams.pruner import Pruner
from moorage.imagestreams.sources import MayPull, SourceForbidden
from moorage.imagestreams.streams import ImageStreams
from moorage.platform.pod_logs import PodLogs
from moorage.resources.kinds import Catalogue, Kind
from moorage.resources.names import Invalid
from moorage.resources.objects import Object
from moorage.resources.user import USERS
from moorage.storage.full import MESSAGE, out_of_space
from moorage.store.errors import StoreError, Unavailable
from moorage.store.resources import ResourceStore, Transaction

log = logging.getLogger("moorage.api")
PROJECTS = "project.openshift.io"
IMAGES = "image.openshift.io"
# Out of space: 507 Insufficient Storage, as the registry answers. Kubernetes has no reason
# for it; InternalError is the nearest (the server, not the request, is at fault).
STORAGE_FULL = 507
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def statuses(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return exc.response()
    except Unavailable as exc:
        wait = exc.retry_after_seconds
        response = status_response(exc.reason, exc.message, {"retryAfterSeconds": wait})
        response.headers["Retry-After"] = str(wait)
        return response
    except StoreError as exc:
        return status_response(exc.reason, exc.message)
    except Invalid as exc:
        details = {"name": exc.name, "kind": exc.kind, "causes": exc.causes}
        return status_response("Invalid", str(exc), details)
    except SourceForbidden as exc:
        return _source_forbidden(exc)
    except web.HTTPNotFound:
        return status_response("NotFound", "the server could not find the requested resource")
    except web.HTTPMethodNotAllowed as exc:
        return status_response("MethodNotAllowed", f"{exc.method} is not supported here")
    except web.HTTPException:
        raise
    except Exception as exc:
        if out_of_space(exc):
            log.warning("storage full on %s %s: %s", request.method, request.path, exc)
            return status_response("InternalError", MESSAGE, code=STORAGE_FULL)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return status_response("InternalError", "an internal error occurred")


def _source_forbidden(exc: SourceForbidden) -> web.Response:
    """Taking an image from a repository needs the right to pull from it: say whose and which."""
    caller = principals.current()
    asked = Attributes(
        caller.name,
        caller.groups,
        "get",
        IMAGES,
        "imagestreams",
        subresource="layers",
        namespace=exc.namespace,
        name=exc.stream,
    )
    message = f"{forbidden_message(asked)}: the image is taken from {exc}"
    details = {"group": IMAGES, "kind": "imagestreams", "name": exc.stream}
    return status_response("Forbidden", message, details)


def backends(
    catalogue: Catalogue,
    store: ResourceStore,
    streams: ImageStreams,
    identities: Identities,
    policy: StoredPolicy,
    registry_access: RegistryAccess,
    imports: Imports,
    pruner: Pruner,
) -> dict[str, Backend]:
    def kind(group: str, plural: str) -> Kind:
        found = catalogue.find(group, "v1", plural)
        assert found is not None, plural
        return found

    out: dict[str, Backend] = {k.qualified: StoredBackend(k, store) for k in catalogue.kinds}
    # Streams first: their tags leave the registry before the namespace's objects go.
    namespaces = StoredBackend(
        kind("", "namespaces"),
        store,
        on_delete=[streams.forget_namespace, delete_contents],
        on_create=[create_project_defaults],
    )
    out["namespaces"] = namespaces
    out["resourcequotas"] = StoredBackend(
        kind("", "resourcequotas"), store, stored_as=quotas.with_status
    )

    def visibility() -> Callable[[str], bool]:
        """Whether the caller may see a project, from one snapshot of the policy."""
        snapshot, caller = policy.current(), principals.current()

        def visible(name: str) -> bool:
            asked = Attributes(
                caller.name, caller.groups, "get", PROJECTS, "projects", namespace=name
            )
            return snapshot.authorize(asked).allowed

        return visible

    projects = ProjectBackend(kind(PROJECTS, "projects"), namespaces, visibility)
    out[f"projects.{PROJECTS}"] = projects
    out[f"projectrequests.{PROJECTS}"] = ProjectRequestBackend(
        kind(PROJECTS, "projectrequests"), projects, lambda: principals.current().name
    )
    out[f"users.{USERS}"] = UserBackend(kind(USERS, "users"), store)
    out["serviceaccounts"] = ServiceAccountBackend(kind("", "serviceaccounts"), store, identities)
    for review in catalogue.kinds:
        if not review.named:
            out[review.qualified] = AccessReviewBackend(review, policy)

    def may_pull() -> MayPull:
        decisions, caller = registry_access.current(), principals.current()
        return lambda repository: decisions.allows(caller, PULL, repository)

    out[f"imagestreams.{IMAGES}"] = ImageStreamBackend(
        kind(IMAGES, "imagestreams"), store, streams, may_pull, imports
    )
    out[f"imagestreamtags.{IMAGES}"] = ImageStreamTagBackend(
        kind(IMAGES, "imagestreamtags"), store, streams, may_pull, imports
    )
    out[f"imagestreamimages.{IMAGES}"] = ImageStreamImageBackend(
        kind(IMAGES, "imagestreamimages"), store
    )
    out[f"imagestreammappings.{IMAGES}"] = ImageStreamMappingBackend(
        kind(IMAGES, "imagestreammappings"), store, streams, may_pull
    )
    out[f"imagestreamimports.{IMAGES}"] = ImageStreamImportBackend(
        kind(IMAGES, "imagestreamimports"), store, imports
    )
    out[f"imageprunes.{IMAGES}"] = ImagePruneBackend(kind(IMAGES, "imageprunes"), pruner)
    out[f"deletedimagestreamtags.{IMAGES}"] = DeletedTagBackend(
        kind(IMAGES, "deletedimagestreamtags"), store, pruner.restore_window
    )
    return out


async def _end_watches(app: web.Application) -> None:
    app[STOPPING].set()


def create_project_defaults(tx: Transaction, namespace: Object) -> None:
    for ref, obj in project_defaults(namespace):
        if tx.get(ref) is None:
            tx.create(ref, obj)


def build_api_app(
    catalogue: Catalogue,
    store: ResourceStore,
    streams: ImageStreams,
    identities: Identities,
    policy: StoredPolicy,
    registry_access: RegistryAccess,
    pod_logs: PodLogs,
    imports: Imports,
    pruner: Pruner,
) -> web.Application:
    app = web.Application(middlewares=[statuses, access.authenticate])
    app[POD_LOGS] = pod_logs
    app[CATALOGUE] = catalogue
    app[BACKENDS] = backends(
        catalogue, store, streams, identities, policy, registry_access, imports, pruner
    )
    app[IDENTITIES] = identities
    app[POLICY] = policy
    app[LOGIN_LIMITER] = LoginLimits()
    app[STOPPING] = asyncio.Event()
    app.on_shutdown.append(_end_watches)
    route = app.router
    route.add_get("/version", discovery.version)
    route.add_get(operator_metrics.PATH, operator_metrics.scrape)
    route.add_get("/.well-known/oauth-authorization-server", oauth.metadata)
    route.add_get("/oauth/authorize", oauth.authorize)
    route.add_get("/oauth/token/implicit", oauth.implicit)
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
