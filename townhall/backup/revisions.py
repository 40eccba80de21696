"""Which schema revision a database is at, and which one this Townhall's models describe."""

from __future__ import annotations

from importlib import metadata as package_metadata

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from townhall.backup.errors import BackupError


def _scripts() -> ScriptDirectory:
    from townhall import MIGRATIONS_DIR

    return ScriptDirectory(str(MIGRATIONS_DIR))


def code_revision() -> str:
    """The Alembic revision this Townhall's models describe (the migrations' head)."""
    return ",".join(sorted(_scripts().get_heads()))


def database_revision(connection: Connection) -> str | None:
    """The Alembic revision the database is at; None when it has no schema yet."""
    heads = MigrationContext.configure(connection).get_current_heads()
    return ",".join(sorted(heads)) if heads else None


def known_revisions() -> set[str]:
    return {script.revision for script in _scripts().walk_revisions()}


def townhall_version() -> str:
    """This installation's version, as written in a backup's header."""
    try:
        return package_metadata.version("townhall")
    except package_metadata.PackageNotFoundError:
        return "unknown"


def check_schema_current(connection: Connection, doing: str) -> str:
    revision = database_revision(connection)
    expected = code_revision()
    if revision is None:
        raise BackupError(
            f"This database has no Townhall schema yet: run `flask --app wsgi db upgrade` "
            f"first, then {doing}."
        )
    if revision != expected:
        raise BackupError(
            f"This database is at revision {revision} but this Townhall expects {expected}: "
            f"run `flask --app wsgi db upgrade` first, then {doing}."
        )
    return revision
