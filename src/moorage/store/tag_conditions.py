"""Why a tag's last import failed, inside a caller's transaction: the ImportSuccess=False
condition an ImageStream's status.tags shows until an import of that tag succeeds."""

import time
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select

from moorage.store.schema import repositories, tag_conditions
from moorage.store.sql import dialect_insert

BATCH = 500  # repositories per query, as for tag history


@dataclass(frozen=True, slots=True)
class TagCondition:
    reason: str
    message: str
    generation: int
    changed_at: float


def set_failed(
    conn: Connection, repo_id: int, tag: str, reason: str, message: str, generation: int
) -> None:
    values = {"reason": reason, "message": message, "generation": generation}
    now = time.time()
    conn.execute(
        dialect_insert(conn, tag_conditions)
        .values(repository_id=repo_id, tag=tag, changed_at=now, **values)
        .on_conflict_do_update(
            index_elements=[tag_conditions.c.repository_id, tag_conditions.c.tag],
            set_={**values, "changed_at": now},
        )
    )


def clear(conn: Connection, repo_id: int, tag: str) -> None:
    conn.execute(
        delete(tag_conditions).where(
            tag_conditions.c.repository_id == repo_id, tag_conditions.c.tag == tag
        )
    )


def failures(conn: Connection, names: list[str]) -> dict[str, dict[str, TagCondition]]:
    """Each repository's tags whose last import failed, and why."""
    out: dict[str, dict[str, TagCondition]] = {}
    for start in range(0, len(names), BATCH):
        query = (
            select(repositories.c.name, tag_conditions)
            .join(repositories, repositories.c.id == tag_conditions.c.repository_id)
            .where(repositories.c.name.in_(names[start : start + BATCH]))
        )
        for row in conn.execute(query).mappings():
            why = TagCondition(row["reason"], row["message"], row["generation"], row["changed_at"])
            out.setdefault(row["name"], {})[row["tag"]] = why
    return out
