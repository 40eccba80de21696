"""Areas of interest and topics, and telling people when something opens in them.

A person saves areas (a point and radius, or a place) and topics (process and
service areas). When an item opens (a consultation, an announcement at a place, a
task for staff) everyone whose areas reach it and whose topics include it is told:
in the app (live when connected), by email (immediately or in a daily or weekly
digest) and by Web Push, except in their quiet hours, when email and push wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, render_template, request
from sqlalchemy import delete, exists, select

from townhall.accounts.models import User
from townhall.accounts.permissions import Permission, has_permission
from townhall.consultations.models import Area, AreaKind, Audience, Consultation
from townhall.consultations.service import list_areas
from townhall.database import on_commit, utcnow
from townhall.extensions import db
from townhall.links import link_to
from townhall.mail import send
from townhall.notifications.models import NotificationKind
from townhall.notifications.service import notify, wants_email
from townhall.places import push
from townhall.places.errors import AreaInvalid
from townhall.places.matching import areas_reaching
from townhall.places.models import (
    LABEL_MAX,
    AlertSettings,
    EmailFrequency,
    PendingAlert,
    Place,
    SavedArea,
    SavedTopic,
)
from townhall.places.service import parse_position, publish_to_users

LOCAL_ZONE = ZoneInfo("Europe/London")
MAX_RADIUS_M = 50_000
MAX_AREAS = 20
PLACE_AREA_RADIUS_M = 300
DIGEST_EVERY = {EmailFrequency.DAILY: timedelta(days=1), EmailFrequency.WEEKLY: timedelta(days=7)}


# --- saving areas and topics ---------------------------------------------------------


def _count_areas(user: User) -> int:
    return len(db.session.scalars(select(SavedArea.id).where(SavedArea.user_id == user.id)).all())


def save_area(user: User, label: str, latitude, longitude, radius_m) -> SavedArea:
    """Save a point and radius the person wants to hear about."""
    label = " ".join(str(label or "").split())[:LABEL_MAX] or "My area"
    try:
        lat, lon = parse_position(latitude, longitude)
    except Exception as error:
        raise AreaInvalid(str(error)) from None
    try:
        radius = int(radius_m)
    except (TypeError, ValueError):
        raise AreaInvalid("The radius must be a whole number of metres.") from None
    if radius <= 0:
        raise AreaInvalid("The radius must be more than 0 metres.")
    if radius > MAX_RADIUS_M:
        raise AreaInvalid(f"The radius can be at most {MAX_RADIUS_M // 1000} km.")
    if _count_areas(user) >= MAX_AREAS:
        raise AreaInvalid(f"You can save up to {MAX_AREAS} areas; remove one first.")
    area = SavedArea(user_id=user.id, label=label, latitude=lat, longitude=lon, radius_m=radius)
    db.session.add(area)
    db.session.flush()
    return area


def save_place_area(user: User, place: Place | None) -> SavedArea:
    """Save a place (the area just around it) as one the person wants to hear about."""
    if place is None or place.retired_at is not None:
        raise AreaInvalid("There is no such place.")
    if _count_areas(user) >= MAX_AREAS:
        raise AreaInvalid(f"You can save up to {MAX_AREAS} areas; remove one first.")
    area = SavedArea(
        user_id=user.id,
        label=place.name[:LABEL_MAX],
        latitude=place.latitude,
        longitude=place.longitude,
        radius_m=PLACE_AREA_RADIUS_M,
        place_id=place.id,
    )
    db.session.add(area)
    db.session.flush()
    return area


def remove_area(user: User, area_id: int) -> bool:
    """Remove one of the person's areas; say whether there was one."""
    result = db.session.execute(
        delete(SavedArea).where(SavedArea.id == area_id, SavedArea.user_id == user.id)
    )
    return bool(result.rowcount)


def areas_of(user: User) -> list[SavedArea]:
    """The person's saved areas."""
    return list(
        db.session.scalars(
            select(SavedArea).where(SavedArea.user_id == user.id).order_by(SavedArea.id)
        )
    )


def topics_of(user: User) -> set[int]:
    """The ids of the process and service areas the person chose."""
    return set(db.session.scalars(select(SavedTopic.area_id).where(SavedTopic.user_id == user.id)))


# The process areas of internal (staff) delivery in the council's strategy, as its
# default lists name them: whatever they hold, only staff hear anything of them.
STAFF_PROCESS_AREAS = frozenset({"Staff Engagement", "Staff Consultations"})


def staff_only_area_ids() -> set[int]:
    """The areas only staff can hear anything of, so only staff are offered as topics.

    The strategy's internal process areas, and any area whose consultations (one at
    least, in any state) are all for staff: a citizen choosing one would never be told
    of anything, since staff-only items reach staff alone.
    """
    in_area = (Consultation.process_area_id == Area.id) | (Consultation.service_area_id == Area.id)
    public = exists().where(in_area, Consultation.audience == Audience.PUBLIC)
    staff = exists().where(in_area, Consultation.audience == Audience.STAFF)
    return set(
        db.session.scalars(
            select(Area.id).where(
                (Area.kind == AreaKind.PROCESS) & Area.name.in_(STAFF_PROCESS_AREAS)
                | (staff & ~public)
            )
        )
    )


