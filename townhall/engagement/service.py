"""The rules of engagement plans: making plans, objectives, channel choices, role
assessments, portfolio projects and KPIs; reading KPIs against their targets; the
portfolio ranking and its twin-track suggestion.

Functions take explicit arguments, flush but never commit, and raise the typed
errors of `townhall.engagement.errors` with a message fit to show.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from townhall.accounts.models import User
from townhall.accounts.permissions import Role
from townhall.consultations.models import Area, AreaKind, Consultation
from townhall.database import utcnow
from townhall.engagement.errors import AreaNotFound, KpiInvalid, PlanInvalid
from townhall.engagement.kpis import CATALOGUE, Better, Indicator, Scope, Unit
from townhall.engagement.models import (
    SCALE_MAX,
    SCALE_MIN,
    TEXT_MAX,
    TITLE_MAX,
    Channel,
    ChannelChoice,
    EngagementPlan,
    Kpi,
    Objective,
    PlannedProject,
    RoleAssessment,
)
from townhall.extensions import db

# The longest period a KPI may run: long enough for a council's year and a half.
MAX_PERIOD_DAYS = 550
# Counts above this are almost certainly a typing slip (an extra zero or three).
MAX_COUNT_TARGET = 10_000_000
MAX_DAYS_TARGET = 365


# --- plans ------------------------------------------------------------------------------


def _text(value: str | None, what: str, limit: int = TEXT_MAX) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise PlanInvalid(f"Write the {what}.")
    if len(cleaned) > limit:
        raise PlanInvalid(f"Shorten the {what} to {limit:,} characters or fewer.")
    return cleaned


def _scale(value: int | None, what: str) -> int:
    if value is None or not SCALE_MIN <= value <= SCALE_MAX:
        raise PlanInvalid(f"Give the {what} on the scale {SCALE_MIN} to {SCALE_MAX}.")
    return value


def get_area(area_id: int | None) -> Area:
    """The live area with this id; AreaNotFound when there is none."""
    area = db.session.get(Area, area_id) if area_id is not None else None
    if area is None or area.retired_at is not None:
        raise AreaNotFound(
            "That area does not exist. Choose one of the council's process or service areas."
        )
    return area


def create_plan(author: User, area_id: int | None, title: str, summary: str = "") -> EngagementPlan:
    """Start an engagement plan for a process or service area."""
    area = get_area(area_id)
    plan = EngagementPlan(
        area=area,
        title=_text(title, "plan's title", TITLE_MAX),
        summary=(summary or "").strip()[:TEXT_MAX],
        created_by=author,
    )
    db.session.add(plan)
    db.session.flush()
    return plan


def list_plans() -> list[EngagementPlan]:
    """Every plan, by area kind then area name then title."""
    return list(
        db.session.scalars(
            select(EngagementPlan)
            .join(Area, Area.id == EngagementPlan.area_id)
            .order_by(Area.kind, Area.name, EngagementPlan.title)
        )
    )


def add_objective(plan: EngagementPlan, text: str, expected_outcome: str) -> Objective:
    """Add a business objective and its expected outcome to a plan."""
    objective = Objective(
        plan=plan,
        text=_text(text, "objective"),
        expected_outcome=_text(expected_outcome, "expected outcome"),
    )
    db.session.add(objective)
    db.session.flush()
    return objective


def choose_channel(objective: Objective, channel: Channel | str, reason: str) -> ChannelChoice:
    """Choose a channel for an objective, saying why; PlanInvalid if already chosen."""
    try:
        channel = Channel(channel)
    except ValueError:
        raise PlanInvalid("Choose one of the platform's channels.") from None
    if any(choice.channel is channel for choice in objective.channels):
        raise PlanInvalid(f"{channel.label} is already chosen for this objective.")
    choice = ChannelChoice(channel=channel, reason=_text(reason, "reason for this channel"))
    objective.channels.append(choice)
    db.session.flush()
    return choice


def assess_role(
    plan: EngagementPlan,
    role: Role | str,
    *,
    cost: int | None,
    benefit: int | None,
    risk: int | None,
    notes: str = "",
) -> RoleAssessment:
    """Record (or revise) one role's cost, benefit and risk in a plan."""
    try:
        role = Role(role)
    except ValueError:
        raise PlanInvalid("Choose one of the town hall's roles.") from None
    assessment = next((r for r in plan.roles if r.role is role), None)
    if assessment is None:
        assessment = RoleAssessment(role=role)
        plan.roles.append(assessment)
    assessment.cost = _scale(cost, "cost")
    assessment.benefit = _scale(benefit, "benefit")
    assessment.risk = _scale(risk, "risk")
    assessment.notes = (notes or "").strip()[:TEXT_MAX]
    db.session.flush()
    return assessment


