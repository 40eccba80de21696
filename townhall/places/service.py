"""The rules of places: places and their check-in codes, check-ins and what is on there,
retention, staff tasks, and nearby mode.

Functions take and return model objects, flush but never commit, and raise a
`PlaceError` subclass whose message is written for the person concerned.
Alerts (areas of interest) live in `alerts.py`, Web Push in `push.py`.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, Signer
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import selectinload

from townhall.accounts.models import User
from townhall.accounts.permissions import Permission, has_permission
from townhall.consultations.models import (
    LATITUDE_MAX,
    LONGITUDE_MAX,
    Announcement,
    Area,
    AreaKind,
    Consultation,
    Follow,
    Status,
)
from townhall.consultations.service import (
    LATITUDE_MESSAGE,
    LONGITUDE_MESSAGE,
    readable_statement,
)
from townhall.database import utcnow
from townhall.extensions import db
from townhall.links import link_to
from townhall.notifications.models import NotificationKind
from townhall.notifications.service import notify
from townhall.places.errors import (
    PlaceInvalid,
    PositionInvalid,
    TaskInvalid,
    TaskNotYours,
    TaskRefused,
    TooFar,
    TooSoon,
    UnknownCode,
)
from townhall.places.matching import bounding_box, haversine_m, in_box, nearest
from townhall.places.models import (
    ADDRESS_MAX,
    HOURS_MAX,
    NAME_MAX,
    NOTE_MAX,
    TASK_TITLE_MAX,
    AlertSettings,
    CheckIn,
    CheckInCount,
    NearbySeen,
    Place,
    PlaceConsultation,
    PlaceKind,
    StaffTask,
    TaskStatus,
)
from townhall.proposals.models import Proposal, ProposalStatus
from townhall.proposals.votes import VoteRefused, VoteToCast, open_votes_for
from townhall.signatures import written_as_issued
from townhall.wording import ngettext

# A check-in whose browser shared a position further than this from the place is refused.
CHECK_IN_DISTANCE_M = 500
# Check-ins are kept this many days, then only their daily counts remain.
RETENTION_DAYS = 30
# Nearby mode answers at most once a minute per person, with what lies this close.
NEARBY_INTERVAL = timedelta(seconds=60)
NEARBY_DISTANCE_M = 1000
# A check-in page lists proposals pinned within this distance of the place.
PROPOSALS_DISTANCE_M = 1000
# ... at most this many, nearest first.
PROPOSALS_SHOWN = 10
# A second check-in at the same place within this time counts once.
CHECK_IN_REPEAT = timedelta(hours=1)

_CODE_SALT = "townhall.places.check-in"


# --- live events (the live module publishes after commit; absent, nothing is sent) ---


def publish_to_users(user_ids: list[int], event: str, data: dict[str, Any]) -> None:
    """Hand live an event for these people's `user:<id>` rooms, sent after commit."""
    try:
        from townhall.live.publish import publish
        from townhall.live.rooms import user_room
    except ImportError:  # live not installed in this build: pages still work on reload
        return
    for user_id in user_ids:
        publish(user_room(user_id), event, data)


def publish_to_room(room: str, event: str, data: dict[str, Any]) -> None:
    """Hand live an event for a room, sent after commit."""
    try:
        from townhall.live.publish import publish
    except ImportError:
        return
    publish(room, event, data)


# --- positions ----------------------------------------------------------------------


def parse_position(latitude: Any, longitude: Any) -> tuple[float, float]:
    """Read a latitude and longitude (strings or numbers) or raise PositionInvalid."""
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        raise PositionInvalid("A position needs a latitude and a longitude as numbers.") from None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise PositionInvalid("A position needs a latitude and a longitude as numbers.")
    if not -LATITUDE_MAX <= lat <= LATITUDE_MAX:
        raise PositionInvalid(LATITUDE_MESSAGE)
    if not -LONGITUDE_MAX <= lon <= LONGITUDE_MAX:
        raise PositionInvalid(LONGITUDE_MESSAGE)
    return lat, lon


# --- places ---------------------------------------------------------------------------


