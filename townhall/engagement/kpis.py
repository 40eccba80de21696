"""The KPI catalogue: every indicator the platform can measure, each one SQL aggregate.

An indicator is a function of a scope (one consultation, one area, or the whole
council) and a half-open period `[start, end)`; it returns a number, or None when
there is nothing to measure yet (no questions were due, no vote was held). Each
function issues a fixed number of queries whatever the size of the council, so the
council-wide dashboard costs the same number of queries for 10 comments or 100,000.

Indicators name what they count in plain words; `better` says which way is good, so
a KPI's status (on track, at risk, missed) is derived from its figure and target.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    distinct,
    exists,
    func,
    literal,
    or_,
    select,
    union,
    union_all,
)

from townhall.accounts.models import RoleChange, User
from townhall.accounts.permissions import Role
from townhall.consultations.models import Announcement, Audience, Consultation, Follow, Outcome
from townhall.database import utcnow
from townhall.dialogue.models import Comment
from townhall.extensions import db
from townhall.moderation.models import Appeal, AppealState, CaseState, ModerationCase
from townhall.notifications.models import Notification, NotificationKind
from townhall.places.models import CheckIn, CheckInCount, Place, PlaceConsultation
from townhall.proposals.models import (
    Ballot,
    Eligibility,
    HomeLocation,
    Proposal,
    ProposalStatus,
    Support,
    Vote,
)

# Roles counted as residents reached: the people a council engages, not its own runners.
RESIDENT_ROLES = (Role.CITIZEN, Role.STAFF)
STAFF_ROLES = (Role.STAFF, Role.MODERATOR, Role.OFFICER, Role.ADMIN)
# Where moderation let the public read a post (published, approved, or published and
# waiting for review): held, flagged-hidden and refused posts are not counted as said.
VISIBLE_STATES = [state for state in CaseState if state.visible]


class Unit(enum.StrEnum):
    """What an indicator's number is, which also fixes the kind of target it takes."""

    COUNT = "count"  # a whole number of people or things
    PERCENT = "percent"  # 0 to 100
    DAYS = "days"  # a duration in days, fractions allowed

    @property
    def suffix(self) -> str:
        return {"count": "", "percent": "%", "days": " days"}[self.value]


class Better(enum.StrEnum):
    """Which way an indicator should move."""

    HIGHER = "higher"
    LOWER = "lower"


@dataclass(frozen=True)
class Scope:
    """What a figure is about: one consultation, one area, or (neither) the council."""

    consultation_id: int | None = None
    area_id: int | None = None

    @property
    def key(self) -> str:
        """A short stable name, for cache keys and file names."""
        if self.consultation_id is not None:
            return f"consultation-{self.consultation_id}"
        if self.area_id is not None:
            return f"area-{self.area_id}"
        return "council"

    def consultation_ids(self) -> Select:
        """The ids of the consultations in scope, as a subquery-able select."""
        statement = select(Consultation.id)
        if self.consultation_id is not None:
            return statement.where(Consultation.id == self.consultation_id)
        if self.area_id is not None:
            return statement.where(
                or_(
                    Consultation.process_area_id == self.area_id,
                    Consultation.service_area_id == self.area_id,
                )
            )
        return statement

    def holds(self, column: ColumnElement) -> ColumnElement[bool]:
        """A condition: `column` (a consultation id) is in scope."""
        if self.consultation_id is not None:
            return column == self.consultation_id
        if self.area_id is None:
            return literal(True)
        return column.in_(self.consultation_ids())


Compute = Callable[[Scope, datetime, datetime], float | None]


@dataclass(frozen=True)
class Indicator:
    """One entry of the catalogue."""

    key: str
    label: str
    description: str
    unit: Unit
    better: Better
    compute: Compute
    # The domain module the figure comes from, shown beside it.
    source: str
    # Whether the figure is a total that grows through the period (so part-way
    # through, the target is pro-rated) rather than a rate or a duration.
    cumulative: bool = False


CATALOGUE: dict[str, Indicator] = {}


