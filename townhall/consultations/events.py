"""Consultations' part in live updates: who may join a consultation's room, and the
events its lifecycle publishes there.

Every event carries only what anyone who may read the consultation may see (its id,
status and public titles); pages fetch anything else over HTTP with their session.
"""

from __future__ import annotations

from typing import Any

from townhall.consultations.models import Announcement, Consultation
from townhall.consultations.permissions import can_read
from townhall.database import parse_id
from townhall.live import publish, register_room_kind

# The page parts (`data-live-part` in consultations/show.html) each event refreshes.
STATUS_PARTS = ["status"]
ANNOUNCEMENT_PARTS = ["announcements"]


def consultation_room(consultation_id: int) -> str:
    """The live room of one consultation."""
    return f"consultation:{consultation_id}"


def can_join(user: Any, key: str | None) -> bool:
    """Whether `user` may join the room of consultation `key` (as they may read it)."""
    from townhall.extensions import db

    consultation_id = parse_id(key)
    if consultation_id is None:
        return False
    consultation = db.session.get(Consultation, consultation_id)
    return consultation is not None and can_read(user, consultation)


def register_rooms() -> None:
    """Register the `consultation:<id>` rooms with live."""
    register_room_kind("consultation", can_join)


def publish_status(consultation: Consultation, event: str, announce: str) -> None:
    """Tell the consultation's room its status changed (after commit)."""
    publish(
        consultation_room(consultation.id),
        event,
        {
            "consultation_id": consultation.id,
            "status": consultation.status.value,
            "label": consultation.status.label,
            "refresh": STATUS_PARTS,
            "announce": announce,
        },
    )


def publish_announcement(announcement: Announcement) -> None:
    """Tell the consultation's room of a new announcement (after commit)."""
    publish(
        consultation_room(announcement.consultation_id),
        "announcement_posted",
        {
            "consultation_id": announcement.consultation_id,
            "announcement_id": announcement.id,
            "refresh": ANNOUNCEMENT_PARTS,
            "announce": f"New announcement: {announcement.title}",
        },
    )
