"""Dashboard figures: by area, weekly series, the short-lived cache, and query counts."""

from __future__ import annotations

from sqlalchemy import event

from townhall.engagement import dashboards
from townhall.engagement.dashboards import TtlCache, dashboard, figures_cache
from townhall.engagement.kpis import Scope
from townhall.extensions import db


def test_council_figures_by_area_and_week(scene, areas):
    figures = dashboard(Scope(), "The council")
    libraries = next(r for r in figures.areas if r.name == "Libraries")
    # A and C are in Libraries; A has 3 comments and 2 replies, of which the public can
    # read 3 (Q1 is held and c2's reply rejected), and 2 ballots.
    assert (libraries.consultations, libraries.comments, libraries.ballots) == (2, 3, 2)
    # Everything happened in the last few days: this week and last week hold it all.
    assert sum(figures.series["comments"]) == 4  # with B's
    assert sum(figures.series["ballots"]) == 2
    assert sum(figures.series["supports"]) == 2
    assert figures.stages is not None


def test_figures_are_cached_briefly_and_cost_a_fixed_number_of_queries(scene):
    statements: list[str] = []

    def count(*_args) -> None:
        statements.append("q")

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        first = dashboard(Scope(), "The council")
        cold = len(statements)
        again = dashboard(Scope(), "The council")
        assert again is first and len(statements) == cold  # read from the cache
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert cold <= 40


def test_the_cache_expires():
    cache = TtlCache(seconds=0)
    calls = []
    cache.get_or_compute("k", lambda: calls.append(1))
    cache.get_or_compute("k", lambda: calls.append(1))
    assert len(calls) == 2  # 0 seconds: nothing kept
    cache.configure(60)
    cache.get_or_compute("k", lambda: calls.append(1))
    cache.get_or_compute("k", lambda: calls.append(1))
    assert len(calls) == 3


def test_the_window_is_whole_weeks():
    from datetime import date

    start, end = dashboards.window(12, today=date(2026, 11, 25))  # a Wednesday
    assert start.date() == date(2026, 9, 7) and end.date() == date(2026, 11, 30)
    assert (end - start).days == 84
    assert figures_cache().seconds >= 0
