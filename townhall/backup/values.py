"""How each column's values are written to a backup and read back, by column type."""

from __future__ import annotations

import base64
import decimal
import enum
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import JSON, Column

from townhall.backup.errors import BackupError
from townhall.database import UTCDateTime


class Unexpected(ValueError):
    """A value in the file is not what its column holds; the message says what it should be."""


@dataclass(frozen=True)
class Codec:
    """How one column's values are written to the file and read back."""

    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]
    describe: str
    """What the file must hold, for error messages ("a whole number")."""


def _expect(kind: type, what: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        # JSON's true and false are Python bools, which are also ints: not a number here.
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise Unexpected(what)
        return value

    return check


def _encode_datetime(value: datetime) -> str:
    # Aware values are written in UTC, so a file reads the same whichever database
    # (and whichever session time zone) it came from.
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.isoformat()


def _decode_datetime(aware: bool) -> Callable[[Any], datetime]:
    def decode(value: Any) -> datetime:
        if not isinstance(value, str):
            raise Unexpected("a timestamp")
        parsed = datetime.fromisoformat(value)
        if aware and parsed.tzinfo is None:
            raise Unexpected("a timestamp with its UTC offset")
        if not aware and parsed.tzinfo is not None:
            raise Unexpected("a timestamp without a UTC offset")
        return parsed

    return decode


def _parse(kind: Callable[[str], Any], what: str) -> Callable[[Any], Any]:
    def decode(value: Any) -> Any:
        if not isinstance(value, str):
            raise Unexpected(what)
        return kind(value)

    return decode


def _decode_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Unexpected("a number")
    return float(value)


def _decode_bytes(value: Any) -> bytes:
    if not isinstance(value, str):
        raise Unexpected("base64 text")
    return base64.b64decode(value, validate=True)


def _decode_interval(value: Any) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Unexpected("a whole number of microseconds")
    return timedelta(microseconds=value)


def _enum_codec(column: Column[Any]) -> Codec:
    enum_class = getattr(column.type, "enum_class", None)

    def encode(value: Any) -> Any:
        return value.value if isinstance(value, enum.Enum) else value

    def decode(value: Any) -> Any:
        if not isinstance(value, str):
            raise Unexpected("one of the column's values")
        return enum_class(value) if enum_class is not None else value

    return Codec(encode, decode, "one of the column's values")


def _same(value: Any) -> Any:
    return value


def codec_for(column: Column[Any]) -> Codec:
    """The codec for a column, chosen by its type; BackupError for a type we cannot write.

    Refusing an unknown type (rather than guessing) means a new kind of column fails
    the backup tests loudly instead of being written in a form that reads back wrong.
    """
    if isinstance(column.type, JSON):
        return Codec(_same, _same, "JSON")
    python_type = _python_type(column)
    if isinstance(python_type, type) and issubclass(python_type, enum.Enum):
        return _enum_codec(column)
    if getattr(column.type, "enums", None):  # an Enum column of plain strings
        return _enum_codec(column)
    if python_type is bool:
        return Codec(bool, _expect(bool, "true or false"), "true or false")
    if python_type is int:
        return Codec(int, _expect(int, "a whole number"), "a whole number")
    if python_type is float:
        return Codec(float, _decode_float, "a number")
    if python_type is decimal.Decimal:
        return Codec(str, _parse(decimal.Decimal, "a decimal number as text"), "a decimal")
    if python_type is str:
        return Codec(str, _expect(str, "text"), "text")
    if python_type is datetime:
        aware = bool(getattr(column.type, "timezone", False)) or _is_utc_datetime(column)
        return Codec(_encode_datetime, _decode_datetime(aware), "a timestamp")
    if python_type is date:
        return Codec(date.isoformat, _parse(date.fromisoformat, "a date"), "a date")
    if python_type is time:
        return Codec(time.isoformat, _parse(time.fromisoformat, "a time"), "a time")
    if python_type is timedelta:
        return Codec(lambda v: v // timedelta(microseconds=1), _decode_interval, "a duration")
    if python_type is bytes:
        return Codec(lambda v: base64.b64encode(v).decode("ascii"), _decode_bytes, "base64 text")
    if python_type is uuid.UUID:
        return Codec(str, _parse(uuid.UUID, "a UUID"), "a UUID")
    raise BackupError(
        f"The backup does not know how to write column {column.table.name}.{column.name} "
        f"of type {column.type!r}: teach townhall/backup/values.py's codec_for about it."
    )


def _python_type(column: Column[Any]) -> type | None:
    """The Python type a column's values read as (a TypeDecorator's own, else its impl's)."""
    for candidate in (column.type, getattr(column.type, "impl_instance", None)):
        if candidate is None:
            continue
        try:
            found = candidate.python_type
        except NotImplementedError:
            continue
        if found is not object:  # a TypeDecorator that does not say: ask its impl
            return found
    return None


def _is_utc_datetime(column: Column[Any]) -> bool:
    return isinstance(column.type, UTCDateTime)


def encoder(codecs: list[Codec]) -> Callable[[Any], list[Any]]:
    """A function turning one row into the JSON array the file holds for it."""

    def encode(row: Any) -> list[Any]:
        return [None if v is None else c.encode(v) for c, v in zip(codecs, row, strict=True)]

    return encode
