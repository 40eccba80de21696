"""Tables of engagement plans: objectives, channel choices, roles with their cost,
benefit and risk, planned projects (the portfolio) and KPIs with targets and periods.

What is measured is never stored here: a KPI names an indicator of the catalogue
(`townhall.engagement.kpis`) and its value is computed from the domain tables when
shown, so a status (on track, at risk, missed) can never be typed in.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from townhall.accounts.models import User
from townhall.accounts.permissions import Role
from townhall.consultations.models import Area, Consultation
from townhall.database import TimestampMixin, enum_column, utcnow
from townhall.extensions import db

TITLE_MAX = 200
TEXT_MAX = 5_000
INDICATOR_MAX = 40
# Cost, benefit and risk are judged on a five-point scale: 1 very low ... 5 very high.
SCALE_MIN = 1
SCALE_MAX = 5


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return enum_column(cls, name, length=30, validate_strings=True)


class Channel(enum.StrEnum):
    """The channels the platform offers, in the order of the stages they belong to."""

    ANNOUNCEMENTS = "announcements"
    DIALOGUE = "dialogue"
    PROPOSALS = "proposals"
    VOTES = "votes"
    CHECK_INS = "check_ins"
    NEARBY_NOTIFICATIONS = "nearby_notifications"

    @property
    def label(self) -> str:
        return {
            "announcements": "Announcements (one-way)",
            "dialogue": "Dialogue and official responses",
            "proposals": "Proposals and supports",
            "votes": "Votes",
            "check_ins": "Check-ins at public places",
            "nearby_notifications": "Nearby notifications",
        }[self.value]


def _scale(column: str) -> CheckConstraint:
    return CheckConstraint(f"{column} >= {SCALE_MIN} AND {column} <= {SCALE_MAX}", name=column)


class EngagementPlan(TimestampMixin, db.Model):
    """An officer's plan for using the platform in one process or service area."""

    __tablename__ = "engagement_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    summary: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    area: Mapped[Area] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    objectives: Mapped[list[Objective]] = relationship(
        back_populates="plan", order_by="Objective.id", cascade="all, delete-orphan"
    )
    roles: Mapped[list[RoleAssessment]] = relationship(
        order_by="RoleAssessment.id", cascade="all, delete-orphan"
    )
    projects: Mapped[list[PlannedProject]] = relationship(
        back_populates="plan", order_by="PlannedProject.id", cascade="all, delete-orphan"
    )


class Objective(db.Model):
    """A business objective of a plan and the outcome expected from it."""

    __tablename__ = "engagement_objective"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("engagement_plan.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    expected_outcome: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    plan: Mapped[EngagementPlan] = relationship(back_populates="objectives")
    channels: Mapped[list[ChannelChoice]] = relationship(
        order_by="ChannelChoice.id", cascade="all, delete-orphan"
    )
    kpis: Mapped[list[Kpi]] = relationship(
        back_populates="objective", order_by="Kpi.id", cascade="all, delete-orphan"
    )


class ChannelChoice(db.Model):
    """A channel chosen for an objective, and why it serves that objective."""

    __tablename__ = "engagement_channel_choice"
    __table_args__ = (UniqueConstraint("objective_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(
        ForeignKey("engagement_objective.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    reason: Mapped[str] = mapped_column(Text)


class RoleAssessment(db.Model):
    """One role's part in a plan, with its cost, benefit and risk on 1-5 scales."""

    __tablename__ = "engagement_role"
    __table_args__ = (
        UniqueConstraint("plan_id", "role"),
        _scale("cost"),
        _scale("benefit"),
        _scale("risk"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("engagement_plan.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(_enum(Role, "engagement_role"))
    cost: Mapped[int]
    benefit: Mapped[int]
    risk: Mapped[int]
    notes: Mapped[str] = mapped_column(Text, default="")


class PlannedProject(db.Model):
    """A project of the portfolio: a (planned or running) consultation with its
    expected benefit, cost and risk on 1-5 scales."""

    __tablename__ = "engagement_project"
    __table_args__ = (_scale("benefit"), _scale("cost"), _scale("risk"))

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("engagement_plan.id", ondelete="CASCADE"), index=True
    )
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultation.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    benefit: Mapped[int]
    cost: Mapped[int]
    risk: Mapped[int]
    notes: Mapped[str] = mapped_column(Text, default="")

    plan: Mapped[EngagementPlan] = relationship(back_populates="projects")
    consultation: Mapped[Consultation | None] = relationship()

    @property
    def priority(self) -> int:
        """Expected benefit against cost and risk: twice the benefit less both."""
        # Benefit counts double so a high-benefit, middling-cost project outranks a
        # cheap project that achieves little; the result runs from -8 to 8.
        return 2 * self.benefit - self.cost - self.risk


class Kpi(TimestampMixin, db.Model):
    """An indicator from the catalogue with a target over a period, for an objective.

    `consultation_id` narrows the figure to one consultation; otherwise it is computed
    over the plan's area (every consultation whose process or service area it is).
    """

    __tablename__ = "engagement_kpi"
    __table_args__ = (
        CheckConstraint("target >= 0", name="target_not_negative"),
        CheckConstraint("period_end >= period_start", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(
        ForeignKey("engagement_objective.id", ondelete="CASCADE"), index=True
    )
    indicator: Mapped[str] = mapped_column(String(INDICATOR_MAX))
    target: Mapped[float]
    # Whole days, inclusive of both ends: a quarter is 1 January to 31 March.
    period_start: Mapped[date]
    period_end: Mapped[date]
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True
    )

    objective: Mapped[Objective] = relationship(back_populates="kpis")
    consultation: Mapped[Consultation | None] = relationship()
