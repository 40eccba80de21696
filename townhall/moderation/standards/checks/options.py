"""Typed reading of a check's options from the standards file, with plain-word errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class OptionError(ValueError):
    """A check's options are wrong; the loader adds the clause to the message."""


class Options:
    """A check's table from the file; each read checks the type, and leftovers are typos."""

    def __init__(self, check: str, table: Mapping[str, Any]) -> None:
        self.check = check
        self._table = dict(table)
        self._read: set[str] = set()

    def _get(self, key: str) -> Any:
        self._read.add(key)
        return self._table.get(key)

    def has(self, key: str) -> bool:
        """Whether the option is given."""
        return key in self._table

    def integer(self, key: str, default: int | None = None, minimum: int = 0) -> int | None:
        """Read a whole number at least `minimum`."""
        value = self._get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise OptionError(f"{self.check}: {key} must be a whole number, not {value!r}")
        if value < minimum:
            raise OptionError(f"{self.check}: {key} must be at least {minimum}, not {value}")
        return value

    def fraction(self, key: str, default: float) -> float:
        """Read a number between 0 and 1."""
        value = self._get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise OptionError(f"{self.check}: {key} must be a number from 0 to 1, not {value!r}")
        return float(value)

    def strings(self, key: str, *, required: bool = False) -> tuple[str, ...]:
        """Read a list of non-empty strings."""
        value = self._get(key)
        if value is None:
            if required:
                raise OptionError(f"{self.check}: needs {key} (a list of strings)")
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise OptionError(f"{self.check}: {key} must be a list of non-empty strings")
        if required and not value:
            raise OptionError(f"{self.check}: {key} is empty")
        return tuple(value)

    def tables(self, key: str) -> list[Mapping[str, Any]]:
        """Read a non-empty list of tables."""
        value = self._get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            raise OptionError(f"{self.check}: {key} must be a non-empty list of tables")
        return value

    def finish(self) -> None:
        """Refuse options nobody read: they are typos or belong to another check."""
        unknown = sorted(set(self._table) - self._read)
        if unknown:
            raise OptionError(f"{self.check}: unknown option {', '.join(map(repr, unknown))}")
