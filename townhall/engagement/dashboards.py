"""Dashboard figures per consultation, per area and for the whole council: totals of
every indicator, weekly series for the charts, KPIs against targets and (council
wide) figures by area and the stage map's counts.

Everything is computed by SQL aggregation in a fixed number of queries and kept
for a short time (`ENGAGEMENT_CACHE_SECONDS`, one minute by default) as plain data,
so a busy dashboard is computed once a minute, not once a request. The figures
hold no personal data: counts only, never names.
"""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from flask import Flask, current_app
from sqlalchemy import ColumnElement, and_, func, or_, select

from townhall.consultations.models import PUBLISHED_STATUSES, Area, Consultation
from townhall.database import utcnow
from townhall.dialogue.models import Comment
from townhall.engagement.kpis import (
    BALLOTS,
    CATALOGUE,
    COMMENTS,
    PROPOSALS,
    SUPPORTS,
    Counted,
    Scope,
    Unit,
)
from townhall.engagement.service import KpiStatus, all_kpis, read_kpi, show
from townhall.engagement.stage_map import Stage, stage_counts, stage_map
from townhall.extensions import db
from townhall.proposals.models import Ballot

T = TypeVar("T")

DEFAULT_WEEKS = 12
MAX_WEEKS = 104


class TtlCache:
    """A small thread-safe cache whose entries expire after a fixed time.

    Each app (so each server process) keeps its own: figures a minute old are fine
    for a dashboard, and nothing has to be shared or invalidated across processes.
    """

    def __init__(self, seconds: float = 60) -> None:
        self.seconds = seconds
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def configure(self, seconds: float) -> None:
        """Set how long entries live (0 turns caching off)."""
        self.seconds = seconds

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value for `key`, or `compute()` stored for next time."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] > now:
                return entry[1]
        value = compute()  # outside the lock: a slow computation must not block readers
        if self.seconds > 0:
            with self._lock:
                self._entries[key] = (now + self.seconds, value)
        return value

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()


CACHE_EXTENSION = "townhall_engagement_figures"


def install_figures_cache(app: Flask, seconds: float) -> None:
    """Give `app` its own figures cache (apps in one process never share figures)."""
    app.extensions[CACHE_EXTENSION] = TtlCache(seconds)


def figures_cache() -> TtlCache:
    """The current app's figures cache."""
    return current_app.extensions[CACHE_EXTENSION]


@dataclass(frozen=True)
class Total:
    """One indicator's figure over the dashboard's window."""

    key: str
    label: str
    description: str
    value: float | None
    shown: str


@dataclass(frozen=True)
class KpiRow:
    """A KPI against its target, as plain data a cache can keep."""

    plan: str
    objective: str
    indicator: str
    target: str
    value: str
    status: KpiStatus
    period: str
    expected: str | None


@dataclass(frozen=True)
class AreaRow:
    """One area's figures on the council-wide dashboard."""

    area_id: int
    name: str
    kind: str
    consultations: int
    comments: int
    ballots: int


# The weekly series the charts draw, each a count of things created in the week.
SERIES = {
    "comments": "Comments and replies",
    "proposals": "Proposals",
    "supports": "Supports",
    "ballots": "Ballots",
}
# What each series counts: the same rows as the indicators (kpis.COMMENTS, ...), so a
# series summed over the window is the matching total (comments and replies together).
SERIES_COUNTS: dict[str, Counted] = {
    "comments": COMMENTS,
    "proposals": PROPOSALS,
    "supports": SUPPORTS,
    "ballots": BALLOTS,
}


@dataclass
class Figures:
    """Everything a dashboard shows."""

    scope: Scope
    title: str
    start: datetime
    end: datetime
    computed_at: datetime
    totals: list[Total]
    weeks: list[date]
    series: dict[str, list[int]]
    kpis: list[KpiRow] = field(default_factory=list)
    areas: list[AreaRow] = field(default_factory=list)
    stages: dict[str, dict[Stage, int]] | None = None

    @property
    def last_day(self) -> date:
        """The window's last whole day (its end is the midnight after)."""
        return (self.end - timedelta(days=1)).date()

    def total(self, key: str) -> Total:
        return next(t for t in self.totals if t.key == key)


def window(weeks: int = DEFAULT_WEEKS, today: date | None = None) -> tuple[datetime, datetime]:
    """The half-open window of `weeks` whole weeks (Monday to Sunday) ending this week."""
    today = today or utcnow().date()
    monday = today - timedelta(days=today.weekday())
    start = monday - timedelta(weeks=weeks - 1)
    end = monday + timedelta(weeks=1)
    return (
        datetime(start.year, start.month, start.day, tzinfo=UTC),
        datetime(end.year, end.month, end.day, tzinfo=UTC),
    )


def _as_date(value: Any) -> date:
    # SQLite's date() returns text, PostgreSQL's a date.
    return date.fromisoformat(value) if isinstance(value, str) else value


def _daily(statement: Any) -> list[tuple[date, int]]:
    return [(_as_date(day), int(n)) for day, n in db.session.execute(statement)]


