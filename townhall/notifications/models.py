"""A person's notifications and their email preferences."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from townhall.accounts.models import User
from townhall.database import utcnow
from townhall.extensions import db


class NotificationKind(enum.StrEnum):
    """Why someone is being told something; each kind has its own email preference."""

    ANNOUNCEMENT = "announcement"
    REPLY = "reply"
    OFFICIAL_RESPONSE = "official_response"
    CONSULTATION_OPENED = "consultation_opened"
    CONSULTATION_CLOSED = "consultation_closed"
    OUTCOME = "outcome"
    MODERATION = "moderation"
    AREA_ALERT = "area_alert"
    STAFF_TASK = "staff_task"


EMAIL_BY_DEFAULT = {
    NotificationKind.ANNOUNCEMENT: False,
    NotificationKind.REPLY: False,
    NotificationKind.OFFICIAL_RESPONSE: True,
    NotificationKind.CONSULTATION_OPENED: False,
    NotificationKind.CONSULTATION_CLOSED: False,
    NotificationKind.OUTCOME: True,
    NotificationKind.MODERATION: True,
    NotificationKind.AREA_ALERT: True,
    NotificationKind.STAFF_TASK: True,
}


class Notification(db.Model):
    """Something a person was told in the app; unread until they open it."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(
        Enum(
            NotificationKind,
            name="notification_kind",
            native_enum=False,
            create_constraint=True,
            values_callable=lambda kinds: [k.value for k in kinds],
            length=30,
        )
    )
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class EmailPreference(db.Model):
    """Whether a person wants email for one kind of notification (absent: the default)."""

    __tablename__ = "email_preference"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    send_email: Mapped[bool]
