"""The rules of consultations: areas, drafting, the lifecycle, announcements, following,
outcomes, and the listing people browse.

Functions take and return model objects, flush but never commit, and raise a
`ConsultationError` subclass whose message is written for the person concerned.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, case, delete, func, or_, select

from townhall.accounts.models import User
from townhall.accounts.permissions import Permission, has_permission
from townhall.consultations import events as live
from townhall.consultations.models import (
    AREA_NAME_MAX,
    LATITUDE_MAX,
    LONGITUDE_MAX,
    PUBLISHED_STATUSES,
    RADIUS_M_MAX,
    RADIUS_M_MIN,
    RESPONSE_DAYS_MAX,
    RESPONSE_DAYS_MIN,
    Announcement,
    Area,
    AreaKind,
    Audience,
    Consultation,
    Follow,
    Outcome,
    Status,
)
from townhall.database import utcnow
from townhall.extensions import db
from townhall.links import link_to
from townhall.markup import render_markdown
from townhall.moderation.service import current_standards, moderate_post
from townhall.notifications.models import NotificationKind
from townhall.notifications.service import notify

# The council's lists, as its social technology strategy names them.
DEFAULT_PROCESS_AREAS = (
    "Community Engagement",
    "Customer Service",
    "Staff Engagement",
    "Community Consultations",
    "Staff Consultations",
    "Personal and Self Directed Learning",
    "Knowledge Sharing",
    "Policy Development",
    "Service Planning",
    "Emergency Communications",
    "Press and PR Relations",
)
DEFAULT_SERVICE_AREAS = (
    "Trading Standards",
    "Libraries",
    "Road Safety",
    "Highways",
    "Waste Services",
    "Registration Services",
)

PER_PAGE = 12

# What the form beside each field, the API per field, and this service say of a number
# out of range: one sentence per limit, built from the limits themselves (models.py).
RESPONSE_DAYS_MESSAGE = f"Use {RESPONSE_DAYS_MIN} to {RESPONSE_DAYS_MAX} days."
LATITUDE_MESSAGE = f"Latitude runs from -{LATITUDE_MAX} to {LATITUDE_MAX}."
LONGITUDE_MESSAGE = f"Longitude runs from -{LONGITUDE_MAX} to {LONGITUDE_MAX}."
RADIUS_MESSAGE = f"Give a radius of {RADIUS_M_MIN} to {RADIUS_M_MAX:,} metres."

# How often, at most, a request checks whether scheduled consultations are due.
SCHEDULE_CHECK_SECONDS = 15.0


class ConsultationError(Exception):
    """Something about a consultation that cannot be done; the message says why."""


class InvalidTransition(ConsultationError):
    """The consultation cannot move from its status to the one asked for."""


class InvalidSchedule(ConsultationError):
    """The opening and closing times do not make sense."""


class AreaError(ConsultationError):
    """An area cannot be added, renamed or retired as asked."""


# --- areas -------------------------------------------------------------------


def ensure_default_areas() -> None:
    """Add the council's default process and service areas that are missing."""
    existing = {(kind, name) for kind, name in db.session.execute(select(Area.kind, Area.name))}
    for kind, names in (
        (AreaKind.PROCESS, DEFAULT_PROCESS_AREAS),
        (AreaKind.SERVICE, DEFAULT_SERVICE_AREAS),
    ):
        for name in names:
            if (kind, name) not in existing:
                db.session.add(Area(kind=kind, name=name))
    db.session.flush()


def list_areas(kind: AreaKind | None = None, *, include_retired: bool = False) -> list[Area]:
    """The areas of one kind (or all), by name."""
    statement = select(Area).order_by(Area.kind, Area.name)
    if kind is not None:
        statement = statement.where(Area.kind == kind)
    if not include_retired:
        statement = statement.where(Area.retired_at.is_(None))
    return list(db.session.scalars(statement))


