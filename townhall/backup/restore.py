"""Loading a backup into an empty database, in one transaction that nothing else
writes into, and that keeps nothing unless the imported audit log verifies."""

from __future__ import annotations

import binascii
import decimal
from collections import Counter
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import MetaData, Table, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from townhall.backup.errors import BackupError
from townhall.backup.export import columns_of, tables_of
from townhall.backup.fileformat import BATCH, FORMAT, FORMAT_VERSION, Lines, open_for_reading
from townhall.backup.revisions import check_schema_current, code_revision, known_revisions
from townhall.backup.values import Unexpected, codec_for
from townhall.moderation import audit
from townhall.wording import ngettext

# How long the import waits, on PostgreSQL, for other sessions to let go of the tables
# before it gives up. A site serving requests holds them for a request at a time; a
# session that keeps them longer is one the operator should know about.
LOCK_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Imported:
    """What an import loaded: rows per table, and the audit log it verified."""

    counts: dict[str, int]
    audit_entries: int
    audit_head: str


def _read_header(lines: Lines, metadata: MetaData) -> dict[str, int]:
    header = lines.next()
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError("This is not a Townhall backup (its first line is not our header).")
    if header.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"This backup is in format version {header.get('format_version')!r}; this "
            f"Townhall reads version {FORMAT_VERSION}. Upgrade Townhall first."
        )
    revision = header.get("alembic_revision")
    expected = code_revision()
    if revision != expected:
        if revision not in known_revisions():
            raise BackupError(
                f"This backup comes from a newer Townhall (its schema revision {revision!r} "
                f"is unknown here): upgrade Townhall to that version first, migrate this "
                "database with `flask --app wsgi db upgrade`, then import."
            )
        raise BackupError(
            f"This backup was exported at schema revision {revision}, older than this "
            f"Townhall's {expected}. Upgrade the source database first (`flask --app wsgi db "
            "upgrade` with this version of Townhall), export it again, and import that file."
        )
    tables = header.get("tables")
    if not isinstance(tables, dict) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in tables.values()
    ):
        raise BackupError("The backup's header has no valid table counts: the file is damaged.")
    wanted = [t.name for t in tables_of(metadata)]
    if sorted(tables) != sorted(wanted):
        missing = sorted(set(wanted) - set(tables))
        extra = sorted(set(tables) - set(wanted))
        raise BackupError(
            "The backup's tables do not match this Townhall's"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; unknown: {', '.join(extra)}" if extra else "")
            + "."
        )
    return tables


# --- keeping everyone else out -----------------------------------------------------------

OTHER_SESSIONS = text(
    """
    SELECT usename, application_name, host(client_addr) AS client
    FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
      AND usesysid IS NOT NULL
      AND (backend_type = 'client backend' OR backend_type IS NULL)
    """
)
# backend_type (like client_addr) is NULL for another role's sessions unless this role
# may read all statistics: those are counted too, as the site may connect as another
# role. Background processes (autovacuum, walwriter, ...) have no user and are left out.


def _refuse_other_sessions(connection: Connection) -> None:
    """Refuse, before changing anything, while other sessions use this database.

    The lock taken next stops them writing into the import; this stops the import
    starting under a running site at all, whose requests would stall behind the lock
    and then find a different database than the one they were working on.
    """
    rows = connection.execute(OTHER_SESSIONS).all()
    if not rows:
        return
    described = Counter(
        (row.usename or "another user")
        + (f" ({row.application_name})" if row.application_name else "")
        + (f" from {row.client}" if row.client else "")
        for row in rows
    )
    shown = ", ".join(f"{n} as {who}" for who, n in described.most_common(5))
    if len(described) > 5:
        shown += " and others"
    count = len(rows)
    raise BackupError(
        ngettext(
            "%(num)d other session is connected to this database",
            "%(num)d other sessions are connected to this database",
            count,
        )
        + f" ({shown}). Stop the site first (its web and worker processes, and any console "
        "open on the database), then import again. If you are sure none of them will write, "
        "run the import with --force: it still locks every table, so they wait until it ends."
    )