def weekly_series(scope: Scope, start: datetime, end: datetime) -> tuple[list[date], dict]:
    """Counts per week for each series: one grouped-by-day query per series."""
    first = start.date()
    weeks = [first + timedelta(weeks=i) for i in range((end - start).days // 7)]
    series: dict[str, list[int]] = {key: [0] * len(weeks) for key in SERIES}

    for key, counted in SERIES_COUNTS.items():
        on_day = func.date(counted.at)
        statement = counted.rows(scope, start, end, on_day, func.count()).group_by(on_day)
        for day, n in _daily(statement):
            index = (day - first).days // 7
            if 0 <= index < len(weeks):
                series[key][index] += n
    return weeks, series


def kpi_rows(kpi_list: list[Any], now: datetime) -> list[KpiRow]:
    """Read each KPI and keep what a page shows of it."""
    rows = []
    for kpi in kpi_list:
        reading = read_kpi(kpi, now)
        unit = reading.indicator.unit
        rows.append(
            KpiRow(
                plan=kpi.objective.plan.title,
                objective=kpi.objective.text,
                indicator=reading.indicator.label,
                target=reading.target_shown,
                value=reading.shown,
                status=reading.status,
                period=f"{kpi.period_start:%-d %b %Y} to {kpi.period_end:%-d %b %Y}",
                expected=None if reading.expected is None else show(reading.expected, unit),
            )
        )
    return rows


def open_during(start: datetime, end: datetime) -> ColumnElement[bool]:
    """A condition on Consultation: one people could see that was open at some time in
    `[start, end)`: published (not a draft or waiting to open), opened before the period
    ended and closed after it began (still open: no closing time yet). One that closed
    at the very moment the period began, as at midnight, was not open in it.

    By when it actually opened and closed (`opened_at`, `closed_at`), not the times it
    was planned to (`opens_at`, `closes_at`). Staff-only consultations count: the
    council's dashboard is for officers, and its other figures count them too.
    """
    return and_(
        Consultation.status.in_(PUBLISHED_STATUSES),
        Consultation.opened_at < end,
        or_(Consultation.closed_at.is_(None), Consultation.closed_at > start),
    )


def area_rows(start: datetime, end: datetime) -> list[AreaRow]:
    """Consultations open in the period, comments and ballots per area: three grouped
    queries in all."""
    areas = db.session.scalars(
        select(Area).where(Area.retired_at.is_(None)).order_by(Area.kind, Area.name)
    ).all()
    counts: dict[str, dict[int, int]] = {"consultations": {}, "comments": {}, "ballots": {}}
    # Grouped by both areas at once, so each table is read once; a consultation's
    # figures then count for its process area and for its service area. Comments and
    # ballots are the rows the indicators count (kpis.COMMENTS, kpis.BALLOTS).
    pair = (Consultation.process_area_id, Consultation.service_area_id)

    def by_area(counted: Counted, id_column: Any) -> Any:
        return (
            counted.rows(Scope(), start, end, *pair, func.count(id_column))
            .join(Consultation, Consultation.id == counted.consultation_id)
            .group_by(*pair)
        )

    per = {
        "consultations": (
            select(*pair, func.count(Consultation.id))
            .where(open_during(start, end))
            .group_by(*pair)
        ),
        "comments": by_area(COMMENTS, Comment.id),
        "ballots": by_area(BALLOTS, Ballot.id),
    }
    for name, statement in per.items():
        for process_id, service_id, n in db.session.execute(statement):
            for area_id in (process_id, service_id):
                counts[name][area_id] = counts[name].get(area_id, 0) + n
    return [
        AreaRow(
            area_id=area.id,
            name=area.name,
            kind=area.kind.value,
            consultations=counts["consultations"].get(area.id, 0),
            comments=counts["comments"].get(area.id, 0),
            ballots=counts["ballots"].get(area.id, 0),
        )
        for area in areas
    ]


def compute_figures(
    scope: Scope, title: str, start: datetime, end: datetime, *, kpi_list: list[Any] | None
) -> Figures:
    """Compute a dashboard's figures from the database (no cache)."""
    now = utcnow()
    totals = []
    for indicator in CATALOGUE.values():
        value = indicator.compute(scope, start, end)
        totals.append(
            Total(
                key=indicator.key,
                label=indicator.label,
                description=indicator.description,
                value=value,
                shown=show(value, indicator.unit),
            )
        )
    weeks, series = weekly_series(scope, start, end)
    figures = Figures(
        scope=scope,
        title=title,
        start=start,
        end=end,
        computed_at=now,
        totals=totals,
        weeks=weeks,
        series=series,
        kpis=kpi_rows(kpi_list or [], now),
    )
    if scope.consultation_id is None and scope.area_id is None:
        figures.areas = area_rows(start, end)
        figures.stages = stage_counts(stage_map())
    return figures


def dashboard(
    scope: Scope,
    title: str,
    weeks: int = DEFAULT_WEEKS,
    *,
    kpi_list: Callable[[], list[Any]] | None = None,
    today: date | None = None,
) -> Figures:
    """A dashboard's figures, from the cache when they are fresh enough."""
    start, end = window(weeks, today)
    key = ("dashboard", scope, start, end)
    return figures_cache().get_or_compute(
        key,
        lambda: compute_figures(
            scope, title, start, end, kpi_list=kpi_list() if kpi_list else all_kpis()
        ),
    )


def public_summary(weeks: int = DEFAULT_WEEKS) -> Figures:
    """The council-wide figures anyone may see: counts and KPI statuses, never names.

    Without the figures by area: those count staff-only consultations (as the officers'
    dashboard does), which are no business of the public's.
    """
    figures = dashboard(Scope(), "The council", weeks, kpi_list=all_kpis)
    return replace(figures, areas=[])


def to_csv(figures: Figures) -> str:
    """The dashboard as CSV: the weekly series, then the totals over the window."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["week_starting", *SERIES])
    for i, week in enumerate(figures.weeks):
        writer.writerow([week.isoformat(), *(figures.series[key][i] for key in SERIES)])
    writer.writerow([])
    writer.writerow(["indicator", "value", "unit"])
    for total in figures.totals:
        unit = CATALOGUE[total.key].unit
        value = (
            "" if total.value is None else (int(total.value) if unit is Unit.COUNT else total.value)
        )
        writer.writerow([total.key, value, unit.value])
    return out.getvalue()
