"""What a project holds, counted inside a caller's transaction, for its ResourceQuotas.

Each count is one indexed range over the project's repositories (`<project>/...`). Stored
bytes count each blob once per project, however many of its repositories link it.
"""

from sqlalchemy import Connection, bindparam, func, select

from moorage.store.schema import (
    blobs,
    in_project,
    manifests,
    repositories,
    repository_blobs,
    resources,
    tags,
)


def streams(conn: Connection, project: str) -> int:
    query = select(func.count()).where(
        resources.c.api_group == "image.openshift.io",
        resources.c.plural == "imagestreams",
        resources.c.namespace == project,
    )
    return conn.execute(query).scalar_one()


def images(conn: Connection, project: str) -> int:
    """Distinct manifests the project's repositories hold."""
    query = (
        select(func.count(manifests.c.digest.distinct()))
        .join(repositories, repositories.c.id == manifests.c.repository_id)
        .where(in_project(project))
    )
    return conn.execute(query).scalar_one()


def image_tags(conn: Connection, project: str) -> int:
    query = (
        select(func.count())
        .select_from(tags)
        .join(repositories, repositories.c.id == tags.c.repository_id)
        .where(in_project(project))
    )
    return conn.execute(query).scalar_one()


def stored_bytes(conn: Connection, project: str) -> int:
    """Bytes of the distinct blobs (layers, configs, manifests) the project's repositories
    link: each counted once, however many repositories link it."""
    linked = (
        select(repository_blobs.c.digest)
        .join(repositories, repositories.c.id == repository_blobs.c.repository_id)
        .where(in_project(project))
    )
    query = select(func.coalesce(func.sum(blobs.c.size), 0)).where(blobs.c.digest.in_(linked))
    return int(conn.execute(query).scalar_one())


# Built once: on the request path this is all a project without a quota costs.
_QUOTAS = select(resources.c.name, resources.c.body).where(
    resources.c.api_group == "",
    resources.c.plural == "resourcequotas",
    resources.c.namespace == bindparam("project"),
)


def quota_bodies(conn: Connection, project: str) -> list[tuple[str, str]]:
    """(name, body) of the project's ResourceQuotas: one indexed lookup, none most often."""
    return [(name, body) for name, body in conn.execute(_QUOTAS, {"project": project})]


def projects_with_quotas(conn: Connection) -> list[str]:
    query = select(resources.c.namespace.distinct()).where(
        resources.c.api_group == "", resources.c.plural == "resourcequotas"
    )
    return list(conn.execute(query).scalars())