def add_project(
    plan: EngagementPlan,
    title: str,
    *,
    benefit: int | None,
    cost: int | None,
    risk: int | None,
    consultation_id: int | None = None,
    notes: str = "",
) -> PlannedProject:
    """Add a project (a planned or running consultation) to a plan's portfolio."""
    consultation = None
    if consultation_id is not None:
        consultation = db.session.get(Consultation, consultation_id)
        if consultation is None:
            raise PlanInvalid("That consultation does not exist.")
    project = PlannedProject(
        plan=plan,
        title=_text(title, "project's title", TITLE_MAX),
        benefit=_scale(benefit, "expected benefit"),
        cost=_scale(cost, "cost"),
        risk=_scale(risk, "risk"),
        consultation=consultation,
        notes=(notes or "").strip()[:TEXT_MAX],
    )
    db.session.add(project)
    db.session.flush()
    return project


# --- KPIs ----------------------------------------------------------------------------------


def check_target(indicator: Indicator, target: float | None) -> float:
    """The target as the indicator's unit takes it; KpiInvalid for the wrong kind."""
    if target is None or (isinstance(target, float) and not math.isfinite(target)):
        raise KpiInvalid(f"Give a target for “{indicator.label}”.")
    if target < 0:
        raise KpiInvalid("A target cannot be negative.")
    if indicator.unit is Unit.PERCENT and target > 100:
        raise KpiInvalid(f"“{indicator.label}” is a percentage: give a target from 0 to 100.")
    if indicator.unit is Unit.COUNT:
        if target != int(target):
            raise KpiInvalid(f"“{indicator.label}” counts whole things: give a whole number.")
        if target > MAX_COUNT_TARGET:
            raise KpiInvalid(f"Give a target of {MAX_COUNT_TARGET:,} or fewer.")
    if indicator.unit is Unit.DAYS and target > MAX_DAYS_TARGET:
        raise KpiInvalid(f"Give a target of {MAX_DAYS_TARGET} days or fewer.")
    return float(target)


def add_kpi(
    objective: Objective,
    indicator_key: str | None,
    target: float | None,
    period_start: date | None,
    period_end: date | None,
    consultation_id: int | None = None,
) -> Kpi:
    """Bind an indicator of the catalogue to an objective, with a target and a period.

    Raises KpiInvalid for an unknown indicator, a missing target or period, a target
    of the wrong kind for the indicator's unit, or a period that ends before it starts.
    """
    indicator = CATALOGUE.get(indicator_key or "")
    if indicator is None:
        raise KpiInvalid("Choose an indicator from the catalogue.")
    checked = check_target(indicator, target)
    if period_start is None or period_end is None:
        raise KpiInvalid("Give the period the target is for: its first and last day.")
    if period_end < period_start:
        raise KpiInvalid("The period must end on or after the day it starts.")
    if (period_end - period_start).days > MAX_PERIOD_DAYS:
        raise KpiInvalid(f"Keep the period to {MAX_PERIOD_DAYS} days or fewer.")
    if consultation_id is not None and db.session.get(Consultation, consultation_id) is None:
        raise KpiInvalid("That consultation does not exist.")
    kpi = Kpi(
        objective=objective,
        indicator=indicator.key,
        target=checked,
        period_start=period_start,
        period_end=period_end,
        consultation_id=consultation_id,
    )
    db.session.add(kpi)
    db.session.flush()
    return kpi


# What a KPI with nothing to measure shows, as its figure and as its status.
NO_FIGURE = "No figure"


class KpiStatus(enum.StrEnum):
    """How a KPI stands; derived from its figure, target and period, never typed in."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    MISSED = "missed"
    # Nothing to measure (a rate with no one to count, a duration with nothing
    # done): no figure, so no status either way, whatever the period.
    NO_FIGURE = "no_figure"

    @property
    def label(self) -> str:
        return {
            "on_track": "On track",
            "at_risk": "At risk",
            "missed": "Missed",
            "no_figure": NO_FIGURE,
        }[self.value]


@dataclass(frozen=True)
class KpiReading:
    """A KPI's figure now, and the status it gives."""

    kpi: Kpi
    indicator: Indicator
    value: float | None
    status: KpiStatus
    # What the figure should be by now for a total to be on track (pro-rated target).
    expected: float | None

    @property
    def shown(self) -> str:
        return show(self.value, self.indicator.unit)

    @property
    def target_shown(self) -> str:
        return show(self.kpi.target, self.indicator.unit)


