"""Pushes go to `<project>/<stream>` repositories of projects that exist, as in OpenShift."""

from moorage.content.errors import NameInvalid, NameUnknown
from moorage.content.names import split_repository
from moorage.resources.names import check_name
from moorage.store.resources import Ref, ResourceStore


class ProjectRepositories:
    def __init__(self, store: ResourceStore) -> None:
        self._store = store

    def check_push(self, repository: str) -> None:
        place = split_repository(repository)
        if place is None:
            raise NameInvalid(
                f"repository {repository!r} is not of the form <project>/<name>: the project "
                "name must appear in the pull specification"
            )
        project, stream = place
        if check_name(stream):
            raise NameInvalid(
                f"{stream!r} cannot name an image stream: use lowercase letters, digits, "
                "'-' and '.'"
            )
        if not self._store.exists(Ref("", "namespaces", "", project)):
            raise NameUnknown(
                f"project {project!r} does not exist: create it first "
                f"(moorage new-project {project})",
                {"name": repository},
            )