def _lock_tables(connection: Connection, metadata: MetaData) -> None:
    """Hold every table in ACCESS EXCLUSIVE mode until the import commits or rolls back.

    An advisory lock would only stop those who ask for it, and the site does not. A
    table lock stops everyone: a request arriving mid-import waits, then sees the whole
    import or none of it. EXCLUSIVE mode would still let it read the empty tables and
    act on what it read (a sign-up finding no such address, a vote finding no ballot);
    ACCESS EXCLUSIVE makes reads wait too.
    """
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(t.name) for t in tables_of(metadata))
    connection.execute(text(f"SET LOCAL lock_timeout = {int(LOCK_TIMEOUT_SECONDS * 1000)}"))
    try:
        connection.execute(text(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE"))
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) != "55P03":  # lock_not_available
            raise
        raise BackupError(
            f"Another session kept this database's tables in use for {LOCK_TIMEOUT_SECONDS} "
            "seconds, so the import could not lock them. Stop the site (and close any "
            "console open on the database), then import again."
        ) from None


def _take_write_lock(connection: Connection) -> None:
    """SQLite: take the database's write lock for the whole import, before reading.

    pysqlite would begin a transaction only at the first insert, after the check that
    the database is empty, and a write could slip in between. While this transaction
    holds the lock, the site's writes wait (its busy timeout) or fail with "database is
    locked"; none lands in the middle of the import.
    """
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except DBAPIError as error:
        if "locked" not in str(error.orig):  # SQLITE_BUSY after the busy timeout
            raise
        raise BackupError(
            "Another program kept the database locked for writing, so the import could not "
            "start. Stop the site first, then import again."
        ) from None


def _refuse_non_empty(connection: Connection, metadata: MetaData) -> None:
    filled = [
        t.name
        for t in tables_of(metadata)
        if connection.execute(select(1).select_from(t).limit(1)).first() is not None
    ]
    if filled:
        shown = ", ".join(filled[:8]) + (" and more" if len(filled) > 8 else "")
        raise BackupError(
            "The database already holds data (in " + shown + "): import only into an empty "
            "database, made with `flask --app wsgi db upgrade` (not `townhall prepare`, which "
            "adds the default areas)."
        )


class _SelfReferences:
    """Holds back rows that point at rows of their own table not inserted yet.

    Comments' parent and root are inserted before their replies whatever order the
    file gives them in; a row whose parent never comes is an error at the table's end.
    """

    def __init__(self, table: Table, names: list[str]) -> None:
        self.links: list[tuple[list[int], list[int]]] = []  # (referring, referred) positions
        for fk in table.foreign_key_constraints:
            if fk.referred_table is table:
                referring = [names.index(c.name) for c in fk.columns]
                referred = [names.index(e.column.name) for e in fk.elements]
                self.links.append((referring, referred))
        self.seen: dict[tuple[int, ...], set[tuple[Any, ...]]] = {
            tuple(referred): set() for _, referred in self.links
        }
        self.waiting: dict[tuple[tuple[int, ...], tuple[Any, ...]], list[list[Any]]] = {}
        self.held = 0

    def __bool__(self) -> bool:
        return bool(self.links)

    def _missing(self, row: list[Any]) -> tuple[tuple[int, ...], tuple[Any, ...]] | None:
        for referring, referred in self.links:
            key = tuple(row[i] for i in referring)
            if any(v is None for v in key) or key == tuple(row[i] for i in referred):
                continue
            if key not in self.seen[tuple(referred)]:
                return tuple(referred), key
        return None

    def ready(self, row: list[Any]) -> list[list[Any]]:
        """The rows that can be inserted now that `row` has come, in a safe order."""
        out: list[list[Any]] = []
        pending = [row]
        while pending:
            current = pending.pop()
            missing = self._missing(current)
            if missing is not None:
                self.waiting.setdefault(missing, []).append(current)
                self.held += 1
                continue
            out.append(current)
            for referred in self.seen:
                key = tuple(current[i] for i in referred)
                self.seen[referred].add(key)
                released = self.waiting.pop((referred, key), [])
                self.held -= len(released)
                pending.extend(released)
        return out


def _import_table(connection: Connection, lines: Lines, table: Table, expected: int) -> None:
    section = lines.next()
    names = [c.name for c in columns_of(table)]
    if not isinstance(section, dict) or section.get("table") != table.name:
        raise BackupError(
            f"Line {lines.number}: expected the start of table {table.name}; the file is "
            "damaged or out of order."
        )
    columns = section.get("columns")
    if not isinstance(columns, list) or sorted(map(str, columns)) != sorted(names):
        raise BackupError(
            f"Line {lines.number}: table {table.name}'s columns in the file do not match "
            f"this Townhall's ({', '.join(names)})."
        )
    by_name = {c.name: c for c in columns_of(table)}
    codecs = [codec_for(by_name[name]) for name in columns]
    selfref = _SelfReferences(table, columns)
    statement = table.insert()
    batch: list[dict[str, Any]] = []
    for _ in range(expected):
        raw = lines.next()
        if not isinstance(raw, list) or len(raw) != len(columns):
            raise BackupError(
                f"Line {lines.number}: expected a row of {table.name} with {len(columns)} "
                "values; the file is damaged or cut short."
            )
        row = []
        for name, codec, value in zip(columns, codecs, raw, strict=True):
            try:
                row.append(None if value is None else codec.decode(value))
            except (ValueError, TypeError, decimal.InvalidOperation, binascii.Error) as error:
                wanted = str(error) if isinstance(error, Unexpected) else codec.describe
                raise BackupError(
                    f"Line {lines.number}: {table.name}.{name} should be {wanted}, not {value!r}."
                ) from None
        for ready in selfref.ready(row) if selfref else [row]:
            batch.append(dict(zip(columns, ready, strict=True)))
        if len(batch) >= BATCH:
            connection.execute(statement, batch)
            batch = []
    if batch:
        connection.execute(statement, batch)
    if selfref and selfref.held:
        raise BackupError(
            f"{selfref.held} rows of {table.name} refer to rows of the same table that are "
            "not in the file: the file is damaged."
        )


SERIAL_COLUMNS = text(
    """
    SELECT c.relname AS table_name, a.attname AS column_name,
           pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) AS sequence
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid
    WHERE c.relkind = 'r' AND n.nspname = current_schema()
      AND a.attnum > 0 AND NOT a.attisdropped
    """
)


def _reset_sequences(connection: Connection, metadata: MetaData) -> None:
    """Set every PostgreSQL sequence owned by a column (serial or identity) past the
    largest value imported, so new rows get fresh ids."""
    if connection.dialect.name != "postgresql":
        return  # SQLite takes the next rowid from the rows themselves
    quote = connection.dialect.identifier_preparer.quote
    ours = {t.name for t in tables_of(metadata)}
    for table_name, column_name, sequence in connection.execute(SERIAL_COLUMNS):
        if sequence is None or table_name not in ours:
            continue
        connection.execute(
            text(
                f"SELECT setval(:sequence, COALESCE(MAX({quote(column_name)}), 0) + 1, false) "
                f"FROM {quote(table_name)}"
            ),
            {"sequence": sequence},
        )


def _verify_audit_log(connection: Connection) -> audit.Verification:
    """Check the imported audit log's hash chain inside the import's transaction.

    An entry altered in the file still inserts cleanly; only its hash gives it away. The
    log is the council's record of every moderation decision, so a backup whose log does
    not hold is refused whole (the transaction rolls back) rather than restored with a
    record nobody can trust.
    """
    with Session(bind=connection) as session:  # joins the import's transaction
        result = audit.verify(session)
    if result.problem is not None:
        raise BackupError(
            f"The backup's audit log does not verify: {result.problem.message}. The file "
            "was changed after it was exported, or is damaged; import an unchanged copy."
        )
    return result


def import_from(
    engine: Engine, metadata: MetaData, stream: IO[str], *, force: bool = False
) -> Imported:
    """Load a backup into an empty, migrated database in one transaction; say what it held.

    The transaction locks out everyone else first: on PostgreSQL every table is locked
    (ACCESS EXCLUSIVE), and the import refuses to start while other sessions are
    connected unless `force`; on SQLite it holds the database's write lock. It commits
    only once every row is in and the audit log's hash chain verifies.

    Raises BackupError (and leaves the database as it was) for a database that is in
    use, not empty or not at this Townhall's schema revision; for a file that is not a
    complete backup of that revision; and for one whose audit log does not verify.
    """
    lines = Lines(stream)
    counts = _read_header(lines, metadata)
    try:
        with engine.connect() as connection, connection.begin():
            dialect = connection.dialect.name
            if dialect == "sqlite":
                _take_write_lock(connection)
            if dialect == "postgresql" and not force:
                _refuse_other_sessions(connection)
            check_schema_current(connection, "import")
            if dialect == "postgresql":
                _lock_tables(connection, metadata)
            _refuse_non_empty(connection, metadata)
            for table in tables_of(metadata):
                _import_table(connection, lines, table, counts[table.name])
            end = lines.next()
            if end != {"end": True, "rows": sum(counts.values())}:
                raise BackupError(
                    f"Line {lines.number}: expected the end of the backup; the file holds "
                    "more rows than its header says, or is damaged."
                )
            if not lines.at_end():
                raise BackupError(f"The file goes on after its end (line {lines.number}).")
            verified = _verify_audit_log(connection)
            _reset_sequences(connection, metadata)
    except SQLAlchemyError as error:
        raise BackupError(
            "The database refused the backup's rows, so nothing was imported: "
            f"{getattr(error, 'orig', None) or error}"
        ) from None
    return Imported(counts, verified.count, verified.head)


def import_file(engine: Engine, metadata: MetaData, path: str, *, force: bool = False) -> Imported:
    """Import from `path` (`-` for stdin); say what it held."""
    with open_for_reading(path) as stream:
        return import_from(engine, metadata, stream, force=force)