def topic_choices(user: User) -> list[Area]:
    """The topics (process and service areas) offered to `user`: staff-only ones to staff."""
    areas = list_areas()
    if has_permission(user, Permission.TAKE_PART_AS_STAFF):
        return areas
    staff_only = staff_only_area_ids()
    return [area for area in areas if area.id not in staff_only]


def set_topics(user: User, area_ids: set[int]) -> None:
    """Replace the person's topics; a staff-only topic is refused to anyone but staff."""
    known = {area.id for area in topic_choices(user) if area.id in area_ids}
    if known != set(area_ids):
        raise AreaInvalid("Choose topics from the list.")
    db.session.execute(delete(SavedTopic).where(SavedTopic.user_id == user.id))
    for area_id in sorted(known):
        db.session.add(SavedTopic(user_id=user.id, area_id=area_id))
    db.session.flush()


def settings_of(user: User) -> AlertSettings:
    """The person's alert settings (the defaults, added, when they have none)."""
    settings = db.session.get(AlertSettings, user.id)
    if settings is None:
        settings = AlertSettings(user_id=user.id, email_frequency=EmailFrequency.DAILY)
        db.session.add(settings)
        db.session.flush()
    return settings


def set_settings(
    user: User, frequency: EmailFrequency, quiet_start: int | None, quiet_end: int | None
) -> AlertSettings:
    """Choose how often email comes and the quiet hours (both hours or neither)."""
    if (quiet_start is None) != (quiet_end is None):
        raise AreaInvalid("Give both the start and the end of your quiet hours, or neither.")
    for hour in (quiet_start, quiet_end):
        if hour is not None and not 0 <= hour < 24:
            raise AreaInvalid("Quiet hours are whole hours from 0 to 23.")
    settings = settings_of(user)
    settings.email_frequency = frequency
    settings.quiet_start, settings.quiet_end = quiet_start, quiet_end
    db.session.flush()
    return settings


def in_quiet_hours(settings: AlertSettings | None, now: datetime) -> bool:
    """Whether `now` falls in the person's quiet hours (local time; may span midnight)."""
    if settings is None or settings.quiet_start is None or settings.quiet_end is None:
        return False
    hour = now.astimezone(LOCAL_ZONE).hour
    start, end = settings.quiet_start, settings.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= hour < end
    return hour >= start or hour < end


# --- matching an item to people -------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """Something that opened somewhere, described for matching and telling."""

    text: str
    link: str
    latitude: float | None
    longitude: float | None
    reach_m: float = 0
    topic_ids: tuple[int, ...] = ()
    staff_only: bool = False
    exclude_user_id: int | None = None


def matching_users(item: Item) -> list[int]:
    """The people whose areas reach the item and whose topics (if any) include it.

    People with areas but none reaching the item are not told; people with only
    topics are told of items in their topics anywhere.
    """
    from townhall.accounts.permissions import ROLE_PERMISSIONS, Permission, Role

    spatial: set[int] = set()
    if item.latitude is not None and item.longitude is not None:
        spatial = {uid for _, uid in areas_reaching(item.latitude, item.longitude, item.reach_m)}
    has_area = exists().where(SavedArea.user_id == SavedTopic.user_id)
    topic_only = set(
        db.session.scalars(
            select(SavedTopic.user_id)
            .where(SavedTopic.area_id.in_(item.topic_ids), ~has_area)
            .distinct()
        )
    )
    candidates = spatial | topic_only
    if not candidates:
        return []
    # Of the spatial matches, those who chose topics must have chosen this one.
    topics: dict[int, set[int]] = {}
    for uid, area_id in db.session.execute(
        select(SavedTopic.user_id, SavedTopic.area_id).where(SavedTopic.user_id.in_(spatial))
    ):
        topics.setdefault(uid, set()).add(area_id)
    wanted = {uid for uid in spatial if uid not in topics or topics[uid] & set(item.topic_ids)}
    wanted |= topic_only
    wanted.discard(item.exclude_user_id or 0)
    if not wanted:
        return []
    allowed_roles = [
        role.value
        for role, permissions in ROLE_PERMISSIONS.items()
        if not item.staff_only or Permission.TAKE_PART_AS_STAFF in permissions
    ]
    return sorted(
        db.session.scalars(
            select(User.id).where(
                User.id.in_(wanted),
                User.disabled_at.is_(None),
                User.role.in_([Role(r) for r in allowed_roles]),
            )
        )
    )


