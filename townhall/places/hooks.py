"""Noticing, without consultations knowing, when something opens that people asked about.

Consultations imports nothing of places (DESIGN.md's import floors), so places
listens to the session: a consultation whose status becomes open, or a new
announcement on a located consultation, is noted as it happens, and everyone whose
areas and topics match is told just before the transaction commits, in it, so a
rollback tells nobody.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import Session, object_session

from townhall.consultations.models import Announcement, Consultation, Status

_PENDING = "places_pending_items"
_installed = False


def install() -> None:
    """Listen for openings and announcements (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    event.listen(Consultation.status, "set", _status_set)
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "before_commit", _before_commit)


def _status_set(target: Consultation, value: Any, oldvalue: Any, _initiator: Any) -> None:
    if value is Status.OPEN and oldvalue is not Status.OPEN:
        session = object_session(target)
        if session is not None:
            session.info.setdefault(_PENDING, []).append(("opened", target))


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in session.new:
        if isinstance(obj, Announcement):
            session.info.setdefault(_PENDING, []).append(("announced", obj))


def _before_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    from townhall.places import alerts
    from townhall.places.models import Place, PlaceConsultation

    session.flush()
    done: set[tuple[str, int]] = set()
    for what, obj in pending:
        if (what, obj.id) in done:
            continue
        done.add((what, obj.id))
        if what == "opened":
            if obj.status is Status.OPEN and obj.has_location:
                alerts.tell_interested(alerts.consultation_item(obj))
            continue
        consultation = obj.consultation
        if consultation.status is not Status.OPEN:
            continue
        places = session.scalars(
            select(Place)
            .join(PlaceConsultation, PlaceConsultation.place_id == Place.id)
            .where(PlaceConsultation.consultation_id == consultation.id)
        ).all()
        points = [(p.latitude, p.longitude, 0, p.name) for p in places]
        if consultation.has_location:
            points.append(
                (consultation.latitude, consultation.longitude, consultation.radius_m or 0, None)
            )
        told: set[int] = set()
        for lat, lon, reach, place_name in points:
            where = f" at {place_name}" if place_name else ""
            item = alerts.Item(
                text=f"New announcement{where}: {obj.title} (“{consultation.title}”)",
                link=alerts.link_to("consultations.show", consultation_id=consultation.id),
                latitude=lat,
                longitude=lon,
                reach_m=reach,
                topic_ids=(consultation.process_area_id, consultation.service_area_id),
                staff_only=consultation.audience.value == "staff",
                exclude_user_id=obj.author_id,
            )
            told |= set(alerts.tell_interested(item, skip=told))
    session.flush()


def register_live(app: Flask) -> None:
    """Give live the officers' task-board room and the nearby-mode socket action."""
    try:
        from townhall.live.events import ActionRefused, register_action
        from townhall.live.rooms import register_room_kind
    except ImportError:  # live not in this build: task boards update on reload
        return
    from townhall.extensions import db
    from townhall.places import service
    from townhall.places.errors import PlaceError
    from townhall.places.permissions import Action, can

    register_room_kind(
        service.TASKS_ROOM, lambda user, _key: can(user, Action.SET_TASKS), keyed=False
    )

    def nearby(user: Any, data: dict[str, Any]) -> dict[str, Any]:
        try:
            items = service.nearby_items(user, data.get("latitude"), data.get("longitude"))
        except PlaceError as error:
            db.session.rollback()
            code = "too_soon" if error.status == 429 else "invalid"
            raise ActionRefused(str(error), code) from None
        db.session.commit()
        return {"items": [vars(i) for i in items]}

    register_action("nearby_position", nearby)