@dataclass
class PlaceDetails:
    """What an officer says about a place."""

    name: str
    kind: PlaceKind
    address: str
    latitude: float
    longitude: float
    opening_hours: str = ""
    service_area_id: int | None = None


def _check_place(details: PlaceDetails) -> None:
    details.name = " ".join(details.name.split())
    details.address = " ".join(details.address.split())
    details.opening_hours = details.opening_hours.strip()
    if not details.name or len(details.name) > NAME_MAX:
        raise PlaceInvalid(f"A place needs a name of at most {NAME_MAX} characters.")
    if not details.address or len(details.address) > ADDRESS_MAX:
        raise PlaceInvalid(f"A place needs an address of at most {ADDRESS_MAX} characters.")
    if len(details.opening_hours) > HOURS_MAX:
        raise PlaceInvalid(f"Opening hours can be at most {HOURS_MAX} characters.")
    try:
        details.latitude, details.longitude = parse_position(details.latitude, details.longitude)
    except PositionInvalid as error:
        raise PlaceInvalid(str(error)) from None
    if details.service_area_id is not None:
        area = db.session.get(Area, details.service_area_id)
        if area is None or area.kind is not AreaKind.SERVICE:
            raise PlaceInvalid("Choose one of the council's service areas.")


def create_place(details: PlaceDetails) -> Place:
    """Add a place people can check in at."""
    _check_place(details)
    place = Place(**vars(details))
    db.session.add(place)
    db.session.flush()
    return place


def update_place(place: Place, details: PlaceDetails) -> Place:
    """Change a place's details (its check-in code stays the same)."""
    _check_place(details)
    for name, value in vars(details).items():
        setattr(place, name, value)
    db.session.flush()
    return place


def list_places() -> list[Place]:
    """Every place in use, by name."""
    return list(
        db.session.scalars(select(Place).where(Place.retired_at.is_(None)).order_by(Place.name))
    )


def get_place(place_id: int) -> Place | None:
    """The place with this id, if it is in use."""
    place = db.session.get(Place, place_id)
    return place if place is not None and place.retired_at is None else None


def link_consultation(place: Place, consultation: Consultation) -> None:
    """Show a consultation at a place (doing it twice is harmless)."""
    if db.session.get(PlaceConsultation, (place.id, consultation.id)) is None:
        db.session.add(PlaceConsultation(place_id=place.id, consultation_id=consultation.id))
        db.session.flush()


def linked_consultations(place: Place) -> list[Consultation]:
    """The consultations an officer has linked to a place, newest first."""
    return list(
        db.session.scalars(
            select(Consultation)
            .join(PlaceConsultation, PlaceConsultation.consultation_id == Consultation.id)
            .where(PlaceConsultation.place_id == place.id)
            .order_by(Consultation.id.desc())
        )
    )


def places_showing(consultation: Consultation) -> list[Place]:
    """The places a consultation is shown at, by name."""
    return list(
        db.session.scalars(
            select(Place)
            .join(PlaceConsultation, PlaceConsultation.place_id == Place.id)
            .where(PlaceConsultation.consultation_id == consultation.id, Place.retired_at.is_(None))
            .order_by(Place.name)
        )
    )


def unlink_consultation(place: Place, consultation: Consultation) -> None:
    """Stop showing a consultation at a place."""
    db.session.execute(
        delete(PlaceConsultation).where(
            PlaceConsultation.place_id == place.id,
            PlaceConsultation.consultation_id == consultation.id,
        )
    )


# --- check-in codes -------------------------------------------------------------------


def _signer() -> Signer:
    # SHA-256 rather than itsdangerous's default SHA-1; the code is printed on posters.
    return Signer(current_app.config["SECRET_KEY"], salt=_CODE_SALT, digest_method=hashlib.sha256)


def check_in_code(place: Place) -> str:
    """The signed code in a place's QR poster and short link: `<id>.<signature>`."""
    return _signer().sign(str(place.id)).decode()


