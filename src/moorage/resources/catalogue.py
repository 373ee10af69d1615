"""Every kind the API serves, in one catalogue."""

from moorage.resources import authorization, core, image, project, rbac, user
from moorage.resources.kinds import Catalogue


def catalogue() -> Catalogue:
    return Catalogue(
        [*core.KINDS, *project.KINDS, *image.KINDS, *rbac.KINDS, *user.KINDS, *authorization.KINDS]
    )
