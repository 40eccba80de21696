"""Export a whole instance to one file, and import it into an empty database.

Generic over the SQLAlchemy metadata: every table in `db.metadata.sorted_tables` is
written, so a table added later is backed up without changing this package. Rows go
through Core (never the ORM), so no model events fire while importing: the audit log's
entries are inserted as they were, with their hashes, and no webhook or live event is
sent for what is only being restored.

An import is one transaction that nobody else writes into (PostgreSQL: every table
locked, and it will not start while other sessions are connected unless forced; SQLite:
the write lock), and it commits only if the imported audit log's hash chain verifies.

The file is JSON Lines (UTF-8, one JSON value per line; gzip when its name ends in
`.gz`), so it is written and read a batch of rows at a time:

    {"format": "townhall-backup", "format_version": 1, "townhall_version": "0.1.0",
     "alembic_revision": "0007_api", "exported_at": "2026-11-23T17:00:00.123456+00:00",
     "tables": {"area": 17, "user": 25, ...}}          header; tables in insert order
    {"table": "area", "columns": ["id", "kind", ...]}  then for each table, in that order,
    [1, "process", ...]                                its rows, one array per row,
    ...                                                ordered by primary key
    {"end": true, "rows": 1234}                        the last line: nothing was cut off

Values by column type: timestamps as ISO 8601 with their UTC offset, dates and times
ISO 8601, bytes base64, Decimal as a string, enums by their stored value, JSON columns
as JSON, booleans and numbers as JSON's own, SQL NULL as null.
"""

from __future__ import annotations

from townhall.backup.errors import BackupError
from townhall.backup.export import export_file, export_to
from townhall.backup.fileformat import STDIO
from townhall.backup.restore import Imported, import_file, import_from
from townhall.backup.revisions import code_revision
from townhall.backup.values import codec_for

__all__ = [
    "STDIO",
    "BackupError",
    "Imported",
    "code_revision",
    "codec_for",
    "export_file",
    "export_to",
    "import_file",
    "import_from",
    "summary",
]


def summary(counts: dict[str, int]) -> str:
    """One line saying how much a backup held."""
    filled = sum(1 for n in counts.values() if n)
    return f"{sum(counts.values())} rows in {filled} of {len(counts)} tables"