def place_for_code(code: str) -> Place:
    """The place a check-in code stands for, or UnknownCode when it is not genuine."""
    not_ours = UnknownCode(
        "That check-in code is not one of ours. Scan the poster again, or find the "
        "place in the list of places."
    )
    if not written_as_issued(code):
        raise not_ours
    try:
        value = _signer().unsign(code.encode()).decode()
    except (BadSignature, UnicodeError):
        raise not_ours from None
    place = get_place(int(value)) if value.isdigit() else None
    if place is None:
        raise UnknownCode("That place is no longer open for check-ins.")
    return place


# --- check-ins ------------------------------------------------------------------------


def check_in(
    user: User,
    place: Place,
    position: tuple[float, float] | None = None,
    now: datetime | None = None,
) -> CheckIn:
    """Record that `user` checked in at `place`; staff are handed their tasks there.

    When the browser shared a position, a check-in further than CHECK_IN_DISTANCE_M
    from the place is refused (TooFar). The position is used for that check only.
    A repeat within an hour returns the earlier check-in rather than counting twice.
    """
    now = now or utcnow()
    if position is not None:
        distance = haversine_m(position[0], position[1], place.latitude, place.longitude)
        limit = current_app.config.get("PLACES_CHECK_IN_DISTANCE_M", CHECK_IN_DISTANCE_M)
        if distance > limit:
            raise TooFar(
                f"You seem to be about {_distance_words(distance)} from {place.name}. "
                "Check in when you are there."
            )
    recent = db.session.scalar(
        select(CheckIn).where(
            CheckIn.user_id == user.id,
            CheckIn.place_id == place.id,
            CheckIn.created_at > now - CHECK_IN_REPEAT,
        )
    )
    if recent is not None:
        return recent
    record = CheckIn(place_id=place.id, user_id=user.id, created_at=now)
    db.session.add(record)
    db.session.flush()
    if has_permission(user, Permission.TAKE_PART_AS_STAFF):
        tasks = open_tasks_for(user, place)
        if tasks:
            titles = "; ".join(t.title for t in tasks[:3])
            notify(
                [user.id],
                NotificationKind.STAFF_TASK,
                ngettext(
                    "You have %(num)d task at %(place)s: %(titles)s",
                    "You have %(num)d tasks at %(place)s: %(titles)s",
                    len(tasks),
                    place=place.name,
                    titles=titles,
                ),
                link_to("places.check_in_page", code=check_in_code(place)),
            )
            from townhall.places import push

            push.queue(
                [user.id],
                {
                    "title": f"Your tasks at {place.name}",
                    "body": titles,
                    "url": link_to("places.tasks"),
                },
            )
            publish_to_users(
                [user.id],
                "tasks_handed",
                {"place_id": place.id, "tasks": [_task_data(t) for t in tasks]},
            )
    return record


def _distance_words(metres: float) -> str:
    if metres < 1000:
        return f"{round(metres, -1):.0f} metres"
    return f"{metres / 1000:.1f} km"


def check_in_count(place: Place) -> int:
    """Every check-in at a place: those still kept plus the counts of those purged."""
    kept = db.session.scalar(
        select(func.count()).select_from(CheckIn).where(CheckIn.place_id == place.id)
    )
    purged = db.session.scalar(
        select(func.coalesce(func.sum(CheckInCount.count), 0)).where(
            CheckInCount.place_id == place.id
        )
    )
    return int(kept or 0) + int(purged or 0)


def purge_check_ins(now: datetime | None = None, days: int | None = None) -> int:
    """Reduce check-ins older than the retention period to daily counts; return how many.

    The counts are added to `check_in_count` and the rows deleted in the same
    transaction, so a figure is never counted twice or lost.
    """
    now = now or utcnow()
    days = days if days is not None else current_app.config.get("PLACES_RETENTION_DAYS", 30)
    cutoff = now - timedelta(days=days)
    old = db.session.execute(
        select(CheckIn.place_id, CheckIn.created_at).where(CheckIn.created_at < cutoff)
    ).all()
    if not old:
        return 0
    counts: dict[tuple[int, date], int] = {}
    for place_id, created_at in old:
        key = (place_id, created_at.date())
        counts[key] = counts.get(key, 0) + 1
    existing = {
        (row.place_id, row.day): row
        for row in db.session.scalars(
            select(CheckInCount).where(
                CheckInCount.place_id.in_({p for p, _ in counts}),
                CheckInCount.day.in_({d for _, d in counts}),
            )
        )
    }
    for (place_id, day), count in counts.items():
        row = existing.get((place_id, day))
        if row is None:
            db.session.add(CheckInCount(place_id=place_id, day=day, count=count))
        else:
            row.count += count
    db.session.execute(delete(CheckIn).where(CheckIn.created_at < cutoff))
    db.session.flush()
    return len(old)


