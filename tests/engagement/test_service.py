"""Plans, KPIs and their derived status, the portfolio and the twin track."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.engagement.conftest import period
from townhall.accounts.permissions import Role
from townhall.engagement import service
from townhall.engagement.errors import AreaNotFound, KpiInvalid, PlanInvalid
from townhall.engagement.kpis import CATALOGUE
from townhall.engagement.models import Channel
from townhall.engagement.service import KpiStatus, derive_status
from townhall.extensions import db


@pytest.fixture
def plan(app, areas, create_user):
    officer = create_user(role=Role.OFFICER)
    made = service.create_plan(officer, areas["Libraries"].id, "Libraries online", "Reach readers.")
    db.session.commit()
    return made


@pytest.fixture
def objective(plan):
    made = service.add_objective(plan, "More say in opening hours", "Hours that suit readers")
    db.session.commit()
    return made


def test_a_plan_for_an_area_that_does_not_exist_is_refused(app, create_user):
    officer = create_user(role=Role.OFFICER)
    with pytest.raises(AreaNotFound, match="does not exist"):
        service.create_plan(officer, 9999, "Nowhere")


def test_a_plan_carries_objectives_channels_roles_and_projects(plan, objective):
    service.choose_channel(objective, Channel.DIALOGUE, "Readers ask and we answer in public.")
    service.assess_role(
        plan, Role.OFFICER, cost=4, benefit=4, risk=2, notes="Answering takes time."
    )
    service.assess_role(plan, Role.OFFICER, cost=3, benefit=4, risk=2)  # revised, not doubled
    service.add_project(plan, "Sunday opening", benefit=5, cost=2, risk=1)
    db.session.commit()
    assert [c.channel for c in objective.channels] == [Channel.DIALOGUE]
    assert [(r.role, r.cost) for r in plan.roles] == [(Role.OFFICER, 3)]
    assert plan.projects[0].priority == 2 * 5 - 2 - 1


def test_a_channel_is_chosen_once_per_objective_and_with_a_reason(objective):
    with pytest.raises(PlanInvalid, match="reason"):
        service.choose_channel(objective, Channel.VOTES, "  ")
    service.choose_channel(objective, Channel.VOTES, "Let readers decide.")
    with pytest.raises(PlanInvalid, match="already chosen"):
        service.choose_channel(objective, Channel.VOTES, "Again.")


@pytest.mark.parametrize("value", [0, 6, None])
def test_scales_run_from_one_to_five(plan, value):
    with pytest.raises(PlanInvalid, match="1 to 5"):
        service.assess_role(plan, Role.CITIZEN, cost=value, benefit=3, risk=3)


@pytest.mark.parametrize(
    ("indicator", "target", "start", "end", "message"),
    [
        ("comments", None, date(2026, 1, 1), date(2026, 3, 31), "Give a target"),
        ("comments", 10, None, date(2026, 3, 31), "period"),
        ("comments", 10, date(2026, 1, 1), None, "period"),
        ("comments", 10.5, date(2026, 1, 1), date(2026, 3, 31), "whole number"),
        ("turnout", 140, date(2026, 1, 1), date(2026, 3, 31), "0 to 100"),
        ("turnout", -1, date(2026, 1, 1), date(2026, 3, 31), "negative"),
        ("comments", 10, date(2026, 3, 31), date(2026, 1, 1), "end on or after"),
        ("no_such_thing", 10, date(2026, 1, 1), date(2026, 3, 31), "catalogue"),
    ],
)
def test_bad_kpis_are_refused(objective, indicator, target, start, end, message):
    with pytest.raises(KpiInvalid, match=message):
        service.add_kpi(objective, indicator, target, start, end)


START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 1, 11, tzinfo=UTC)  # ten days
HALFWAY = START + timedelta(days=5)
AFTER = END + timedelta(days=1)


@pytest.mark.parametrize(
    ("key", "value", "target", "now", "status"),
    [
        # A total is pro-rated: halfway, 50 of 100 is on track, 40 at risk.
        ("comments", 50, 100, HALFWAY, KpiStatus.ON_TRACK),
        ("comments", 40, 100, HALFWAY, KpiStatus.AT_RISK),
        ("comments", 100, 100, AFTER, KpiStatus.ON_TRACK),
        ("comments", 99, 100, AFTER, KpiStatus.MISSED),
        # A rate is judged as it stands.
        ("turnout", 30.0, 40, HALFWAY, KpiStatus.AT_RISK),
        ("turnout", 45.0, 40, AFTER, KpiStatus.ON_TRACK),
        # No figure is no status, whatever the indicator and period (issue 15, finding 15).
        ("turnout", None, 40, HALFWAY, KpiStatus.NO_FIGURE),
        ("turnout", None, 40, AFTER, KpiStatus.NO_FIGURE),
        # Lower is better for durations.
        ("outcome_days", 20.0, 28, AFTER, KpiStatus.ON_TRACK),
        ("outcome_days", 30.0, 28, HALFWAY, KpiStatus.AT_RISK),
        ("outcome_days", 30.0, 28, AFTER, KpiStatus.MISSED),
        ("outcome_days", None, 28, AFTER, KpiStatus.NO_FIGURE),
        ("outcome_days", None, 28, HALFWAY, KpiStatus.NO_FIGURE),
    ],
)
def test_status_is_derived_from_figure_target_and_period(key, value, target, now, status):
    derived, _expected = derive_status(CATALOGUE[key], value, target, START, END, now)
    assert derived is status


def test_a_kpi_reads_its_figure_from_the_platform(scene, areas):
    plan = service.create_plan(scene.officer, scene.a.process_area_id, "Consultation done well")
    objective = service.add_objective(plan, "Residents are heard", "More people take part")
    first, last = period(7, 0)
    # A's comments the public can read: R2 and Q3 (Q1 is held by moderation).
    kpi = service.add_kpi(objective, "comments", 2, first, last, consultation_id=scene.a.id)
    missed = service.add_kpi(objective, "ballots_cast", 5, first, last, consultation_id=scene.a.id)
    db.session.commit()
    # The period ends today: the figure is judged against the whole target tomorrow.
    tomorrow = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    reading = service.read_kpi(kpi, tomorrow)
    assert (reading.value, reading.status) == (2, KpiStatus.ON_TRACK)
    assert service.read_kpi(missed, tomorrow).status is KpiStatus.MISSED
    assert service.kpis_for_consultation(scene.a) == [kpi, missed]
    assert service.kpis_for_consultation(scene.b) == []


def test_the_portfolio_ranks_by_benefit_against_cost_and_risk_and_pairs_a_twin_track(
    app, areas, create_user
):
    officer = create_user(role=Role.OFFICER)
    process = service.create_plan(officer, areas["Community Consultations"].id, "Consulting")
    libraries = service.create_plan(officer, areas["Libraries"].id, "Libraries")
    best = service.add_project(libraries, "Sunday opening", benefit=5, cost=2, risk=1)
    assert service.twin_track(service.portfolio()) is None  # no process area project yet
    low = service.add_project(process, "Big survey", benefit=3, cost=4, risk=3)
    mid = service.add_project(process, "Ward forums", benefit=4, cost=2, risk=2)
    ranked = service.portfolio()
    assert ranked == [best, mid, low]
    twin = service.twin_track(ranked)
    assert twin is not None and (twin.process, twin.service) == (mid, best)
