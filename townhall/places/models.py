"""Tables for places, check-ins, staff tasks, areas of interest and Web Push.

Where a person is (a shared browser position) is never stored: only that they
checked in at a place, which is kept for the retention period and then reduced
to a daily count per place.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

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
from townhall.consultations.models import Area, Consultation
from townhall.database import TimestampMixin, enum_column, utcnow
from townhall.extensions import db

NAME_MAX = 120
ADDRESS_MAX = 300
HOURS_MAX = 500
TASK_TITLE_MAX = 200
NOTE_MAX = 1000
LABEL_MAX = 80
ENDPOINT_MAX = 1000


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return enum_column(cls, name, length=20)


class PlaceKind(enum.StrEnum):
    """What sort of public building or space a place is."""

    LIBRARY = "library"
    COUNTY_HALL = "county_hall"
    LEISURE_CENTRE = "leisure_centre"
    RECYCLING_CENTRE = "recycling_centre"
    PARK = "park"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class TaskStatus(enum.StrEnum):
    """Where a staff task is: open (nobody has it), accepted, or done."""

    OPEN = "open"
    ACCEPTED = "accepted"
    DONE = "done"

    @property
    def label(self) -> str:
        return {"open": "Waiting", "accepted": "Accepted", "done": "Done"}[self.value]


class EmailFrequency(enum.StrEnum):
    """How often a person wants email about things in their areas."""

    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"
    NEVER = "never"


LATITUDE_RANGE = "latitude >= -90 AND latitude <= 90"
LONGITUDE_RANGE = "longitude >= -180 AND longitude <= 180"


class Place(TimestampMixin, db.Model):
    """A public building or space people can check in at."""

    __tablename__ = "place"
    __table_args__ = (
        Index("ix_place_latitude_longitude", "latitude", "longitude"),
        CheckConstraint(LATITUDE_RANGE, name="latitude_range"),
        CheckConstraint(LONGITUDE_RANGE, name="longitude_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    kind: Mapped[PlaceKind] = mapped_column(_enum(PlaceKind, "place_kind"))
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX))
    latitude: Mapped[float]
    longitude: Mapped[float]
    opening_hours: Mapped[str] = mapped_column(String(HOURS_MAX), default="")
    service_area_id: Mapped[int | None] = mapped_column(
        ForeignKey("area.id", ondelete="SET NULL"), index=True
    )
    retired_at: Mapped[datetime | None]

    service_area: Mapped[Area | None] = relationship(lazy="joined")

    def __str__(self) -> str:
        return self.name


class PlaceConsultation(db.Model):
    """A consultation an officer has linked to a place (its stand is there, say)."""

    __tablename__ = "place_consultation"

    place_id: Mapped[int] = mapped_column(
        ForeignKey("place.id", ondelete="CASCADE"), primary_key=True
    )
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    consultation: Mapped[Consultation] = relationship()


class CheckIn(db.Model):
    """A signed-in person checked in at a place (kept for the retention period)."""

    __tablename__ = "check_in"
    __table_args__ = (Index("ix_check_in_place_id_created_at", "place_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("place.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    place: Mapped[Place] = relationship()


class CheckInCount(db.Model):
    """How many check-ins a place had on a day, kept after the check-ins themselves go."""

    __tablename__ = "check_in_count"

    place_id: Mapped[int] = mapped_column(
        ForeignKey("place.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class StaffTask(TimestampMixin, db.Model):
    """A job for council staff at a place, for one person or for any member of staff."""

    __tablename__ = "staff_task"
    __table_args__ = (
        Index("ix_staff_task_place_id_status", "place_id", "status"),
        Index("ix_staff_task_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("place.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(TASK_TITLE_MAX))
    details: Mapped[str] = mapped_column(Text, default="")
    # None: any member of staff may take it.
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    status: Mapped[TaskStatus] = mapped_column(
        _enum(TaskStatus, "task_status"), default=TaskStatus.OPEN
    )
    due_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    completed_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(String(NOTE_MAX), default="")

    place: Mapped[Place] = relationship(lazy="joined")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    holder: Mapped[User | None] = relationship(foreign_keys=[holder_id])


class SavedArea(db.Model):
    """An area a person wants to hear about: a point and a radius (or a place's point).

    Matching finds candidates by a bounding box on the indexed coordinates, then
    checks the exact distance.
    """

    __tablename__ = "saved_area"
    __table_args__ = (
        # Covering: the bounding-box query reads latitude, longitude, radius and
        # person from the index alone, never visiting the table for the candidates.
        Index(
            "ix_saved_area_latitude_longitude", "latitude", "longitude", "radius_m", "user_id", "id"
        ),
        CheckConstraint(LATITUDE_RANGE, name="latitude_range"),
        CheckConstraint(LONGITUDE_RANGE, name="longitude_range"),
        CheckConstraint("radius_m > 0 AND radius_m <= 50000", name="radius_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(LABEL_MAX))
    latitude: Mapped[float]
    longitude: Mapped[float]
    radius_m: Mapped[int] = mapped_column(index=True)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SavedTopic(db.Model):
    """A process or service area a person wants to hear about."""

    __tablename__ = "saved_topic"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[int] = mapped_column(
        ForeignKey("area.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AlertSettings(db.Model):
    """How a person wants to be told about things in their areas, and when not."""

    __tablename__ = "alert_settings"
    __table_args__ = (
        CheckConstraint(
            "quiet_start IS NULL OR (quiet_start >= 0 AND quiet_start < 24)", name="quiet_start"
        ),
        CheckConstraint(
            "quiet_end IS NULL OR (quiet_end >= 0 AND quiet_end < 24)", name="quiet_end"
        ),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    email_frequency: Mapped[EmailFrequency] = mapped_column(
        _enum(EmailFrequency, "email_frequency"), default=EmailFrequency.DAILY
    )
    # Hours (council local time); no email or push from quiet_start until quiet_end.
    quiet_start: Mapped[int | None]
    quiet_end: Mapped[int | None]
    last_digest_at: Mapped[datetime | None]
    # When nearby mode last asked; only the time is kept, never the position.
    last_nearby_at: Mapped[datetime | None]


class PendingAlert(db.Model):
    """Something waiting for a person's digest, or for their quiet hours to end."""

    __tablename__ = "pending_alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    link: Mapped[str] = mapped_column(String(500))
    # Deferred by quiet hours: push it too when they end (digests are email only).
    push: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NearbySeen(db.Model):
    """An item nearby mode told a person about today, so it is not told twice."""

    __tablename__ = "nearby_seen"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    item: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)


class PushSubscription(db.Model):
    """One device's Web Push subscription."""

    __tablename__ = "push_subscription"
    __table_args__ = (UniqueConstraint("endpoint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(ENDPOINT_MAX))
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    device: Mapped[str] = mapped_column(String(LABEL_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_success_at: Mapped[datetime | None]


class PushMessage(db.Model):
    """A push waiting to be delivered to one subscription, retried with back-off."""

    __tablename__ = "push_message"
    __table_args__ = (Index("ix_push_message_next_attempt_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("push_subscription.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(String(300), default="")

    subscription: Mapped[PushSubscription] = relationship()