# --- around me and for me ---------------------------------------------------------------


@dataclass
class AroundMe:
    """What a check-in page shows: what is on at a place, and for the person."""

    place: Place
    consultations: list[Consultation] = field(default_factory=list)
    # Open votes in those consultations the person may cast (signed out: once signed in).
    votes: list[VoteToCast] = field(default_factory=list)
    # Signed in: open votes there the person can see but may not cast, and why.
    votes_refused: list[VoteRefused] = field(default_factory=list)
    proposals: list[tuple[Proposal, float]] = field(default_factory=list)
    announcements: list[Announcement] = field(default_factory=list)
    nearby_places: list[tuple[Place, float]] = field(default_factory=list)
    followed: list[Consultation] = field(default_factory=list)
    tasks: list[StaffTask] = field(default_factory=list)
    check_ins: int = 0


def consultations_covering(
    user: User | None, latitude: float, longitude: float, within_m: float = 0
) -> list[Consultation]:
    """Open consultations `user` may read whose area covers a point (or comes within)."""
    widest = db.session.scalar(
        select(func.max(Consultation.radius_m)).where(Consultation.status == Status.OPEN)
    )
    if not widest:
        return []
    box = bounding_box(latitude, longitude, widest + within_m)
    candidates = db.session.scalars(
        readable_statement(user).where(
            Consultation.status == Status.OPEN,
            Consultation.latitude.between(box.min_lat, box.max_lat),
            Consultation.longitude.between(box.min_lon, box.max_lon),
        )
    ).all()
    return [
        c
        for c in candidates
        if haversine_m(latitude, longitude, c.latitude, c.longitude) <= (c.radius_m or 0) + within_m
    ]


def consultations_at(user: User | None, place: Place) -> list[Consultation]:
    """Open consultations `user` may read that are linked to `place` or whose area covers it,
    closing soonest first."""
    linked = db.session.scalars(
        readable_statement(user)
        .join(PlaceConsultation, PlaceConsultation.consultation_id == Consultation.id)
        .where(PlaceConsultation.place_id == place.id, Consultation.status == Status.OPEN)
    ).all()
    seen = {c.id for c in linked}
    covering = [
        c for c in consultations_covering(user, place.latitude, place.longitude) if c.id not in seen
    ]
    return sorted([*linked, *covering], key=lambda c: (c.closes_at or utcnow(), c.id))


def around_me(user: User | None, place: Place) -> AroundMe:
    """Gather what is on at `place`, and for `user` there."""
    result = AroundMe(place=place, check_ins=check_in_count(place))
    result.consultations = consultations_at(user, place)
    open_votes = open_votes_for(user, result.consultations)
    result.votes, result.votes_refused = open_votes.to_cast, open_votes.refused
    result.proposals = proposals_near(
        user, place.latitude, place.longitude, proposals_distance_m()
    )[:PROPOSALS_SHOWN]
    if result.consultations:
        result.announcements = list(
            db.session.scalars(
                select(Announcement)
                .where(Announcement.consultation_id.in_([c.id for c in result.consultations]))
                .order_by(Announcement.created_at.desc())
                .limit(5)
            )
        )
    result.nearby_places = [
        (other, distance)
        for other, distance in places_near(place.latitude, place.longitude, 2000)
        if other.id != place.id
    ][:5]
    if user is not None and getattr(user, "is_authenticated", False):
        result.followed = list(
            db.session.scalars(
                readable_statement(user)
                .join(Follow, Follow.consultation_id == Consultation.id)
                .where(Follow.user_id == user.id, Consultation.status == Status.OPEN)
                .order_by(Consultation.closes_at)
            )
        )
        if has_permission(user, Permission.TAKE_PART_AS_STAFF):
            result.tasks = open_tasks_for(user, place)
    return result


