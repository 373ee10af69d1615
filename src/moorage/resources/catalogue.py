"""Every kind the API serves, in one catalogue."""

from moorage.resources import (
    apps,
    authorization,
    config,
    core,
    image,
    operator,
    project,
    prune,
    rbac,
    route,
    user,
)
from moorage.resources.kinds import Catalogue


def catalogue() -> Catalogue:
    return Catalogue(
        [
            *core.KINDS,
            *apps.KINDS,
            *project.KINDS,
            *image.KINDS,
            *prune.KINDS,
            *rbac.KINDS,
            *user.KINDS,
            *authorization.KINDS,
            *operator.KINDS,
            *config.KINDS,
            *route.KINDS,
        ]
    )