def tell_interested(
    item: Item, now: datetime | None = None, *, skip: set[int] | None = None
) -> list[int]:
    """Tell everyone the item matches, each in the ways they chose; return who.

    In-app notifications go now; live events, immediate email and push go after
    commit; digest email and anything in quiet hours wait in `pending_alert`.
    """
    now = now or utcnow()
    user_ids = [uid for uid in matching_users(item) if not skip or uid not in skip]
    if not user_ids:
        return []
    notify(user_ids, NotificationKind.AREA_ALERT, item.text, item.link)
    publish_to_users(
        user_ids, "area_alert", {"text": item.text, "link": item.link, "announce": item.text}
    )
    settings = {
        s.user_id: s
        for s in db.session.scalars(
            select(AlertSettings).where(AlertSettings.user_id.in_(user_ids))
        )
    }
    emailable = set(wants_email(user_ids, NotificationKind.AREA_ALERT))
    immediate_email: list[int] = []
    pushed: list[int] = []
    pending: list[dict] = []
    for uid in user_ids:
        mine = settings.get(uid)
        frequency = mine.email_frequency if mine else EmailFrequency.DAILY
        quiet = in_quiet_hours(mine, now)
        email_now = uid in emailable and frequency is EmailFrequency.IMMEDIATE and not quiet
        digest = uid in emailable and (
            frequency in DIGEST_EVERY or (frequency is EmailFrequency.IMMEDIATE and quiet)
        )
        if email_now:
            immediate_email.append(uid)
        if quiet:
            pending.append({"user_id": uid, "push": True})
        else:
            pushed.append(uid)
        if digest:
            pending.append({"user_id": uid, "push": False})
    for row in pending:
        db.session.add(PendingAlert(created_at=now, text=item.text, link=item.link, **row))
    if immediate_email:
        _send_after_commit(immediate_email, "Something new in your area", [item])
    push.queue(pushed, {"title": "Townhall", "body": item.text, "url": item.link})
    db.session.flush()
    return user_ids


def _compose(to: str, subject: str, **context: object) -> EmailMessage:
    """Build an alert or digest email (like mail.compose, from a places template)."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="townhall")
    message.set_content(render_template("places/alert_email.txt", **context))
    return message


def _send_after_commit(user_ids: list[int], subject: str, items: list[Item]) -> None:
    addresses = db.session.scalars(
        select(User.email).where(User.id.in_(user_ids), User.disabled_at.is_(None))
    ).all()
    base = current_app.config["TOWNHALL_BASE_URL"].rstrip("/")
    if has_request_context():
        base = request.host_url.rstrip("/")
    full = [(i.text, base + i.link if i.link.startswith("/") else i.link) for i in items]
    settings_link = link_to("places.areas", external=True)
    messages = [
        _compose(address, subject, items=full, settings_link=settings_link) for address in addresses
    ]
    on_commit(db.session(), lambda: [send(m) for m in messages])


def consultation_item(consultation: Consultation) -> Item:
    """Describe an opened consultation for matching."""
    return Item(
        text=f"Now open near you: “{consultation.title}”",
        link=link_to("consultations.show", consultation_id=consultation.id),
        latitude=consultation.latitude,
        longitude=consultation.longitude,
        reach_m=consultation.radius_m or 0,
        topic_ids=(consultation.process_area_id, consultation.service_area_id),
        staff_only=consultation.audience is Audience.STAFF,
    )


# --- digests and the end of quiet hours ------------------------------------------------


def send_due(now: datetime | None = None) -> tuple[int, int]:
    """Send digests that are due and what quiet hours held back; return (emails, pushes)."""
    now = now or utcnow()
    waiting = db.session.scalars(select(PendingAlert).order_by(PendingAlert.id)).all()
    by_user: dict[int, list[PendingAlert]] = {}
    for alert in waiting:
        by_user.setdefault(alert.user_id, []).append(alert)
    if not by_user:
        return 0, 0
    settings = {
        s.user_id: s
        for s in db.session.scalars(select(AlertSettings).where(AlertSettings.user_id.in_(by_user)))
    }
    emails = pushes = 0
    for uid, alerts in by_user.items():
        mine = settings.get(uid)
        if in_quiet_hours(mine, now):
            continue
        held = [a for a in alerts if a.push]
        if held:
            push.queue([uid], {"title": "Townhall", "body": held[-1].text, "url": held[-1].link})
            pushes += 1
            for alert in held:
                db.session.delete(alert)
        digest = [a for a in alerts if not a.push]
        if not digest:
            continue
        frequency = mine.email_frequency if mine else EmailFrequency.DAILY
        every = DIGEST_EVERY.get(frequency, timedelta(0))
        last = mine.last_digest_at if mine else None
        if last is not None and now - last < every:
            continue
        subject = "Your Townhall digest" if every else "Something new in your area"
        _send_after_commit([uid], subject, [Item(a.text, a.link, None, None) for a in digest])
        emails += 1
        if mine is None:
            mine = AlertSettings(user_id=uid, email_frequency=frequency)
            db.session.add(mine)
        mine.last_digest_at = now
        for alert in digest:
            db.session.delete(alert)
    db.session.flush()
    return emails, pushes