def places_near(latitude: float, longitude: float, within_m: float) -> list[tuple[Place, float]]:
    """Places within `within_m` of a point, nearest first, with their distances."""
    box = bounding_box(latitude, longitude, within_m)
    candidates = db.session.scalars(
        select(Place).where(
            Place.retired_at.is_(None), in_box(Place.latitude, Place.longitude, box)
        )
    ).all()
    return nearest(candidates, latitude, longitude, within_m)


def proposals_distance_m() -> int:
    """How near a place a proposal must be pinned to be listed at its check-in page."""
    return current_app.config.get("PLACES_PROPOSALS_DISTANCE_M", PROPOSALS_DISTANCE_M)


def proposals_near(
    user: User | None, latitude: float, longitude: float, within_m: float
) -> list[tuple[Proposal, float]]:
    """Proposals pinned within `within_m` of a point, nearest first, with their distances.

    Only visible proposals in open consultations `user` may read: a bounding box on
    the proposal's indexed coordinates, then the exact distance.
    """
    box = bounding_box(latitude, longitude, within_m)
    readable = (
        readable_statement(user)
        .where(Consultation.status == Status.OPEN)
        .with_only_columns(Consultation.id)
    )
    candidates = db.session.scalars(
        select(Proposal)
        .where(
            in_box(Proposal.latitude, Proposal.longitude, box),
            Proposal.status != ProposalStatus.HIDDEN,
            Proposal.consultation_id.in_(readable),
        )
        .options(selectinload(Proposal.consultation))
        .order_by(Proposal.id)
    ).all()
    return nearest(candidates, latitude, longitude, within_m)


# --- staff tasks --------------------------------------------------------------------------


def _task_data(task: StaffTask) -> dict[str, Any]:
    """A task as plain data for live events."""
    return {
        "id": task.id,
        "place_id": task.place_id,
        "title": task.title,
        "status": task.status.value,
        "status_label": task.status.label,
        "holder": task.holder.display_name if task.holder else None,
        "note": task.note,
    }


def create_task(
    author: User,
    place_id: int | None,
    title: str,
    due_at: datetime,
    *,
    details: str = "",
    assignee: User | None = None,
) -> StaffTask:
    """Set a task at a place for one member of staff, or for any (assignee None)."""
    place = get_place(place_id) if place_id is not None else None
    if place is None:
        raise TaskInvalid("There is no such place: choose one from the list of places.")
    title = " ".join(title.split())
    if not title or len(title) > TASK_TITLE_MAX:
        raise TaskInvalid(f"A task needs a title of at most {TASK_TITLE_MAX} characters.")
    if due_at.tzinfo is None:
        raise TaskInvalid("A task needs a due date.")
    if assignee is not None and not has_permission(assignee, Permission.TAKE_PART_AS_STAFF):
        raise TaskInvalid("Tasks can only be given to council staff.")
    task = StaffTask(
        place_id=place.id,
        title=title,
        details=details.strip(),
        assignee_id=assignee.id if assignee else None,
        due_at=due_at,
        created_by_id=author.id,
        status=TaskStatus.OPEN,
    )
    db.session.add(task)
    db.session.flush()
    if assignee is not None:
        notify(
            [assignee.id],
            NotificationKind.STAFF_TASK,
            f"New task for you at {place.name}: {title}",
            link_to("places.tasks"),
        )
    else:
        # A task for any member of staff is news for staff whose areas cover the place.
        from townhall.places import alerts

        alerts.tell_interested(
            alerts.Item(
                text=f"New task for staff at {place.name}: {title}",
                link=link_to("places.tasks"),
                latitude=place.latitude,
                longitude=place.longitude,
                topic_ids=(place.service_area_id,) if place.service_area_id else (),
                staff_only=True,
                exclude_user_id=author.id,
            )
        )
    _publish_task(task)
    return task