def show(value: float | None, unit: Unit) -> str:
    """A figure in words: whole numbers for counts, one decimal otherwise."""
    if value is None:
        return NO_FIGURE
    if unit is Unit.COUNT:
        return f"{round(value):,}"
    return f"{value:,.1f}{unit.suffix}"


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """A KPI's inclusive days as a half-open UTC interval."""
    return (
        datetime.combine(start, time(), tzinfo=UTC),
        datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC),
    )


def derive_status(
    indicator: Indicator,
    value: float | None,
    target: float,
    start: datetime,
    end: datetime,
    now: datetime,
) -> tuple[KpiStatus, float | None]:
    """The status of a figure against its target, and the pro-rated target for totals.

    After the period: met (on track) or missed. During it: a total is on track when it
    has reached the target pro-rated to the time elapsed; a rate or duration when it
    meets the target as it stands. With no figure (nothing to measure) there is no
    status either: NO_FIGURE, the same for every indicator and period, since neither
    "missed" nor "on track" can be said of nothing.
    """
    ended = now >= end
    expected = None
    if indicator.cumulative and not ended:
        elapsed = max(0.0, (now - start) / (end - start))
        expected = round(target * elapsed, 1)
    if value is None:
        return KpiStatus.NO_FIGURE, expected
    met = value >= target if indicator.better is Better.HIGHER else value <= target
    if met:
        return KpiStatus.ON_TRACK, expected
    if ended:
        return KpiStatus.MISSED, expected
    if expected is not None and value >= expected:
        return KpiStatus.ON_TRACK, expected
    return KpiStatus.AT_RISK, expected


def kpi_scope(kpi: Kpi) -> Scope:
    """A KPI measures its consultation, or else its plan's area."""
    if kpi.consultation_id is not None:
        return Scope(consultation_id=kpi.consultation_id)
    return Scope(area_id=kpi.objective.plan.area_id)


def read_kpi(kpi: Kpi, now: datetime | None = None) -> KpiReading:
    """Compute a KPI's figure from the platform and derive its status."""
    now = now or utcnow()
    indicator = CATALOGUE[kpi.indicator]
    start, end = period_bounds(kpi.period_start, kpi.period_end)
    value = indicator.compute(kpi_scope(kpi), start, end)
    status, expected = derive_status(indicator, value, kpi.target, start, end, now)
    return KpiReading(kpi=kpi, indicator=indicator, value=value, status=status, expected=expected)


def kpis_for_consultation(consultation: Consultation) -> list[Kpi]:
    """The KPIs about this consultation, or about either of its areas."""
    return list(
        db.session.scalars(
            select(Kpi)
            .join(Objective, Objective.id == Kpi.objective_id)
            .join(EngagementPlan, EngagementPlan.id == Objective.plan_id)
            .where(
                (Kpi.consultation_id == consultation.id)
                | (
                    Kpi.consultation_id.is_(None)
                    & EngagementPlan.area_id.in_(
                        [consultation.process_area_id, consultation.service_area_id]
                    )
                )
            )
            .order_by(Kpi.id)
        )
    )


def consultations_to_choose() -> list[Consultation]:
    """Every consultation, by title, for a KPI to measure or a project to name."""
    return list(db.session.scalars(select(Consultation).order_by(Consultation.title)))


def all_kpis() -> list[Kpi]:
    """Every KPI of every plan."""
    return list(db.session.scalars(select(Kpi).order_by(Kpi.id)))


# --- the portfolio ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TwinTrack:
    """A suggested pairing of one process area with one service area, to learn from."""

    process: PlannedProject
    service: PlannedProject


def portfolio() -> list[PlannedProject]:
    """Every planned project, best first: priority, then benefit, then lower cost and risk."""
    projects = db.session.scalars(select(PlannedProject)).all()
    return sorted(projects, key=lambda p: (-p.priority, -p.benefit, p.cost, p.risk, p.id))


def twin_track(ranked: list[PlannedProject]) -> TwinTrack | None:
    """Pair the best project in a process area with the best in a service area.

    Running one of each side by side lets the council compare how the platform
    serves a process (such as consultation itself) and a service (such as libraries)
    before it spreads further. None until both kinds have a project.
    """
    best: dict[AreaKind, PlannedProject] = {}
    for project in ranked:
        best.setdefault(project.plan.area.kind, project)
    if AreaKind.PROCESS in best and AreaKind.SERVICE in best:
        return TwinTrack(process=best[AreaKind.PROCESS], service=best[AreaKind.SERVICE])
    return None
