"""Quiet periods: dates when some posts wait, such as officers' announcements before an election."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from townhall.moderation.standards.checks.finding import Finding, Subject
from townhall.moderation.standards.checks.options import OptionError, Options
from townhall.moderation.standards.model import Settings


@dataclass(frozen=True, slots=True)
class Period:
    """A named run of days, both ends included."""

    name: str
    start: date
    end: date

    def __str__(self) -> str:
        """The period in words: "name (23 March 2026 to 7 May 2026)"."""
        # Built by hand: "%-d" (a day without its leading zero) is not portable.
        start, end = (f"{d.day} {d:%B %Y}" for d in (self.start, self.end))
        return f"{self.name} ({start} to {end})"


def _day(value: Any, what: str) -> date:
    """Accept a TOML date (2026-03-23) or the same written as a string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise OptionError(f"quiet_period: {what} {value!r} is not a date such as 2026-03-23")


class QuietPeriod:
    """Finds a post made on a day inside one of the periods (the author's `now` date)."""

    name: ClassVar[str] = "quiet_period"
    finds_text: ClassVar[bool] = False
    window: timedelta | None = None

    def __init__(self, periods: tuple[Period, ...]) -> None:
        for period in periods:
            if period.start > period.end:
                raise OptionError(
                    f"quiet_period: {period.name!r} ends ({period.end}) before it starts "
                    f"({period.start})"
                )
        self._periods = periods

    @classmethod
    def from_options(cls, options: Options, settings: Settings) -> QuietPeriod:
        """Build from `periods = [{name, start, end}, ...]`."""
        periods = []
        for number, table in enumerate(options.tables("periods"), start=1):
            periods.append(cls._period(table, number))
        return cls(tuple(periods))

    @staticmethod
    def _period(table: Mapping[str, Any], number: int) -> Period:
        unknown = sorted(set(table) - {"name", "start", "end"})
        if unknown:
            raise OptionError(f"quiet_period: period {number}: unknown key {unknown[0]!r}")
        name = table.get("name", f"period {number}")
        if not isinstance(name, str) or not name.strip():
            raise OptionError(f"quiet_period: period {number}: name must be text")
        if "start" not in table or "end" not in table:
            raise OptionError(f"quiet_period: {name!r} needs a start and an end date")
        return Period(name, _day(table["start"], "start"), _day(table["end"], "end"))

    def find(self, subject: Subject) -> Finding | None:
        """Return the period the post falls in."""
        today = subject.post.author.now.date()
        for period in self._periods:
            if period.start <= today <= period.end:
                return Finding((f"posted during the {period}",))
        return None