def open_tasks_for(user: User, place: Place) -> list[StaffTask]:
    """Tasks at `place` that `user` may pick up or already holds, soonest due first."""
    return list(
        db.session.scalars(
            select(StaffTask)
            .where(
                StaffTask.place_id == place.id,
                StaffTask.status != TaskStatus.DONE,
                or_(StaffTask.assignee_id.is_(None), StaffTask.assignee_id == user.id),
                or_(StaffTask.holder_id.is_(None), StaffTask.holder_id == user.id),
            )
            .order_by(StaffTask.due_at, StaffTask.id)
        )
    )


def tasks_for_user(user: User) -> list[StaffTask]:
    """Tasks anywhere that are `user`'s or anyone's, not yet done."""
    return list(
        db.session.scalars(
            select(StaffTask)
            .where(
                StaffTask.status != TaskStatus.DONE,
                or_(StaffTask.assignee_id.is_(None), StaffTask.assignee_id == user.id),
                or_(StaffTask.holder_id.is_(None), StaffTask.holder_id == user.id),
            )
            .order_by(StaffTask.due_at, StaffTask.id)
        )
    )


def all_tasks(*, include_done: bool = True) -> list[StaffTask]:
    """Every task, for officers: not done first, soonest due first."""
    statement = select(StaffTask).order_by(StaffTask.status == TaskStatus.DONE, StaffTask.due_at)
    if not include_done:
        statement = statement.where(StaffTask.status != TaskStatus.DONE)
    return list(db.session.scalars(statement))


def past_due_tasks(now: datetime | None = None) -> list[StaffTask]:
    """Tasks not done whose due time has passed, most overdue first."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(StaffTask)
            .where(StaffTask.status != TaskStatus.DONE, StaffTask.due_at < now)
            .order_by(StaffTask.due_at)
        )
    )


def _may_hold(user: User, task: StaffTask) -> None:
    if not has_permission(user, Permission.TAKE_PART_AS_STAFF):
        raise TaskNotYours("Only council staff can take tasks.")
    if task.assignee_id is not None and task.assignee_id != user.id:
        raise TaskNotYours("This task is for someone else.")


def accept_task(user: User, task: StaffTask) -> StaffTask:
    """Take a waiting task on."""
    _may_hold(user, task)
    if task.status is not TaskStatus.OPEN:
        raise TaskRefused(
            "Someone has already taken this task."
            if task.status is TaskStatus.ACCEPTED
            else "This task is already done."
        )
    task.status = TaskStatus.ACCEPTED
    task.holder_id = user.id
    task.holder = user
    db.session.flush()
    _publish_task(task)
    return task


def complete_task(user: User, task: StaffTask, note: str = "", now: datetime | None = None):
    """Mark a task done (taking it first if it was waiting)."""
    _may_hold(user, task)
    if task.status is TaskStatus.DONE:
        raise TaskRefused("This task is already done.")
    if task.status is TaskStatus.ACCEPTED and task.holder_id != user.id:
        raise TaskNotYours("Someone else has this task.")
    task.status = TaskStatus.DONE
    task.holder_id = user.id
    task.holder = user
    task.completed_at = now or utcnow()
    task.note = _note(note)
    db.session.flush()
    _publish_task(task)
    return task


def hand_back_task(user: User, task: StaffTask, note: str) -> StaffTask:
    """Give a task one holds back, saying why, so someone else can take it."""
    if task.status is TaskStatus.ACCEPTED and task.holder_id != user.id:
        raise TaskNotYours("Someone else has this task.")
    if task.status is not TaskStatus.ACCEPTED or task.holder_id != user.id:
        raise TaskRefused("You can only hand back a task you have accepted.")
    note = _note(note)
    if not note:
        raise TaskRefused("Say why you are handing it back, so the next person knows.")
    task.status = TaskStatus.OPEN
    task.holder_id = None
    task.holder = None
    task.note = note
    db.session.flush()
    _publish_task(task)
    return task


def _note(note: str) -> str:
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise TaskRefused(f"A note can be at most {NOTE_MAX} characters.")
    return note


TASKS_ROOM = "staff_tasks"


def _publish_task(task: StaffTask) -> None:
    """Tell officers watching the task board, and the person it is for, that a task changed.

    The event asks pages to fetch their task lists again (`refresh`), so what each
    reader sees is rendered for them, and says what happened for screen readers.
    """
    data = {
        **_task_data(task),
        "refresh": ["tasks"],
        "announce": f"Task “{task.title}”: {task.status.label.lower()}.",
    }
    publish_to_room_if_known(TASKS_ROOM, "task_changed", data)
    people = {uid for uid in (task.assignee_id, task.holder_id) if uid is not None}
    if people:
        publish_to_users(sorted(people), "task_changed", data)


def publish_to_room_if_known(room: str, event: str, data: dict[str, Any]) -> None:
    """Publish to a room only when live knows the room's kind (registered at start-up)."""
    try:
        from townhall.live.rooms import UnknownRoom, parse_room
    except ImportError:
        return
    try:
        parse_room(room)
    except UnknownRoom:
        return
    publish_to_room(room, event, data)


