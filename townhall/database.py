"""The declarative base every model shares, and how the database engine is tuned.

Constraints are named by a MetaData naming convention from the first migration, so
Alembic produces the same names on SQLite and PostgreSQL and later migrations can
drop or alter them by name on both.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Enum, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, registry
from sqlalchemy.types import TypeDecorator
from werkzeug.routing import IntegerConverter

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# How long a request waits for a lock another request holds before it gives up and
# the person is asked to try again (503). SQLite's busy timeout: it waits for a
# competing writer instead of failing at once with "database is locked", and WAL lets
# readers carry on while one request writes. PostgreSQL's lock_timeout: without it a
# request queued behind a long lock (an import, a migration) would hang its thread.
LOCK_WAIT_MS = 15_000


# The largest id an INTEGER primary key holds (PostgreSQL's is 32-bit; SQLite's wider).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` in a URL: a whole number an id column can hold.

    A larger number is no match (404) instead of a database error when it is looked up.
    """

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def parse_id(text: str | None) -> int | None:
    """The id written in `text` (plain digits, 1 to MAX_ID), or None for anything else.

    `str.isdigit` also accepts digits such as "²" that `int` refuses, and a long run
    of digits overflows the database's integer: neither may reach a query.
    """
    if not text or len(text) > 10 or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


# SQLSTATEs that mean "busy, try again", not a fault in the request or the code:
# lock_not_available, query_canceled (statement or lock timeout), serialization and
# deadlock failures, too many connections, the server shutting down; class 08 is a
# lost connection.
_BUSY_SQLSTATES = {"55P03", "57014", "40001", "40P01", "53300", "57P01", "57P02", "57P03"}


def is_busy(error: BaseException) -> bool:
    """Whether a database error means the database was busy or briefly unreachable,
    so the same request sent again a moment later would succeed.

    SQLite says "database is locked" (or "busy") when another writer held it past the
    busy timeout; PostgreSQL gives a SQLSTATE. Anything else (a missing table, a
    broken constraint) is a fault and must not be dressed up as "try again".
    """
    if isinstance(error, SQLAlchemyTimeoutError):
        return True  # every pooled connection was in use for the pool's timeout
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate:
        return sqlstate in _BUSY_SQLSTATES or sqlstate.startswith("08")
    message = str(original).lower()
    return "database is locked" in message or "database is busy" in message


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and always read back as aware UTC.

    SQLite has no time zones and PostgreSQL's `timestamp with time zone` converts
    to the session's zone; storing naive UTC behaves the same on both.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Base class of every model: the naming convention and the UTC timestamp type."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class TimestampMixin:
    """`created_at` and `updated_at`, kept by the database session."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def tune_sqlite(engine: Engine) -> None:
    """Put every new SQLite connection in WAL mode with a busy timeout, and make
    savepoints nest inside a real transaction as they do on PostgreSQL.

    pysqlite begins a transaction itself, lazily, at the first write; a savepoint
    opened before that write would then *be* the transaction, and releasing it would
    commit. Beginning the transaction just before such a savepoint keeps it nested,
    without changing how plain reads behave.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "savepoint")
    def _begin_before_savepoint(connection: Any, _name: str) -> None:
        dbapi_connection = connection.connection.dbapi_connection
        if not dbapi_connection.in_transaction:
            dbapi_connection.execute("BEGIN")


def engine_options(database_uri: str, options: dict[str, Any]) -> dict[str, Any]:
    """The engine options for `database_uri`: `options`, plus PostgreSQL's lock
    timeout, set for the connection's whole session when it is opened."""
    if not database_uri.startswith("postgresql"):
        return options
    connect_args = dict(options.get("connect_args", {}))
    connect_args["options"] = (
        connect_args.get("options", "") + f" -c lock_timeout={LOCK_WAIT_MS}"
    ).strip()
    return {**options, "connect_args": connect_args}


def render_migration_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write our column types into migrations as the plain types they store."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def on_commit(session: Any, callback: Any) -> None:
    """Run `callback()` once the session's current transaction commits; drop it on rollback.

    Side effects that must not happen for a change that is rolled back (email, live
    events) go through here. Callbacks cannot use the session: give them plain data.
    """
    session.info.setdefault("after_commit", []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    callbacks = session.info.pop("after_commit", [])
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop("after_commit", None)


def enum_column(
    cls: type[enum.Enum], name: str, *, length: int, validate_strings: bool = False
) -> Enum:
    """A portable enum column type: a VARCHAR of the members' values with a check
    constraint named `name` (through the naming convention), never a native enum type,
    so migrations read the same on SQLite and PostgreSQL."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        values_callable=lambda members: [m.value for m in members],
        length=length,
        validate_strings=validate_strings,
    )
