"""moderation: PostgreSQL refuses TRUNCATE of the audit log while anyone has an account

0005 made the audit log append-only with row triggers, which TRUNCATE does not fire,
and left TRUNCATE to the database's privileges. A statement trigger closes that gap
in the database itself, with the same exception as for DELETE: only emptying a whole
database (no accounts left) may clear the log. SQLite has no TRUNCATE.

Revision ID: 0010_audit_truncate_guard
Revises: 0009_proposal_location
Create Date: 2026-11-23 17:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010_audit_truncate_guard'
down_revision = '0009_proposal_location'
branch_labels = None
depends_on = None

CREATE = [
    """CREATE FUNCTION audit_entry_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM "user") THEN
            RAISE EXCEPTION 'audit entries cannot be truncated';
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_refuse_truncate()""",
]


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for statement in CREATE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry")
    op.execute("DROP FUNCTION IF EXISTS audit_entry_refuse_truncate()")
