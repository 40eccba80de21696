"""moderation: a case can be withdrawn (its post deleted before a moderator decided)

A deleted post leaves the moderation queue: its case moves to the new state
`withdrawn`, which the check constraint on `moderation_case.state` must allow.
Comments deleted while waiting for a moderator before this revision leave it too.

Revision ID: 0011_withdrawn_cases
Revises: 0010_audit_truncate_guard
Create Date: 2026-12-08 03:30:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0011_withdrawn_cases"
down_revision = "0010_audit_truncate_guard"
branch_labels = None
depends_on = None

BEFORE = ("published", "review", "held", "flagged", "approved", "rejected")
AFTER = (*BEFORE, "withdrawn")


def _state(values):
    return sa.Enum(*values, name="case_state", native_enum=False, create_constraint=True, length=20)


def upgrade():
    with op.batch_alter_table("moderation_case", schema=None) as batch_op:
        batch_op.alter_column(
            "state", existing_type=_state(BEFORE), type_=_state(AFTER), existing_nullable=False
        )
    op.execute(
        "UPDATE moderation_case SET state = 'withdrawn', queued_at = NULL"
        " WHERE kind = 'comment' AND state IN ('review', 'held', 'flagged')"
        " AND content_id IN (SELECT id FROM comment WHERE deleted_at IS NOT NULL)"
    )


def downgrade():
    # Withdrawn cases were never decided: back in the queue as held is the nearest
    # state the old constraint allows, and a moderator will find the post deleted.
    op.execute("UPDATE moderation_case SET state = 'held' WHERE state = 'withdrawn'")
    with op.batch_alter_table("moderation_case", schema=None) as batch_op:
        batch_op.alter_column(
            "state", existing_type=_state(AFTER), type_=_state(BEFORE), existing_nullable=False
        )
