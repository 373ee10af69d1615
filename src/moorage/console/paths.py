"""The API paths the console reads, built only from names that cannot leave their segment."""

import re

from aiohttp import web

PROJECTS = "/apis/project.openshift.io/v1/projects"
CURRENT_USER = "/apis/user.openshift.io/v1/users/~"
ACCESS_TOKENS = "/apis/oauth.openshift.io/v1/oauthaccesstokens"
IMAGES = "/apis/image.openshift.io/v1/namespaces"
# Project and stream names, and digests: no '/', no leading '.', so no '..' either.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$")
_DIGEST = re.compile(r"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[A-Za-z0-9=_-]{1,256}$")


def name_in(request: web.Request, key: str) -> str:
    """A name from the page's address; one that no object could have is a missing page."""
    value = request.match_info[key]
    pattern = _DIGEST if key == "digest" else _NAME
    if not pattern.match(value):
        raise web.HTTPNotFound()
    return value


def streams(project: str) -> str:
    return f"{IMAGES}/{project}/imagestreams"


def stream(project: str, name: str) -> str:
    return f"{streams(project)}/{name}"


def stream_image(project: str, name: str, digest: str) -> str:
    return f"{IMAGES}/{project}/imagestreamimages/{name}@{digest}"
