"""Every kind the API serves, in one catalogue."""

from moorage.resources import (
    apps,
    authorization,
    batch,
    config,
    core,
    image,
    image_pruner,
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
            *batch.KINDS,
            *project.KINDS,
            *image.KINDS,
            *prune.KINDS,
            *rbac.KINDS,
            *user.KINDS,
            *authorization.KINDS,
            *operator.KINDS,
            *image_pruner.KINDS,
            *config.KINDS,
            *route.KINDS,
        ]
    )
