"""Every indicator of the catalogue against figures counted by hand from `Scene`."""

from __future__ import annotations

import pytest

from townhall.engagement.kpis import CATALOGUE, Scope, compute

# Consultation A, counted from the Scene's docstring.
EXPECTED_A = {
    # c1 (ballot; Q1 is held), c2 (proposal; the reply was rejected), c3 (comments),
    # c4 (support, ballot), the officer (official answer)
    "participants": 5,
    # the four citizens, and s1 who follows; the officer is not a resident
    "residents_reached": 5,
    # every participant first took part this week (c3 too, though the account is
    # 100 days old: new means a first contribution, not a new account)
    "new_participants": 5,
    "comments": 2,  # R2, Q3 (Q1 is held: the public cannot read it)
    "replies": 1,  # the official answer (c2's reply was rejected)
    "proposals": 1,
    "supports": 2,
    "ballots_cast": 2,
    # 2 ballots of 6 verified people (officer, four citizens, s1)
    "turnout": 33.3,
    # Q3 fell due unanswered; Q1 (answered in time) is held, so not counted
    "responses_on_time": 0.0,
    "response_days": None,  # the only answered question, Q1, is held
    # A has not closed; so there is nothing to measure
    "outcome_days": None,
    # s1 (the announcement), c1 (the reply and the official answer), c4 (nearby)
    "notification_reach": 3,
    "check_ins": 5,  # c1 and c2 today, and yesterday's count of 3
    "moderated_share": 40.0,  # Q1 held and c2's reply rejected, of 5 posts
    "appeals_upheld": 50.0,  # c2's upheld, c1's dismissed; c3's pending is not decided
    "nearby_reach": 1,  # c4
}


def _figures(keys, scope, scene) -> dict:
    return {key: compute(key, scope, scene.start, scene.end) for key in keys}


def _approx(expected: dict) -> dict:
    return {k: (None if v is None else pytest.approx(v, abs=0.05)) for k, v in expected.items()}


def test_each_indicator_for_one_consultation(scene):
    # One scene, every figure: a mismatch shows all of them side by side.
    figures = _figures(EXPECTED_A, Scope(consultation_id=scene.a.id), scene)
    assert figures == _approx(EXPECTED_A)


def test_every_catalogue_entry_is_checked():
    assert set(CATALOGUE) <= set(EXPECTED_A) | set(EXPECTED_COUNCIL)


# The whole council adds B (c4's comment) and C (closed 4 days ago, outcome after 1 day).
EXPECTED_COUNCIL = {
    "participants": 5,  # c4 already counted
    "residents_reached": 5,
    "comments": 3,  # A's two public ones and B's
    "replies": 1,
    "outcome_days": 1.0,
    "ballots_cast": 2,
    "check_ins": 5,
    "nearby_reach": 1,
    "moderated_share": 33.3,  # 2 of 6 posts, with B's
    "appeals_upheld": 50.0,
}


def test_council_wide_figures(scene):
    assert _figures(EXPECTED_COUNCIL, Scope(), scene) == _approx(EXPECTED_COUNCIL)


def test_an_area_counts_its_consultations_only(scene):
    # B is in other areas: its comment is not counted for A's process area.
    scope = Scope(area_id=scene.a.process_area_id)
    assert compute("comments", scope, scene.start, scene.end) == 2  # A's public comments
    assert compute("outcome_days", scope, scene.start, scene.end) == pytest.approx(1.0, abs=0.05)
    # The library is linked to A, so it counts for A's areas, not B's.
    assert compute("check_ins", scope, scene.start, scene.end) == 5
    other = Scope(area_id=scene.b.service_area_id)
    assert compute("check_ins", other, scene.start, scene.end) == 0
    assert compute("comments", other, scene.start, scene.end) == 1
    assert compute("participants", other, scene.start, scene.end) == 1


def test_the_period_bounds_the_figures(scene):
    from datetime import timedelta

    # A period that ended before anything happened counts nothing.
    early_end = scene.start - timedelta(days=30)
    early_start = early_end - timedelta(days=30)
    scope = Scope(consultation_id=scene.a.id)
    assert compute("comments", scope, early_start, early_end) == 0
    assert compute("participants", scope, early_start, early_end) == 0
    assert compute("turnout", scope, early_start, early_end) is None
