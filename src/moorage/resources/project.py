"""project.openshift.io/v1: Project (a view of a Namespace) and ProjectRequest."""

from moorage.resources.core import NamespaceSpec, NamespaceStatus, TopLevel
from moorage.resources.kinds import Kind

DISPLAY_NAME = "openshift.io/display-name"
DESCRIPTION = "openshift.io/description"
REQUESTER = "openshift.io/requester"


class Project(TopLevel):
    spec: NamespaceSpec | None = None
    status: NamespaceStatus | None = None


class ProjectRequest(TopLevel):
    display_name: str | None = None
    description: str | None = None


KINDS = [
    Kind(
        "project.openshift.io",
        "v1",
        "Project",
        "projects",
        "project",
        False,
        Project,
        verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
        name_is_label=True,
    ),
    Kind(
        "project.openshift.io",
        "v1",
        "ProjectRequest",
        "projectrequests",
        "projectrequest",
        False,
        ProjectRequest,
        verbs=("create", "list"),
        name_is_label=True,
    ),
]
