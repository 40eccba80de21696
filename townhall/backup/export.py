"""Writing every table of the models' metadata to a backup, from one snapshot."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any

from sqlalchemy import Column, MetaData, String, Table, func, select, text
from sqlalchemy.engine import Connection, Engine

from townhall.backup.errors import BackupError
from townhall.backup.fileformat import (
    BATCH,
    FORMAT,
    FORMAT_VERSION,
    dump,
    open_for_writing,
    write_line,
)
from townhall.backup.revisions import check_schema_current, townhall_version
from townhall.backup.values import codec_for, encoder


def tables_of(metadata: MetaData) -> list[Table]:
    """Every table, parents before the tables that refer to them."""
    return list(metadata.sorted_tables)


def columns_of(table: Table) -> list[Column[Any]]:
    """The columns a backup holds: all but those the database computes itself."""
    return [c for c in table.columns if c.computed is None]


def _ordered_select(table: Table, dialect: str):
    """Every row, ordered by primary key, in the same order on every database.

    Text keys sort bytewise (PostgreSQL's "C" collation, SQLite's default), not by the
    server's locale, so two exports of the same data are the same file.
    """
    keys = list(table.primary_key.columns) or columns_of(table)
    order: list[Any] = []
    for column in keys:
        stored = getattr(column.type, "impl", column.type)
        if dialect == "postgresql" and isinstance(stored, String):  # enums are Strings too
            order.append(column.collate("C"))
        else:
            order.append(column)
    return select(*columns_of(table)).order_by(*order)


@contextlib.contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only connection that sees one consistent state for the whole export."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                connection.execute(text("SET TRANSACTION READ ONLY"))
                yield connection
        else:
            with connection.begin():
                if connection.dialect.name == "sqlite":
                    # pysqlite only begins before a write; an explicit BEGIN makes
                    # every read below see the same snapshot (WAL keeps it).
                    connection.exec_driver_sql("BEGIN")
                yield connection


def export_to(engine: Engine, metadata: MetaData, out: IO[str]) -> dict[str, int]:
    """Write every table of `metadata` to `out` in the backup format; return the counts."""
    tables = tables_of(metadata)
    codecs = {t.name: [codec_for(c) for c in columns_of(t)] for t in tables}
    with _snapshot(engine) as connection:
        revision = check_schema_current(connection, "export")
        counts = {
            t.name: connection.scalar(select(func.count()).select_from(t)) or 0 for t in tables
        }
        header = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "townhall_version": townhall_version(),
            "alembic_revision": revision,
            "exported_at": datetime.now(UTC).isoformat(),
            "tables": counts,
        }
        write_line(out, header)
        total = 0
        dialect = connection.dialect.name
        for table in tables:
            write_line(out, {"table": table.name, "columns": [c.name for c in columns_of(table)]})
            encode = encoder(codecs[table.name])
            result = connection.execution_options(yield_per=BATCH).execute(
                _ordered_select(table, dialect)
            )
            written = 0
            for rows in result.partitions():
                out.write("".join(dump(encode(row)) + "\n" for row in rows))
                written += len(rows)
            if written != counts[table.name]:  # cannot happen inside one snapshot
                raise BackupError(f"Table {table.name} changed while it was being exported.")
            total += written
        write_line(out, {"end": True, "rows": total})
    return counts


def export_file(engine: Engine, metadata: MetaData, path: str) -> dict[str, int]:
    """Export to `path` (`-` for stdout); return the counts."""
    with open_for_writing(path) as out:
        return export_to(engine, metadata, out)
