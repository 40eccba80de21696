"""Tables for consultations, the council's areas, announcements, followers and outcomes."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from townhall.accounts.models import User
from townhall.database import TimestampMixin, enum_column, utcnow
from townhall.extensions import db

TITLE_MAX = 200
SUMMARY_MAX = 500
BODY_MAX = 50_000
AREA_NAME_MAX = 80

# "Questions get an official response within N working days": the N a council may set.
# The form, the API and the table's check constraint all read these.
RESPONSE_DAYS_MIN = 1
RESPONSE_DAYS_MAX = 60
# Where a consultation applies: a point in decimal degrees and a radius in metres.
LATITUDE_MAX = 90  # and at least -LATITUDE_MAX
LONGITUDE_MAX = 180  # and at least -LONGITUDE_MAX
RADIUS_M_MIN = 1
RADIUS_M_MAX = 100_000


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return enum_column(cls, name, length=30)


class AreaKind(enum.StrEnum):
    """The council's two ways of grouping its work."""

    PROCESS = "process"
    SERVICE = "service"

    @property
    def label(self) -> str:
        return f"{self.value.capitalize()} area"


class Audience(enum.StrEnum):
    """Who a consultation is for."""

    PUBLIC = "public"
    STAFF = "staff"

    @property
    def label(self) -> str:
        return "Everyone" if self is Audience.PUBLIC else "Council staff only"


class Status(enum.StrEnum):
    """Where a consultation is in its life."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"
    OUTCOME_PUBLISHED = "outcome_published"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        return {
            Status.DRAFT: "Draft",
            Status.SCHEDULED: "Opens soon",
            Status.OPEN: "Open",
            Status.CLOSED: "Closed",
            Status.OUTCOME_PUBLISHED: "Outcome published",
            Status.ARCHIVED: "Archived",
        }[self]


# Statuses anyone allowed to see the consultation may see; the others are officers' only.
PUBLISHED_STATUSES = (Status.OPEN, Status.CLOSED, Status.OUTCOME_PUBLISHED, Status.ARCHIVED)


class Phase(enum.StrEnum):
    """The parts of a consultation it may use."""

    DIALOGUE = "dialogue"
    PROPOSALS = "proposals"
    VOTING = "voting"
    OUTCOME = "outcome"


class Area(db.Model):
    """A process area or service area from the council's lists, editable by admins."""

    __tablename__ = "area"
    __table_args__ = (UniqueConstraint("kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AreaKind] = mapped_column(_enum(AreaKind, "area_kind"))
    name: Mapped[str] = mapped_column(String(AREA_NAME_MAX))
    retired_at: Mapped[datetime | None]

    def __str__(self) -> str:
        return self.name


class Consultation(TimestampMixin, db.Model):
    """A question the council puts to people, run by officers through its phases."""

    __tablename__ = "consultation"
    __table_args__ = (
        Index("ix_consultation_status_closes_at", "status", "closes_at"),
        Index("ix_consultation_status_opens_at", "status", "opens_at"),
        CheckConstraint(
            f"response_days >= {RESPONSE_DAYS_MIN} AND response_days <= {RESPONSE_DAYS_MAX}",
            name="response_days",
        ),
        # At least RADIUS_M_MIN, in the words of the first migration ("> 0").
        CheckConstraint(
            f"radius_m IS NULL OR radius_m > {RADIUS_M_MIN - 1}", name="radius_positive"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    process_area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    service_area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    audience: Mapped[Audience] = mapped_column(_enum(Audience, "audience"), default=Audience.PUBLIC)
    status: Mapped[Status] = mapped_column(_enum(Status, "status"), default=Status.DRAFT)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    radius_m: Mapped[int | None]
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    uses_dialogue: Mapped[bool] = mapped_column(default=True)
    uses_proposals: Mapped[bool] = mapped_column(default=False)
    uses_voting: Mapped[bool] = mapped_column(default=False)
    uses_outcome: Mapped[bool] = mapped_column(default=True)
    # "Questions get an official response within N working days."
    response_days: Mapped[int] = mapped_column(default=10)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    archived_at: Mapped[datetime | None]

    process_area: Mapped[Area] = relationship(foreign_keys=[process_area_id], lazy="joined")
    service_area: Mapped[Area] = relationship(foreign_keys=[service_area_id], lazy="joined")
    created_by: Mapped[User | None] = relationship()

    @property
    def phases(self) -> list[Phase]:
        """The phases this consultation uses, in order."""
        used = {
            Phase.DIALOGUE: self.uses_dialogue,
            Phase.PROPOSALS: self.uses_proposals,
            Phase.VOTING: self.uses_voting,
            Phase.OUTCOME: self.uses_outcome,
        }
        return [phase for phase, on in used.items() if on]

    @property
    def is_open(self) -> bool:
        return self.status is Status.OPEN

    @property
    def is_published(self) -> bool:
        return self.status in PUBLISHED_STATUSES

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def __repr__(self) -> str:
        return f"<Consultation {self.id} {self.status.value}>"


class Announcement(db.Model):
    """A one-way update from officers on a consultation (stage 2)."""

    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    consultation: Mapped[Consultation] = relationship()
    author: Mapped[User | None] = relationship()


class Follow(db.Model):
    """A person following a consultation, to be told of its news."""

    __tablename__ = "follow"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Outcome(TimestampMixin, db.Model):
    """What the council decided after a consultation: "you said, we did"."""

    __tablename__ = "outcome"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), unique=True
    )
    # Each part is kept as written (Markdown); body_html is all four, cleaned.
    you_said: Mapped[str] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(Text)
    reasons: Mapped[str] = mapped_column(Text)
    next_steps: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)

    consultation: Mapped[Consultation] = relationship(
        backref=db.backref("outcome", uselist=False, lazy="select")
    )
    published_by: Mapped[User | None] = relationship()