def indicator(
    key: str,
    label: str,
    description: str,
    *,
    unit: Unit = Unit.COUNT,
    better: Better = Better.HIGHER,
    source: str,
) -> Callable[[Compute], Compute]:
    """Add the decorated function to the catalogue under `key`."""

    def register(compute: Compute) -> Compute:
        CATALOGUE[key] = Indicator(
            key=key,
            label=label,
            description=description,
            unit=unit,
            better=better,
            compute=compute,
            source=source,
            cumulative=unit is Unit.COUNT,
        )
        return compute

    return register


def _scalar(statement: Select) -> float | None:
    value = db.session.scalar(statement)
    return None if value is None else float(value)


def _percent(row: Sequence[Any]) -> float | None:
    """A (count, matching) row as a percentage to one place; None when nothing counted."""
    total, matching = row
    if not total:
        return None
    return round(100.0 * (matching or 0) / total, 1)


def _days_between(later: ColumnElement, earlier: ColumnElement) -> ColumnElement[float]:
    """The days from `earlier` to `later` as a number, on SQLite or PostgreSQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def public(kind: str, content_id: ColumnElement) -> ColumnElement[bool]:
    """A condition: the post of moderation kind `kind` with id `content_id` is one the
    public could read (no case, or a case whose state is visible).

    A correlated NOT EXISTS on the (kind, content_id) unique index, so an aggregate
    stays one query; `moderation.service.is_held` answers the same per post.
    """
    hidden = select(ModerationCase.id).where(
        ModerationCase.kind == kind,
        ModerationCase.content_id == content_id,
        ModerationCase.state.not_in(VISIBLE_STATES),
    )
    return ~exists(hidden)


def _within(column: ColumnElement, start: datetime | None, end: datetime) -> ColumnElement[bool]:
    """A condition: `column` falls in `[start, end)` (no lower bound when `start` is None)."""
    if start is None:
        return column < end
    return and_(column >= start, column < end)


# --- what counts ------------------------------------------------------------------
# One definition of each kind of thing a figure counts, used by every figure that
# counts it: the indicators below, who took part, the dashboard's weekly series and
# figures by area, and the report. So the figures on one dashboard agree: the weekly
# series sums to the total over the same weeks, and the areas to the council's.


def comment_counts() -> ColumnElement[bool]:
    """A condition on `Comment`: a comment that counts, one the public can read now.

    Not deleted (it shows "[deleted]"), and published by moderation (no case, or a
    case published, approved or in review; not held, hidden after flags or refused).
    """
    return and_(Comment.deleted_at.is_(None), public("comment", Comment.id))


def proposal_counts() -> ColumnElement[bool]:
    """A condition on `Proposal`: a proposal that counts, one the public can read now.

    Not hidden (status HIDDEN: moderation holds it, hid it after flags or removed it,
    and its page is kept from the public), and published by moderation.
    """
    return and_(Proposal.status != ProposalStatus.HIDDEN, public("proposal", Proposal.id))


@dataclass(frozen=True)
class Counted:
    """One kind of thing the figures count: its rows that count, when each happened,
    and the consultation it belongs to.

    `select(*columns)` reads `columns` from the rows that count (joined to whatever
    the definition needs); `rows(scope, start, end, *columns)` narrows that to the
    scope and the period. Every figure of the kind starts from one of the two.
    """

    # select(*columns) FROM the kind's tables WHERE the row counts
    source: Callable[..., Select]
    at: ColumnElement[datetime]
    consultation_id: ColumnElement[int]

    def select(self, *columns: Any) -> Select:
        """`columns` of the rows that count, in any scope and period."""
        return self.source(*columns)

    def rows(self, scope: Scope, start: datetime | None, end: datetime, *columns: Any) -> Select:
        """`columns` of the rows that count in `scope` and `[start, end)` (`start` None:
        from the beginning)."""
        return self.select(*columns).where(
            scope.holds(self.consultation_id), _within(self.at, start, end)
        )


# Comments and replies the public can read (see `comment_counts`).
COMMENTS = Counted(
    lambda *columns: select(*columns).select_from(Comment).where(comment_counts()),
    Comment.created_at,
    Comment.consultation_id,
)
# Proposals the public can read (see `proposal_counts`).
PROPOSALS = Counted(
    lambda *columns: select(*columns).select_from(Proposal).where(proposal_counts()),
    Proposal.created_at,
    Proposal.consultation_id,
)
# Supports of proposals that count: a support of a proposal moderation later held or
# removed stops counting with the proposal (and counts again if it is published).
SUPPORTS = Counted(
    lambda *columns: (
        select(*columns)
        .select_from(Support)
        .join(Proposal, Proposal.id == Support.proposal_id)
        .where(proposal_counts())
    ),
    Support.created_at,
    Proposal.consultation_id,
)
# Every ballot cast counts: votes are set up by officers, and ballots are neither
# moderated nor withdrawn (a changed ballot stays one ballot, counted when first cast).
BALLOTS = Counted(
    lambda *columns: select(*columns).select_from(Ballot).join(Vote, Vote.id == Ballot.vote_id),
    Ballot.cast_at,
    Vote.consultation_id,
)
# Announcements the public can read: officers' posts are held to the standards too, and
# one held or refused was never seen. No figure counts them; the stage map does.
ANNOUNCEMENTS = Counted(
    lambda *columns: (
        select(*columns).select_from(Announcement).where(public("announcement", Announcement.id))
    ),
    Announcement.created_at,
    Announcement.consultation_id,
)


# --- who took part ----------------------------------------------------------------


def contributions(scope: Scope, start: datetime | None, end: datetime) -> Select:
    """Every contribution in scope and period as rows of (user_id, at); `start` None
    means from the beginning.

    A contribution is a comment or reply, a proposal, a support or a ballot, counted
    as the figures count them (`COMMENTS`, `PROPOSALS`, `SUPPORTS`, `BALLOTS`): what
    the public can read now. Someone whose only words were deleted, or held, hidden
    or refused by moderation, or who only supported a proposal moderation took down,
    is not counted as taking part: the dashboard counts none of what they did.
    """
    return union_all(
        COMMENTS.rows(
            scope, start, end, Comment.author_id.label("user_id"), Comment.created_at.label("at")
        ),
        PROPOSALS.rows(
            scope, start, end, Proposal.author_id.label("user_id"), Proposal.created_at.label("at")
        ),
        SUPPORTS.rows(
            scope, start, end, Support.user_id.label("user_id"), Support.created_at.label("at")
        ),
        BALLOTS.rows(
            scope, start, end, Ballot.voter_id.label("user_id"), Ballot.cast_at.label("at")
        ),
    )


def _participant_ids(scope: Scope, start: datetime, end: datetime) -> Select:
    """The distinct people who contributed in scope and period (no NULL authors)."""
    rows = contributions(scope, start, end).subquery()
    return select(rows.c.user_id).where(rows.c.user_id.is_not(None)).distinct()


@indicator(
    "participants",
    "Participants",
    "Everyone who commented, replied, proposed, supported or voted, council officers, "
    "moderators and admins included (an officer's official response counts), counted as "
    "the other figures count those (comments and proposals the public can read: not "
    "deleted, held, hidden or refused; supports of such proposals only). Unique residents "
    "reached leaves the council's own people out, so it can be lower.",
    source="dialogue, proposals",
)
def participants(scope: Scope, start: datetime, end: datetime) -> float | None:
    ids = _participant_ids(scope, start, end).subquery()
    return _scalar(select(func.count()).select_from(ids))


@indicator(
    "residents_reached",
    "Unique residents reached",
    "Citizens and staff who took part in, or began following, a consultation: not "
    "officers, moderators or admins, whom Participants counts, and with those who only "
    "followed, whom Participants does not.",
    source="dialogue, proposals, consultations",
)
def residents_reached(scope: Scope, start: datetime, end: datetime) -> float | None:
    followers = select(Follow.user_id).where(
        scope.holds(Follow.consultation_id), Follow.created_at >= start, Follow.created_at < end
    )
    reached = union(_participant_ids(scope, start, end), followers).subquery()
    return _scalar(
        select(func.count())
        .select_from(reached)
        .join(User, User.id == reached.c.user_id)
        .where(User.role.in_(RESIDENT_ROLES))
    )


@indicator(
    "new_participants",
    "New participants",
    "People whose first contribution here (a comment, reply, proposal or support the "
    "public can read, or a ballot, in the consultations in scope) fell in the period, "
    "whenever their account was made. Signing up without taking part does not count.",
    source="dialogue, proposals",
)
def new_participants(scope: Scope, start: datetime, end: datetime) -> float | None:
    # Everything anyone contributed in scope up to the period's end, each person's
    # earliest: new when that earliest falls in the period. One query.
    rows = contributions(scope, None, end).subquery()
    firsts = (
        select(rows.c.user_id)
        .where(rows.c.user_id.is_not(None))
        .group_by(rows.c.user_id)
        .having(func.min(rows.c.at) >= start)
        .subquery()
    )
    return _scalar(select(func.count()).select_from(firsts))


# --- what was said --------------------------------------------------------------------


def _comments(scope: Scope, start: datetime, end: datetime, *, replies: bool) -> float | None:
    depth = Comment.depth > 0 if replies else Comment.depth == 0
    return _scalar(COMMENTS.rows(scope, start, end, func.count(Comment.id)).where(depth))


@indicator(
    "comments",
    "Comments",
    "Comments that start a thread, as the public could read them (not deleted, and not "
    "held, hidden or refused by moderation).",
    source="dialogue",
)
def comments(scope: Scope, start: datetime, end: datetime) -> float | None:
    return _comments(scope, start, end, replies=False)


@indicator(
    "replies",
    "Replies",
    "Replies within threads, as the public could read them (not deleted, and not held, "
    "hidden or refused by moderation).",
    source="dialogue",
)
def replies(scope: Scope, start: datetime, end: datetime) -> float | None:
    return _comments(scope, start, end, replies=True)


@indicator(
    "proposals",
    "Proposals",
    "Proposals put forward that the public can read (not held, hidden or refused by moderation).",
    source="proposals",
)
def proposals(scope: Scope, start: datetime, end: datetime) -> float | None:
    return _scalar(PROPOSALS.rows(scope, start, end, func.count(Proposal.id)))


@indicator(
    "supports",
    "Supports",
    "Supports given to proposals the public can read (not those of proposals held, hidden "
    "or refused by moderation).",
    source="proposals",
)
def supports(scope: Scope, start: datetime, end: datetime) -> float | None:
    return _scalar(SUPPORTS.rows(scope, start, end, func.count(Support.id)))


# --- deciding ---------------------------------------------------------------------------


@indicator("ballots_cast", "Ballots cast", "Ballots cast in votes.", source="proposals")
def ballots_cast(scope: Scope, start: datetime, end: datetime) -> float | None:
    return _scalar(BALLOTS.rows(scope, start, end, func.count(Ballot.id)))


def _vote_closed() -> ColumnElement[datetime]:
    """When a vote closed: its closing time, or earlier if an officer closed it early."""
    return case(
        (and_(Vote.closed_at.is_not(None), Vote.closed_at < Vote.closes_at), Vote.closed_at),
        else_=Vote.closes_at,
    )


def _eligible_at(at: ColumnElement[datetime]) -> ColumnElement[bool]:
    """A condition: the user could vote at `at` (account made and email verified by then,
    and not disabled then). Accounts record only their current disabling, so one
    disabled and re-enabled before `at` counts as active, as it was."""
    return and_(
        User.created_at <= at,
        User.email_verified_at.is_not(None),
        User.email_verified_at <= at,
        or_(User.disabled_at.is_(None), User.disabled_at > at),
    )


def _role_at(at: ColumnElement[datetime]) -> ColumnElement:
    """A user's role at `at`, from the dated role changes: the last change's new role by
    then; failing that, the role before the first later change; failing that (never
    changed), the role now."""
    before = (
        select(RoleChange.new_role)
        .where(RoleChange.user_id == User.id, RoleChange.changed_at <= at)
        .order_by(RoleChange.changed_at.desc(), RoleChange.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    after = (
        select(RoleChange.old_role)
        .where(RoleChange.user_id == User.id, RoleChange.changed_at > at)
        .order_by(RoleChange.changed_at, RoleChange.id)
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(before, after, User.role)


@indicator(
    "turnout",
    "Turnout",
    "Ballots cast as a share of the people eligible when each vote closed, over votes open "
    "in the period. Eligible: accounts made and verified by the close and not disabled "
    "then (an account disabled and re-enabled since is counted as active); staff votes "
    "count staff by their role then, from the dated role changes; area votes count homes "
    "declared before the vote opened inside the area.",
    unit=Unit.PERCENT,
    source="proposals, accounts",
)
def turnout(scope: Scope, start: datetime, end: datetime) -> float | None:
    """Sum of ballots over sum of eligible people, across votes open during the period.

    Eligible people are counted as they were when the vote closed (see the
    description), in the same query as the votes: a correlated count per vote. For a
    vote still open the close is in the future, which counts the people eligible now.
    """
    from townhall.proposals.permissions import distance_m

    ballots = (
        BALLOTS.select(Ballot.vote_id, func.count(Ballot.id).label("n"))
        .group_by(Ballot.vote_id)
        .subquery()
    )
    closed = _vote_closed()
    eligible_then = _eligible_at(closed)
    everyone = select(func.count(User.id)).where(eligible_then).correlate(Vote).scalar_subquery()
    staff = (
        select(func.count(User.id))
        .where(eligible_then, _role_at(closed).in_(STAFF_ROLES))
        .correlate(Vote)
        .scalar_subquery()
    )
    # Only the count a vote's rule needs is made (area votes count homes below).
    eligible_by_rule = case(
        (Vote.eligibility == Eligibility.AREA_RESIDENTS, None),
        (
            or_(Vote.eligibility == Eligibility.STAFF, Consultation.audience == Audience.STAFF),
            staff,
        ),
        else_=everyone,
    )
    votes = db.session.execute(
        select(
            Vote.eligibility,
            Vote.opens_at,
            Consultation.latitude,
            Consultation.longitude,
            Consultation.radius_m,
            func.coalesce(ballots.c.n, 0),
            eligible_by_rule,
            closed,
        )
        .join(Consultation, Consultation.id == Vote.consultation_id)
        .outerjoin(ballots, ballots.c.vote_id == Vote.id)
        .where(scope.holds(Vote.consultation_id), Vote.opens_at < end, Vote.closes_at >= start)
    ).all()
    if not votes:
        return None
    homes = None
    cast_total = eligible_total = 0
    for eligibility, opens_at, lat, lon, radius, cast_n, eligible, closed_at in votes:
        if eligibility is Eligibility.AREA_RESIDENTS:
            if homes is None:  # one query, only when an area vote needs it
                homes = db.session.execute(
                    select(
                        HomeLocation.latitude,
                        HomeLocation.longitude,
                        HomeLocation.declared_at,
                        User.created_at,
                        User.email_verified_at,
                        User.disabled_at,
                    ).join(User, User.id == HomeLocation.user_id)
                ).all()
            eligible = sum(
                1
                for h_lat, h_lon, declared, created, verified, disabled in homes
                if lat is not None
                and lon is not None
                and radius is not None
                and declared <= opens_at
                and created <= closed_at
                and verified is not None
                and verified <= closed_at
                and (disabled is None or disabled > closed_at)
                and distance_m(h_lat, h_lon, lat, lon) <= radius
            )
        cast_total += cast_n
        eligible_total += eligible
    if eligible_total == 0:
        return None
    return round(100.0 * cast_total / eligible_total, 1)


# --- answering ----------------------------------------------------------------------------


@indicator(
    "responses_on_time",
    "Questions answered within the standard",
    "Questions answered officially by their due date (the consultation's response "
    "standard), as a share of the questions asked in the period that are answered or due "
    "(questions the public can read: not deleted, held, hidden or refused).",
    unit=Unit.PERCENT,
    source="dialogue",
)
def responses_on_time(scope: Scope, start: datetime, end: datetime) -> float | None:
    now = utcnow()
    on_time = cast(
        and_(Comment.answered_at.is_not(None), Comment.answered_at <= Comment.question_due_at),
        db.Integer,
    )
    row = db.session.execute(
        COMMENTS.rows(scope, start, end, func.count(Comment.id), func.sum(on_time)).where(
            Comment.is_question.is_(True),
            Comment.question_due_at.is_not(None),
            # A question not yet due and not yet answered cannot be judged.
            or_(Comment.answered_at.is_not(None), Comment.question_due_at <= now),
        )
    ).one()
    return _percent(row)


@indicator(
    "response_days",
    "Average days to an official response",
    "Days from a question to its first official response, for questions answered in the "
    "period (calendar days; the standard itself counts working days; questions the public "
    "can read only: not deleted, held, hidden or refused).",
    unit=Unit.DAYS,
    better=Better.LOWER,
    source="dialogue",
)
def response_days(scope: Scope, start: datetime, end: datetime) -> float | None:
    # Counted by when they were answered, so from COMMENTS.select, not .rows.
    value = _scalar(
        COMMENTS.select(func.avg(_days_between(Comment.answered_at, Comment.created_at))).where(
            scope.holds(Comment.consultation_id),
            Comment.is_question.is_(True),
            _within(Comment.answered_at, start, end),
        )
    )
    return None if value is None else round(value, 2)


@indicator(
    "outcome_days",
    "Longest wait from close to outcome",
    "For consultations closed in the period that publish an outcome: the most days any "
    "waited from closing to its outcome (still waiting: days until now).",
    unit=Unit.DAYS,
    better=Better.LOWER,
    source="consultations",
)
def outcome_days(scope: Scope, start: datetime, end: datetime) -> float | None:
    now = utcnow()
    published = func.coalesce(Outcome.published_at, literal(now, type_=Consultation.closed_at.type))
    value = _scalar(
        select(func.max(_days_between(published, Consultation.closed_at)))
        .select_from(Consultation)
        .outerjoin(Outcome, Outcome.consultation_id == Consultation.id)
        .where(
            scope.holds(Consultation.id),
            Consultation.uses_outcome.is_(True),
            Consultation.closed_at >= start,
            Consultation.closed_at < end,
        )
    )
    return None if value is None else round(max(value, 0.0), 1)


# --- reach ------------------------------------------------------------------------------


@indicator(
    "notification_reach",
    "Notification reach",
    "Different people sent a notification about a consultation in scope (news, replies, "
    "answers, outcomes; not moderation decisions).",
    source="notifications",
)
def notification_reach(scope: Scope, start: datetime, end: datetime) -> float | None:
    in_period = and_(
        Notification.created_at >= start,
        Notification.created_at < end,
        # Being told a moderation decision about one's own post is not being reached.
        Notification.kind != NotificationKind.MODERATION,
    )
    if scope.consultation_id is None and scope.area_id is None:
        return _scalar(select(func.count(distinct(Notification.user_id))).where(in_period))
    # Notifications name their consultation only by link (/consultations/<id>...).
    return _scalar(
        select(func.count(distinct(Notification.user_id)))
        .select_from(Notification)
        .join(Consultation, about_consultation(Notification.link))
        .where(in_period, scope.holds(Consultation.id))
    )


# --- moderation ----------------------------------------------------------------------------


@indicator(
    "moderated_share",
    "Posts moderated",
    "Posts the standards held, refused or sent for review, or a moderator decided on, as a "
    "share of all posts held to the standards (held and refused posts included: they are "
    "what this measures).",
    unit=Unit.PERCENT,
    better=Better.LOWER,
    source="moderation",
)
def moderated_share(scope: Scope, start: datetime, end: datetime) -> float | None:
    touched = cast(
        or_(ModerationCase.state != CaseState.PUBLISHED, ModerationCase.decided_at.is_not(None)),
        db.Integer,
    )
    row = db.session.execute(
        select(func.count(ModerationCase.id), func.sum(touched)).where(
            scope.holds(ModerationCase.consultation_id),
            ModerationCase.created_at >= start,
            ModerationCase.created_at < end,
        )
    ).one()
    return _percent(row)


@indicator(
    "appeals_upheld",
    "Appeals upheld",
    "Appeals decided in the period that were upheld (the decision reversed), as a share of "
    "appeals decided. Appeals against sanctions count for the whole council only.",
    unit=Unit.PERCENT,
    better=Better.LOWER,
    source="moderation",
)
def appeals_upheld(scope: Scope, start: datetime, end: datetime) -> float | None:
    upheld = cast(Appeal.state == AppealState.UPHELD, db.Integer)
    statement = select(func.count(Appeal.id), func.sum(upheld)).where(
        Appeal.state != AppealState.PENDING,
        Appeal.decided_at >= start,
        Appeal.decided_at < end,
    )
    if scope.consultation_id is not None or scope.area_id is not None:
        statement = statement.join(ModerationCase, ModerationCase.id == Appeal.case_id).where(
            scope.holds(ModerationCase.consultation_id)
        )
    row = db.session.execute(statement).one()
    return _percent(row)


# --- places: check-ins and nearby notifications (stages 5 and 6) --------------------------


def _place_ids(scope: Scope) -> Select | None:
    """The places in scope, or None for every place (the council).

    A place belongs to a consultation an officer linked to it, and to an area when it
    serves that area or hosts a consultation of that area.
    """
    if scope.consultation_id is None and scope.area_id is None:
        return None
    linked = select(PlaceConsultation.place_id).where(
        scope.holds(PlaceConsultation.consultation_id)
    )
    if scope.area_id is None:
        return linked
    return union(linked, select(Place.id).where(Place.service_area_id == scope.area_id))


@indicator(
    "check_ins",
    "Check-ins",
    "Check-ins at the council's public places (kept ones, and the daily counts that "
    "remain once old check-ins are reduced).",
    source="places",
)
def check_ins(scope: Scope, start: datetime, end: datetime) -> float | None:
    places = _place_ids(scope)
    kept = select(func.count(CheckIn.id)).where(
        CheckIn.created_at >= start, CheckIn.created_at < end
    )
    reduced = select(func.coalesce(func.sum(CheckInCount.count), 0)).where(
        CheckInCount.day >= start.date(), CheckInCount.day < end.date()
    )
    if places is not None:
        kept = kept.where(CheckIn.place_id.in_(places))
        reduced = reduced.where(CheckInCount.place_id.in_(places))
    return _scalar(select(kept.scalar_subquery() + reduced.scalar_subquery()))


def about_consultation(link: ColumnElement) -> ColumnElement[bool]:
    """A condition: a notification `link` points at the correlated consultation's pages."""
    page = literal("/consultations/") + cast(Consultation.id, String)
    return or_(link == page, link.like(page + literal("/%")))


@indicator(
    "nearby_reach",
    "Nearby notification reach",
    "Different people told of a consultation because it is near an area they saved.",
    source="places, notifications",
)
def nearby_reach(scope: Scope, start: datetime, end: datetime) -> float | None:
    in_period = and_(
        Notification.kind == NotificationKind.AREA_ALERT,
        Notification.created_at >= start,
        Notification.created_at < end,
    )
    if scope.consultation_id is None and scope.area_id is None:
        return _scalar(select(func.count(distinct(Notification.user_id))).where(in_period))
    return _scalar(
        select(func.count(distinct(Notification.user_id)))
        .select_from(Notification)
        .join(Consultation, about_consultation(Notification.link))
        .where(in_period, scope.holds(Consultation.id))
    )


def compute(key: str, scope: Scope, start: datetime, end: datetime) -> float | None:
    """The figure of indicator `key` for `scope` over `[start, end)`."""
    return CATALOGUE[key].compute(scope, start, end)