# --- nearby mode ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NearbyItem:
    """Something nearby mode tells a person about."""

    key: str
    title: str
    link: str
    distance_m: int


def nearby_items(
    user: User, latitude: Any, longitude: Any, now: datetime | None = None
) -> list[NearbyItem]:
    """What lies near a position that `user` has not been told about today.

    At most once a minute per person (TooSoon); the position is used for this
    answer only and never stored, only the time of the request.
    """
    now = now or utcnow()
    lat, lon = parse_position(latitude, longitude)
    settings = db.session.get(AlertSettings, user.id)
    if settings is None:
        settings = AlertSettings(user_id=user.id)
        db.session.add(settings)
    interval = timedelta(
        seconds=current_app.config.get("PLACES_NEARBY_INTERVAL_SECONDS", NEARBY_INTERVAL.seconds)
    )
    if settings.last_nearby_at is not None and now - settings.last_nearby_at < interval:
        raise TooSoon("Nearby mode checks at most once a minute.")
    settings.last_nearby_at = now
    within = current_app.config.get("PLACES_NEARBY_DISTANCE_M", NEARBY_DISTANCE_M)
    found: list[NearbyItem] = []
    for place, distance in places_near(lat, lon, within):
        found.append(
            NearbyItem(
                f"place:{place.id}",
                place.name,
                link_to("places.check_in_page", code=check_in_code(place)),
                round(distance),
            )
        )
        for consultation in consultations_at(user, place):
            found.append(
                NearbyItem(
                    f"consultation:{consultation.id}",
                    f"{consultation.title} (at {place.name})",
                    link_to("consultations.show", consultation_id=consultation.id),
                    round(distance),
                )
            )
    for consultation in consultations_covering(user, lat, lon, within):
        found.append(
            NearbyItem(
                f"consultation:{consultation.id}",
                consultation.title,
                link_to("consultations.show", consultation_id=consultation.id),
                round(haversine_m(lat, lon, consultation.latitude, consultation.longitude)),
            )
        )
    for proposal, distance in proposals_near(user, lat, lon, within):
        found.append(
            NearbyItem(
                f"proposal:{proposal.id}",
                f"Proposal: {proposal.title}",
                link_to("proposals.show_proposal", proposal_id=proposal.id),
                round(distance),
            )
        )
    today = now.date()
    told = set(
        db.session.scalars(
            select(NearbySeen.item).where(NearbySeen.user_id == user.id, NearbySeen.day == today)
        )
    )
    fresh: dict[str, NearbyItem] = {}
    for item in found:
        if item.key not in told and item.key not in fresh:
            fresh[item.key] = item
    for key in fresh:
        db.session.add(NearbySeen(user_id=user.id, item=key, day=today))
    db.session.execute(
        delete(NearbySeen).where(NearbySeen.user_id == user.id, NearbySeen.day < today)
    )
    db.session.flush()
    return list(fresh.values())
