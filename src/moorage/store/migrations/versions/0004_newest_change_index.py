"""The newest change to an API group is one index lookup, not a scan of the group's events.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_resource_events_group", "resource_events", ["api_group", "resource_version"]
    )


def downgrade() -> None:
    op.drop_index("ix_resource_events_group", "resource_events")