def _clean_area_name(kind: AreaKind, name: str, *, exclude_id: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise AreaError("Enter a name for the area.")
    if len(name) > AREA_NAME_MAX:
        raise AreaError(f"Use at most {AREA_NAME_MAX} characters.")
    clash = select(Area).where(Area.kind == kind, func.lower(Area.name) == name.lower())
    if exclude_id is not None:
        clash = clash.where(Area.id != exclude_id)
    if db.session.scalar(clash) is not None:
        raise AreaError(f"There is already a {kind.value} area called {name}.")
    return name


def add_area(kind: AreaKind, name: str) -> Area:
    """Add an area to one of the council's lists."""
    area = Area(kind=kind, name=_clean_area_name(kind, name))
    db.session.add(area)
    db.session.flush()
    return area


def rename_area(area: Area, name: str) -> Area:
    """Rename an area; consultations in it follow the new name."""
    area.name = _clean_area_name(area.kind, name, exclude_id=area.id)
    return area


def set_area_retired(area: Area, retired: bool) -> Area:
    """Retire an area (no new consultations use it) or bring it back."""
    area.retired_at = utcnow() if retired else None
    return area


# --- drafting ----------------------------------------------------------------


@dataclass
class ConsultationDetails:
    """What an officer fills in for a consultation."""

    title: str
    summary: str
    body: str
    process_area_id: int
    service_area_id: int
    audience: Audience = Audience.PUBLIC
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    uses_dialogue: bool = True
    uses_proposals: bool = False
    uses_voting: bool = False
    uses_outcome: bool = True
    response_days: int = 10
    latitude: float | None = None
    longitude: float | None = None
    radius_m: int | None = None
    problems: dict[str, str] = field(default_factory=dict)


def _check_details(details: ConsultationDetails) -> None:
    for attribute, kind in (
        ("process_area_id", AreaKind.PROCESS),
        ("service_area_id", AreaKind.SERVICE),
    ):
        area = db.session.get(Area, getattr(details, attribute))
        if area is None or area.kind is not kind:
            raise ConsultationError(f"Choose a {kind.value} area from the list.")
    if details.opens_at and details.closes_at and details.closes_at <= details.opens_at:
        raise InvalidSchedule("The closing time must be after the opening time.")
    if not _within(details.response_days, RESPONSE_DAYS_MIN, RESPONSE_DAYS_MAX):
        # Beside its field "Use 1 to 60 days." says enough; on its own it names the standard.
        raise ConsultationError(
            f"Give the official response standard as {RESPONSE_DAYS_MIN} to "
            f"{RESPONSE_DAYS_MAX} working days."
        )
    located = [details.latitude, details.longitude, details.radius_m]
    if any(v is not None for v in located) and not all(v is not None for v in located):
        raise ConsultationError("Give latitude, longitude and radius together, or none of them.")
    if details.latitude is not None and not _within(details.latitude, -LATITUDE_MAX, LATITUDE_MAX):
        raise ConsultationError(LATITUDE_MESSAGE)
    if details.longitude is not None and not _within(
        details.longitude, -LONGITUDE_MAX, LONGITUDE_MAX
    ):
        raise ConsultationError(LONGITUDE_MESSAGE)
    if details.radius_m is not None and not _within(details.radius_m, RADIUS_M_MIN, RADIUS_M_MAX):
        raise ConsultationError(RADIUS_MESSAGE)


def _within(value: object, low: float, high: float) -> bool:
    """Whether `value` is a number from `low` to `high` (NaN and infinity are not)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return low <= value <= high


def _apply_details(consultation: Consultation, details: ConsultationDetails) -> None:
    for name in (
        "title", "summary", "body", "process_area_id", "service_area_id", "audience",
        "opens_at", "closes_at", "uses_dialogue", "uses_proposals", "uses_voting",
        "uses_outcome", "response_days", "latitude", "longitude", "radius_m",
    ):  # fmt: skip
        setattr(consultation, name, getattr(details, name))
    consultation.body_html = render_markdown(details.body)


def create_consultation(author: User, details: ConsultationDetails) -> Consultation:
    """Start a consultation as a draft."""
    _check_details(details)
    consultation = Consultation(created_by=author, status=Status.DRAFT)
    _apply_details(consultation, details)
    db.session.add(consultation)
    db.session.flush()
    return consultation


def update_consultation(consultation: Consultation, details: ConsultationDetails) -> Consultation:
    """Change a consultation's details; not once it has closed."""
    if consultation.status not in (Status.DRAFT, Status.SCHEDULED, Status.OPEN):
        raise InvalidTransition("A consultation cannot be edited once it has closed.")
    _check_details(details)
    if consultation.status is Status.OPEN:
        now = utcnow()
        if details.closes_at is None or details.closes_at <= now:
            raise InvalidSchedule("An open consultation needs a closing time in the future.")
        details.opens_at = consultation.opens_at  # it has opened; that stays true
    if consultation.status is Status.SCHEDULED:
        _check_schedule(details.opens_at, details.closes_at, utcnow())
    _apply_details(consultation, details)
    return consultation


# --- the lifecycle -------------------------------------------------------------


def _check_schedule(opens_at: datetime | None, closes_at: datetime | None, now: datetime) -> None:
    if opens_at is None or closes_at is None:
        raise InvalidSchedule("Set both an opening and a closing time to schedule it.")
    if opens_at <= now:
        raise InvalidSchedule(
            "The opening time must be in the future. To open it now, use Open now."
        )
    if closes_at <= opens_at:
        raise InvalidSchedule("The closing time must be after the opening time.")


def _refuse(consultation: Consultation, wanted: str) -> InvalidTransition:
    return InvalidTransition(
        f"A consultation that is {consultation.status.label.lower()} cannot be {wanted}."
    )


def schedule_consultation(consultation: Consultation, now: datetime | None = None) -> Consultation:
    """Set a draft to open and close by itself at its set times."""
    now = now or utcnow()
    if consultation.status is not Status.DRAFT:
        raise _refuse(consultation, "scheduled")
    _check_schedule(consultation.opens_at, consultation.closes_at, now)
    consultation.status = Status.SCHEDULED
    return consultation


def unschedule_consultation(consultation: Consultation) -> Consultation:
    """Take a scheduled consultation back to draft."""
    if consultation.status is not Status.SCHEDULED:
        raise _refuse(consultation, "taken back to draft")
    consultation.status = Status.DRAFT
    return consultation


def open_consultation(consultation: Consultation, now: datetime | None = None) -> Consultation:
    """Open a draft or scheduled consultation now."""
    now = now or utcnow()
    if consultation.status not in (Status.DRAFT, Status.SCHEDULED):
        raise _refuse(consultation, "opened")
    if consultation.closes_at is None or consultation.closes_at <= now:
        raise InvalidSchedule("Set a closing time in the future before opening it.")
    consultation.status = Status.OPEN
    consultation.opens_at = now
    consultation.opened_at = now
    live.publish_status(consultation, "consultation_opened", "This consultation is now open.")
    return consultation


def close_consultation(consultation: Consultation, now: datetime | None = None) -> Consultation:
    """Close an open consultation now; its followers are told."""
    now = now or utcnow()
    if consultation.status is not Status.OPEN:
        raise _refuse(consultation, "closed")
    _mark_closed(consultation, now)
    _tell_followers(
        consultation,
        NotificationKind.CONSULTATION_CLOSED,
        f"“{consultation.title}” has closed. Thank you for taking part.",
    )
    live.publish_status(consultation, "consultation_closed", "This consultation has closed.")
    return consultation


def _mark_closed(consultation: Consultation, now: datetime) -> None:
    consultation.status = Status.CLOSED
    consultation.closed_at = now
    if consultation.closes_at is None or consultation.closes_at > now:
        consultation.closes_at = now


def archive_consultation(consultation: Consultation, now: datetime | None = None) -> Consultation:
    """Archive a closed consultation: it stays readable, with nothing more to do."""
    if consultation.status not in (Status.CLOSED, Status.OUTCOME_PUBLISHED):
        raise _refuse(consultation, "archived")
    consultation.status = Status.ARCHIVED
    consultation.archived_at = now or utcnow()
    return consultation


def publish_outcome(
    consultation: Consultation,
    by: User,
    *,
    you_said: str,
    decision: str,
    reasons: str,
    next_steps: str,
) -> Outcome:
    """Publish (or correct) what was decided: "you said, we did". Followers are told."""
    if consultation.status not in (Status.CLOSED, Status.OUTCOME_PUBLISHED):
        raise _refuse(consultation, "given an outcome")
    if not consultation.uses_outcome:
        raise InvalidTransition("This consultation does not publish an outcome.")
    parts = {
        "You said": you_said,
        "We decided": decision,
        "Why": reasons,
        "What happens next": next_steps,
    }
    for heading, text in parts.items():
        if not text.strip():
            raise ConsultationError(f"Fill in “{heading}”.")
    html = "".join(f"<h3>{h}</h3>" + render_markdown(t) for h, t in parts.items())
    outcome = db.session.scalar(select(Outcome).where(Outcome.consultation_id == consultation.id))
    first = outcome is None
    if outcome is None:
        outcome = Outcome(consultation_id=consultation.id)
        db.session.add(outcome)
    outcome.you_said, outcome.decision = you_said, decision
    outcome.reasons, outcome.next_steps = reasons, next_steps
    outcome.body_html = html
    outcome.published_by_id = by.id
    outcome.published_at = utcnow()
    consultation.status = Status.OUTCOME_PUBLISHED
    db.session.flush()
    live.publish_status(consultation, "outcome_published", "The council has published the outcome.")
    if first:
        _tell_followers(
            consultation,
            NotificationKind.OUTCOME,
            f"The council has published the outcome of “{consultation.title}”.",
            email_subject=f"Outcome: {consultation.title}",
            email_template="outcome",
        )
    return outcome


def apply_schedule(now: datetime | None = None) -> tuple[int, int]:
    """Open scheduled consultations whose time has come and close those past their end.

    Returns how many were opened and how many closed. Row locks keep two processes
    from acting on the same consultation.
    """
    now = now or utcnow()
    opened = closed = 0
    due_to_open = db.session.scalars(
        select(Consultation)
        .where(Consultation.status == Status.SCHEDULED, Consultation.opens_at <= now)
        .with_for_update(skip_locked=True, of=Consultation)
    ).all()
    for consultation in due_to_open:
        consultation.status = Status.OPEN
        consultation.opened_at = consultation.opens_at
        live.publish_status(consultation, "consultation_opened", "This consultation is now open.")
        opened += 1
    due_to_close = db.session.scalars(
        select(Consultation)
        .where(Consultation.status == Status.OPEN, Consultation.closes_at <= now)
        .with_for_update(skip_locked=True, of=Consultation)
    ).all()
    for consultation in due_to_close:
        _mark_closed(consultation, consultation.closes_at or now)
        _tell_followers(
            consultation,
            NotificationKind.CONSULTATION_CLOSED,
            f"“{consultation.title}” has closed. Thank you for taking part.",
        )
        live.publish_status(consultation, "consultation_closed", "This consultation has closed.")
        closed += 1
    db.session.flush()
    return opened, closed


_last_check = 0.0
_check_lock = threading.Lock()


def apply_schedule_if_due() -> bool:
    """Apply the schedule at most every few seconds per process; say whether it ran."""
    global _last_check
    with _check_lock:
        if time.monotonic() - _last_check < SCHEDULE_CHECK_SECONDS:
            return False
        _last_check = time.monotonic()
    opened, closed = apply_schedule()
    if opened or closed:
        db.session.commit()
    return True


def reset_schedule_clock() -> None:
    """Make the next request check the schedule (for tests and the tick command)."""
    global _last_check
    _last_check = 0.0


# --- reading -----------------------------------------------------------------


def readable_statement(user: User | None) -> Select:
    """Consultations `user` may see (as consultations.permissions.can_read decides)."""
    statement = select(Consultation)
    if not has_permission(user, Permission.TAKE_PART_AS_STAFF):
        statement = statement.where(Consultation.audience == Audience.PUBLIC)
    if not has_permission(user, Permission.RUN_CONSULTATIONS):
        statement = statement.where(Consultation.status.in_(PUBLISHED_STATUSES))
    return statement


@dataclass
class ListingFilters:
    """What a person narrowed the listing to."""

    query: str = ""
    area_id: int | None = None
    status: Status | None = None
    audience: Audience | None = None


def list_consultations(user: User | None, filters: ListingFilters, page: int):
    """One page of the consultations `user` may see, matching `filters`; open ones first."""
    statement = readable_statement(user)
    if filters.query:
        words = filters.query.split()[:8]
        for word in words:
            pattern = f"%{word.lower()}%"
            statement = statement.where(
                or_(
                    func.lower(Consultation.title).like(pattern),
                    func.lower(Consultation.summary).like(pattern),
                    func.lower(Consultation.body).like(pattern),
                )
            )
    if filters.area_id is not None:
        statement = statement.where(
            or_(
                Consultation.process_area_id == filters.area_id,
                Consultation.service_area_id == filters.area_id,
            )
        )
    if filters.status is not None:
        statement = statement.where(Consultation.status == filters.status)
    if filters.audience is not None:
        statement = statement.where(Consultation.audience == filters.audience)
    order = {status: n for n, status in enumerate(
        [Status.OPEN, Status.SCHEDULED, Status.DRAFT, Status.CLOSED,
         Status.OUTCOME_PUBLISHED, Status.ARCHIVED]
    )}  # fmt: skip
    statement = statement.order_by(
        case(order, value=Consultation.status),
        Consultation.closes_at.desc().nulls_last(),
        Consultation.id.desc(),
    )
    return db.paginate(statement, page=page, per_page=PER_PAGE, error_out=False)


def open_consultations(user: User | None, limit: int = 12) -> list[Consultation]:
    """The open consultations `user` may see, closing soonest first."""
    statement = (
        readable_statement(user)
        .where(Consultation.status == Status.OPEN)
        .order_by(Consultation.closes_at.asc().nulls_last(), Consultation.id)
        .limit(limit)
    )
    return list(db.session.scalars(statement))


def announcements_for(consultation: Consultation) -> list[Announcement]:
    """The consultation's announcements, newest first."""
    return list(
        db.session.scalars(
            select(Announcement)
            .where(Announcement.consultation_id == consultation.id)
            .order_by(Announcement.created_at.desc(), Announcement.id.desc())
        )
    )


# --- announcements and following -------------------------------------------------


@dataclass(frozen=True)
class AnnouncementReport:
    """What became of an announcement an officer posted, to tell them in their terms."""

    announcement: Announcement
    held_under: tuple[str, ...] = ()
    """The clauses ("3.3 Announcements carry only ...") that hold it; empty if published."""
    followers_told: int = 0
    """How many followers were told of it (none while it is held)."""

    @property
    def held(self) -> bool:
        """Whether a moderator must publish it before anyone is told."""
        return bool(self.held_under)


def post_announcement(
    consultation: Consultation, author: User, title: str, body: str
) -> Announcement:
    """Post an update on a consultation and tell its followers."""
    return announce(consultation, author, title, body).announcement


def announce(consultation: Consultation, author: User, title: str, body: str) -> AnnouncementReport:
    """Post an update on a consultation and tell its followers, unless the standards
    hold it for a moderator; report which happened, and to how many people."""
    title = " ".join(title.split())
    if not title or not body.strip():
        raise ConsultationError("An announcement needs a title and some text.")
    announcement = Announcement(
        consultation=consultation,
        author=author,
        title=title,
        body=body,
        body_html=render_markdown(body),
    )
    db.session.add(announcement)
    db.session.flush()
    # The channel standards: a held announcement is told of when a moderator publishes it.
    case = moderate_post("announcement", announcement)
    if case.state.visible:
        return AnnouncementReport(announcement, followers_told=announce_published(announcement))
    standards = current_standards()
    held_under = tuple(
        f"{number} {clause.title}" if (clause := standards.find(number)) else number
        for number in case.clauses
    )
    # A hold always cites a clause; should one ever come without, it is still held.
    return AnnouncementReport(announcement, held_under=held_under or ("the channel standards",))


def announce_published(announcement: Announcement) -> int:
    """Tell a published announcement's followers, and live readers, of it; return how
    many followers were told."""
    consultation = announcement.consultation
    told = _tell_followers(
        consultation,
        NotificationKind.ANNOUNCEMENT,
        f"New announcement on “{consultation.title}”: {announcement.title}",
        email_subject=f"{announcement.title} ({consultation.title})",
        email_template="announcement",
        announcement_title=announcement.title,
        # As published: with any personal details the standards redact removed.
        announcement_body=announcement.body,
        exclude=announcement.author_id,
    )
    live.publish_announcement(announcement)
    return told


def follower_ids(consultation: Consultation) -> list[int]:
    """The ids of everyone following the consultation."""
    return list(
        db.session.scalars(select(Follow.user_id).where(Follow.consultation_id == consultation.id))
    )


def _tell_followers(
    consultation: Consultation,
    kind: NotificationKind,
    text: str,
    *,
    email_subject: str | None = None,
    email_template: str | None = None,
    exclude: int | None = None,
    **context: object,
) -> int:
    ids = [uid for uid in follower_ids(consultation) if uid != exclude]
    link = link_to("consultations.show", consultation_id=consultation.id)
    return notify(
        ids,
        kind,
        text,
        link,
        email_subject=email_subject,
        email_template=email_template,
        consultation_title=consultation.title,
        full_link=link_to("consultations.show", consultation_id=consultation.id, external=True),
        **context,
    )


def is_following(user: User | None, consultation: Consultation) -> bool:
    """Whether `user` follows the consultation."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return db.session.get(Follow, (user.id, consultation.id)) is not None


def follow(user: User, consultation: Consultation) -> None:
    """Follow a consultation (doing it twice is harmless)."""
    if not is_following(user, consultation):
        db.session.add(Follow(user_id=user.id, consultation_id=consultation.id))
        db.session.flush()


def unfollow(user: User, consultation: Consultation) -> None:
    """Stop following a consultation."""
    db.session.execute(
        delete(Follow).where(Follow.user_id == user.id, Follow.consultation_id == consultation.id)
    )


def follower_count(consultation: Consultation) -> int:
    """How many people follow the consultation."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Follow)
            .where(Follow.consultation_id == consultation.id)
        )
        or 0
    )
