"""The rules of moderation: holding posts to the standards, flags, the queue, sanctions,
appeals and the figures officers read.

Functions take explicit arguments (the acting person, model objects, validated
choices), flush but never commit, write every decision to the audit log in the same
transaction, and raise a `ModerationError` subclass whose message is written for the
person concerned and whose `status` is the HTTP status a page answers with.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urljoin

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from townhall.accounts.models import User
from townhall.database import utcnow
from townhall.extensions import db
from townhall.links import link_to
from townhall.live import MODERATORS_ROOM, disconnect_after_commit, publish_coalesced
from townhall.moderation import audit, permissions
from townhall.moderation.models import (
    Appeal,
    AppealState,
    CaseState,
    Flag,
    ModerationCase,
    ModerationDecision,
    Sanction,
    SanctionKind,
    Verdict,
)
from townhall.moderation.registry import AWAITING_TEXT, ContentKind, get_kind
from townhall.moderation.standards import (
    Action,
    AuthorContext,
    Clause,
    Decision,
    Post,
    RecentPost,
    Span,
    Standards,
    check_flags,
    check_post,
    redact,
)
from townhall.notifications.models import NotificationKind
from townhall.notifications.service import notify
from townhall.wording import ngettext

STANDARDS_KEY = "townhall.standards"
QUEUE_PAGE = 50
# The longest mute or suspension a moderator can give in one go.
MAX_SANCTION = timedelta(days=365)
NOTE_MAX = 2000
# How much of a post a notice quotes to say which post it is about.
EXCERPT_CHARS = 80


# --- errors ----------------------------------------------------------------------


class ModerationError(Exception):
    """Something moderation refuses; the message says why, `status` is the HTTP answer."""

    status = 400


class ContentRejected(ModerationError):
    """The rules reject a post: it is not stored, and its author is told the clauses.

    Carries what the caller needs to record the rejection after rolling back the
    post (see `record_rejection`): the kind, author, text and the decision.
    """

    status = 422

    def __init__(
        self,
        kind: ContentKind,
        decision: Decision,
        *,
        author_id: int | None,
        text: str,
        place: tuple[int | None, str | None],
    ) -> None:
        self.kind = kind
        self.decision = decision
        self.author_id = author_id
        self.text = text
        self.place = place
        first = decision.clauses[0]
        others = [hit.number for hit in decision.clauses[1:]]
        message = (
            f"Your {kind.label} cannot be published as it is. "
            f"It breaks clause {first.number}: {first.title}."
        )
        if first.explanation:
            message += f" {first.explanation}"
        if others:
            message += " " + ngettext(
                "It also breaks clause %(clauses)s.",
                "It also breaks clauses %(clauses)s.",
                len(others),
                clauses=", ".join(others),
            )
        message += " Your text is below so you can change it."
        super().__init__(message)

    @property
    def clause(self) -> str:
        """The first clause broken."""
        return self.decision.clauses[0].number


class Restricted(ModerationError):
    """The author is muted or suspended and cannot post now."""

    status = 403

    def __init__(self, sanction: Sanction) -> None:
        self.sanction = sanction
        super().__init__(restriction_message(sanction))


class ClauseRequired(ModerationError):
    """A flag, rejection or sanction must cite a clause of the standards."""


class ContentNotFound(ModerationError):
    """There is no such post (or no such case) to act on."""

    status = 404


class FlagRefused(ModerationError):
    """This person cannot flag this post (their own, already hidden, or flagged before)."""

    status = 409


class CaseNotQueued(ModerationError):
    """The post is not waiting for a moderator (someone decided it already)."""

    status = 409


class PostDeleted(CaseNotQueued):
    """The post was deleted before a moderator decided: there is nothing to decide."""


class NotYourDecision(ModerationError):
    """A moderator cannot decide on their own post, their own appeal, or an appeal
    against their own decision."""

    status = 403


class SanctionInvalid(ModerationError):
    """The sanction asked for does not make sense (no period, too long, oneself)."""


class SanctionNotAllowed(SanctionInvalid):
    """This moderator may not sanction this person (a fellow moderator: only an admin may)."""

    status = 403


class AppealRefused(ModerationError):
    """This appeal cannot be made (not yours, nothing to appeal, or appealed already)."""

    status = 409


# How a decision shows a clause the standards no longer have.
GONE_CLAUSE = "(no longer in the standards)"


# --- writing once ---------------------------------------------------------------


def _insert_once(model: type, **values: Any) -> bool:
    """Insert a row unless a unique constraint already holds one; say whether it went in.

    INSERT ... ON CONFLICT DO NOTHING on both databases, so two requests racing to
    flag or appeal the same thing get one row and a clear answer, without the
    savepoints that pysqlite would turn into early commits.
    """
    db.session.flush()
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    key = model.__table__.primary_key.columns.values()[0]  # type: ignore[attr-defined]
    statement = insert(model).values(**values).on_conflict_do_nothing().returning(key)
    return db.session.execute(statement).first() is not None


def _lock(row: Any) -> None:
    """Hold `row` until the transaction ends, and read it afresh.

    Decisions are state changes checked against the state they start from: two
    moderators deciding one post at once, or flags arriving together, must each see
    what the one before did. PostgreSQL locks the row (SELECT ... FOR UPDATE).
    SQLite has no row locks, so an UPDATE that changes nothing first takes the
    database's write lock, which the next writer waits for (the busy timeout).
    """
    if db.session.get_bind().dialect.name == "sqlite":
        table = type(row).__table__
        db.session.execute(update(table).where(table.c.id == row.id).values(id=table.c.id))
    db.session.refresh(row, with_for_update=True)


# --- the standards ---------------------------------------------------------------


def current_standards() -> Standards:
    """The standards the app loaded at start-up."""
    return current_app.extensions[STANDARDS_KEY]


def longest_allowed(kind: str, role: str = "citizen") -> int | None:
    """The most characters the standards accept in a post of `kind` by `role`, if limited."""
    return current_standards().max_chars(kind, role)


def clause_or_error(number: str | None, standards: Standards | None = None) -> Clause:
    """The clause with this number; raise ClauseRequired when missing or unknown."""
    standards = standards or current_standards()
    if not number or not number.strip():
        raise ClauseRequired("Choose the clause of the standards that this breaks.")
    try:
        return standards.clause(number.strip())
    except KeyError:
        raise ClauseRequired(f"There is no clause {number.strip()} in the standards.") from None


# --- sanctions in force ----------------------------------------------------------


def restriction_for(user: User | None, now: datetime | None = None) -> Sanction | None:
    """The mute or suspension restricting `user` now (a suspension before a mute)."""
    if user is None or getattr(user, "id", None) is None:
        return None
    now = now or utcnow()
    sanctions = db.session.scalars(
        select(Sanction).where(
            Sanction.user_id == user.id,
            Sanction.kind != SanctionKind.WARN,
            Sanction.lifted_at.is_(None),
            Sanction.starts_at <= now,
            Sanction.ends_at > now,
        )
    ).all()
    if not sanctions:
        return None
    return max(sanctions, key=lambda s: (s.kind is SanctionKind.SUSPEND, s.ends_at))


def restriction_message(sanction: Sanction) -> str:
    """Why and until when a person cannot post, in words."""
    until = _when(sanction.ends_at)
    what = "suspended" if sanction.kind is SanctionKind.SUSPEND else "muted"
    return (
        f"You are {what} until {until} under clause {sanction.clause} of the channel "
        f"standards: {sanction.reason} You can appeal from your moderation page."
    )


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "further notice"
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"


# --- holding a post to the standards ---------------------------------------------


def _author_context(
    author: User | None, standards: Standards, now: datetime, exclude: ModerationCase | None
) -> AuthorContext:
    """What the engine needs to know about the author, from moderation's own records."""
    if author is None:
        return AuthorContext(role="citizen", approved_posts=0, now=now)
    approved = (
        db.session.scalar(
            select(func.count())
            .select_from(ModerationCase)
            .where(
                ModerationCase.author_id == author.id,
                ModerationCase.state.in_(
                    [CaseState.PUBLISHED, CaseState.REVIEW, CaseState.APPROVED]
                ),
            )
        )
        or 0
    )
    recent: list[RecentPost] = []
    window = standards.history_window
    if window:
        statement = select(ModerationCase.original_text, ModerationCase.created_at).where(
            ModerationCase.author_id == author.id,
            ModerationCase.created_at >= now - window,
            ModerationCase.content_id.is_not(None),
        )
        if exclude is not None:
            statement = statement.where(ModerationCase.id != exclude.id)
        recent = [RecentPost(text, at) for text, at in db.session.execute(statement)]
    return AuthorContext(
        role=author.role.value, approved_posts=approved, recent_posts=tuple(recent), now=now
    )


def _matches(decision: Decision) -> list[dict[str, Any]]:
    return [
        {"clause": hit.number, "start": span.start, "end": span.end, "text": span.text}
        for hit in decision.clauses
        for span in hit.spans
    ]


def _subject(case: ModerationCase) -> str:
    return f"{case.kind}:{case.content_id if case.content_id is not None else 'unstored'}"


def _record(
    case: ModerationCase,
    verdict: Verdict,
    clauses: Sequence[str],
    *,
    moderator: User | None = None,
    note: str = "",
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> ModerationDecision:
    """Write one decision on a case and its audit entry; moderators' pages hear of it."""
    decision = ModerationDecision(
        case_id=case.id,
        verdict=verdict,
        clauses=list(clauses),
        note=note,
        moderator_id=moderator.id if moderator else None,
        created_at=now,
    )
    db.session.add(decision)
    db.session.flush()
    audit.append(
        "decision",
        _subject(case),
        {
            "case": case.id,
            "verdict": verdict.value,
            "clauses": list(clauses),
            "state": case.state.value,
            "author": case.author_id,
            "note": note,
            **(extra or {}),
        },
        actor_id=moderator.id if moderator else None,
        now=now,
    )
    if case.state.queued or moderator is not None:
        # Coalesced: a burst of posts (or a bulk decision) refreshes the queue once.
        publish_coalesced(
            MODERATORS_ROOM,
            "queue",
            "queue_changed",
            {"refresh": ["moderation-queue"], "announce": "The moderation queue has changed."},
        )
    return decision


def _tell_author(
    case: ModerationCase,
    text: str,
    link: str | None = None,
    *,
    subject: str,
    happened: str,
    clauses: Sequence[str],
    note: str = "",
    explain: bool = False,
) -> None:
    """Tell a post's author of a decision in the app, and by email unless they chose not.

    `text` is the notice in the app; the email says `happened` in plain words, then
    the clauses cited (number and title, with `explain` their explanations too), the
    moderator's note to the author if any, a link to their moderation page, and how
    to appeal when they can.
    """
    if case.author_id is None:
        return
    notify(
        [case.author_id],
        NotificationKind.MODERATION,
        text,
        link or link_to("moderation.my_moderation"),
        email_subject=subject,
        email_template="moderation_decision",
        happened=happened,
        clauses=_clauses_for_email(clauses, explain=explain),
        note=note,
        full_link=_mine_link(f"case-{case.id}"),
        post_link=_absolute(link) if link and case.state.visible else None,
        may_appeal=_may_appeal(case),
        awaiting=case.state.queued and not case.state.visible,
        **_email_links(),
    )


def _your(kind: ContentKind, case: ModerationCase, *, capital: bool = False) -> str:
    """The post an email is about, in words: your comment on “Library opening hours”."""
    where = f" on “{case.consultation_title}”" if case.consultation_title else ""
    return f"{'Your' if capital else 'your'} {kind.label}{where}"


def _excerpt(text: str, length: int = EXCERPT_CHARS) -> str:
    """The start of a post on one line, to say which post a notice is about."""
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


def awaiting_link(case: ModerationCase) -> str:
    """The address of one post on its author's list of posts awaiting moderation."""
    return f"{link_to('moderation.my_moderation')}#case-{case.id}"


def _mine_link(anchor: str) -> str:
    """The absolute address of a part of the person's moderation page, for email."""
    return f"{link_to('moderation.my_moderation', external=True)}#{anchor}"


def _absolute(path: str) -> str:
    """An address on this site (a path, as content kinds give) made absolute, for email."""
    return urljoin(link_to("moderation.my_moderation", external=True), path)


def _email_links() -> dict[str, str]:
    """The standards and the email choices page, linked from every moderation email."""
    return {
        "standards_link": link_to("moderation.standards", external=True),
        "preferences_link": link_to("notifications.email_preferences", external=True),
    }


def _clauses_for_email(numbers: Iterable[str], *, explain: bool = False) -> list[dict[str, str]]:
    """Each cited clause's number and title, as the author reads them.

    With `explain`, also the clause's explanation: it speaks of what the rules found
    in a post ("you are posting faster than anyone can read"), so it goes with the
    rules' own decisions, not with a moderator's.
    """
    standards = current_standards()
    cited = []
    for number in dict.fromkeys(numbers):
        clause = standards.find(number)
        if clause is None:
            cited.append({"number": number, "title": GONE_CLAUSE})
        else:
            explanation = clause.explanation if explain else ""
            cited.append(
                {"number": clause.number, "title": clause.title, "explanation": explanation}
            )
    return cited


def _may_appeal(case: ModerationCase) -> bool:
    """Whether the author can appeal the decision that now stands on their post."""
    if not _appealable(case):
        return False
    appealed = db.session.scalar(
        select(func.count()).select_from(Appeal).where(Appeal.case_id == case.id)
    )
    return not appealed


def _clause_words(numbers: Iterable[str], standards: Standards) -> str:
    parts = []
    for number in numbers:
        clause = standards.find(number)
        parts.append(f"clause {number} ({clause.title})" if clause else f"clause {number}")
    return "; ".join(parts)


def moderate_post(
    kind_name: str, post: Any, *, is_edit: bool = False, now: datetime | None = None
) -> ModerationCase:
    """Hold a new or edited post to the standards and act on the decision.

    The post must be flushed (it has an id). Allow and review publish it as it is;
    redact publishes it with matches replaced; hold hides it until a moderator
    decides. Raises Restricted when its author is muted or suspended, and
    ContentRejected when the rules reject it: the caller rolls back, and may then
    `record_rejection(error)`.
    """
    kind = get_kind(kind_name)
    now = now or (None if is_edit else kind.posted_at(post)) or utcnow()
    standards = current_standards()
    author_id = kind.author_id(post)
    author = db.session.get(User, author_id) if author_id is not None else None
    sanction = restriction_for(author, now)
    if sanction is not None:
        raise Restricted(sanction)
    text = kind.text(post)
    case = find_case(kind_name, post.id) if is_edit else None
    context = _author_context(author, standards, now, case)
    decision = check_post(standards, Post(text, kind_name, context))
    place = kind.place(post)
    if decision.action is Action.REJECT:
        raise ContentRejected(kind, decision, author_id=author_id, text=text, place=place)

    state = {
        Action.ALLOW: CaseState.PUBLISHED,
        Action.REVIEW: CaseState.REVIEW,
        Action.REDACT: CaseState.PUBLISHED,
        Action.HOLD: CaseState.HELD,
    }[decision.action]
    # Editing a post that is still held does not tell its author again (they were told
    # when it was first held, and it is still waiting).
    already_held = case is not None and case.state is CaseState.HELD
    if case is None:
        case = ModerationCase(kind=kind_name, content_id=post.id, created_at=now)
        db.session.add(case)
    case.author_id = author_id
    case.consultation_id, case.consultation_title = place
    case.original_text = text
    case.published_text = decision.text
    case.state = state
    case.auto_action = decision.action.value
    case.clauses = decision.clause_numbers
    case.matches = _matches(decision)
    case.reasons = [reason for hit in decision.clauses for reason in hit.reasons]
    case.queued_at = now if state.queued else None
    case.decided_at = case.decided_by_id = case.decision_clause = None
    db.session.flush()

    if state is CaseState.HELD:
        kind.hide(post, AWAITING_TEXT)
    elif decision.text != text:
        kind.show(post, decision.text)
    _record(
        case,
        Verdict(decision.action.value),
        decision.clause_numbers,
        now=now,
        extra={"edit": is_edit},
    )

    words = _clause_words(decision.clause_numbers, standards)
    link = kind.link(post)
    yours = _your(kind, case, capital=True)
    cited = decision.clause_numbers
    if decision.action is Action.HOLD and not already_held:
        _tell_author(
            case,
            f"{yours} (“{_excerpt(text)}”) is awaiting moderation under {words}. "
            "Only you can see it until a moderator checks it; they will publish it or "
            "tell you why not.",
            awaiting_link(case),
            subject=f"Your {kind.label} is awaiting moderation",
            happened=f"{yours} is not shown yet: it is waiting for a "
            "moderator, who will publish it or tell you why not.",
            clauses=cited,
            explain=True,
        )
    elif decision.action is Action.REDACT:
        _tell_author(
            case,
            f"Your {kind.label} was published with some text removed under {words}.",
            link,
            subject=f"Your {kind.label} was published with some text removed",
            happened=f"{yours} was published with some text removed.",
            clauses=cited,
            explain=True,
        )
    elif decision.action is Action.REVIEW:
        _tell_author(
            case,
            f"Your {kind.label} is published; a moderator will look at it under {words}.",
            link,
            subject=f"A moderator will look at your {kind.label}",
            happened=f"{yours} is published, and a moderator will look at it.",
            clauses=cited,
            explain=True,
        )
    db.session.flush()
    return case


def record_rejection(error: ContentRejected, now: datetime | None = None) -> ModerationCase:
    """Record a post the rules rejected (after the caller rolled the post back).

    The text is kept in the case, not published, so the figures count it and the
    audit log shows the decision.
    """
    now = now or utcnow()
    decision = error.decision
    case = ModerationCase(
        kind=error.kind.name,
        content_id=None,
        author_id=error.author_id,
        consultation_id=error.place[0],
        consultation_title=error.place[1],
        original_text=error.text,
        published_text=decision.text,
        state=CaseState.REJECTED,
        auto_action=decision.action.value,
        clauses=decision.clause_numbers,
        matches=_matches(decision),
        reasons=[reason for hit in decision.clauses for reason in hit.reasons],
        created_at=now,
    )
    db.session.add(case)
    db.session.flush()
    _record(case, Verdict.REJECT, decision.clause_numbers, now=now)
    return case


def find_case(kind_name: str, content_id: int) -> ModerationCase | None:
    """The case of a stored post, if it has been held to the standards."""
    return db.session.scalar(
        select(ModerationCase).where(
            ModerationCase.kind == kind_name, ModerationCase.content_id == content_id
        )
    )


def is_held(kind_name: str, content_id: int) -> bool:
    """Whether a stored post waits, hidden, for a moderator (rather than decided)."""
    case = find_case(kind_name, content_id)
    return case is not None and case.state is CaseState.HELD


def is_hidden(kind_name: str, content_id: int) -> bool:
    """Whether a stored post shows others a notice while it waits for a moderator
    (held by the rules, or hidden after flags)."""
    case = find_case(kind_name, content_id)
    return case is not None and case.state.queued and not case.state.visible


@dataclass(frozen=True)
class HeldPost:
    """A hidden post's words as its author or a moderator reads them where the post
    lives (everyone else reads the notice in its place)."""

    case_id: int
    text: str
    """What the author wrote (plain text: escape it, or render it as the domain does)."""
    url: str
    """For a moderator, the case page to decide it on; for its author, their list of
    posts awaiting moderation."""
    mine: bool = False
    """Whether the reader wrote it (so the page says only they can see it)."""


_HIDDEN = [state for state in CaseState if state.queued and not state.visible]


def held_posts(kind_name: str, content_ids: Iterable[int], reader: Any) -> dict[int, HeldPost]:
    """The posts among these that wait hidden for a moderator (held by the rules, or
    hidden after flags) and that this reader may read: every one for a moderator,
    their own for anyone else signed in; by post id. Anonymous readers get nothing,
    without a query.

    Domains call this when they show their posts, so the author reads their own words
    (and a moderator what is held) in its place; the post itself keeps showing
    everyone else the notice.
    """
    ids = sorted(set(content_ids))
    if not ids or not getattr(reader, "is_authenticated", False):
        return {}
    moderator = permissions.can(reader, "read_held")
    statement = select(
        ModerationCase.id,
        ModerationCase.content_id,
        ModerationCase.original_text,
        ModerationCase.author_id,
    ).where(
        ModerationCase.kind == kind_name,
        ModerationCase.content_id.in_(ids),
        ModerationCase.state.in_(_HIDDEN),
    )
    if not moderator:
        statement = statement.where(ModerationCase.author_id == reader.id)
    held = {}
    for case_id, content_id, text, author_id in db.session.execute(statement):
        mine = author_id == reader.id
        held[content_id] = HeldPost(
            case_id,
            text,
            link_to("moderation.case", case_id=case_id)
            if moderator and not mine
            else f"{link_to('moderation.my_moderation')}#case-{case_id}",
            mine=mine,
        )
    return held


def authors_words(kind_name: str, post: Any) -> str:
    """What the author of `post` wrote, for the author's own eyes (edit form, export).

    While a post shows others a notice instead of its words (held, hidden after
    flags, removed), its words are in its moderation case; otherwise they are the
    post's own text.
    """
    kind = get_kind(kind_name)
    case = find_case(kind_name, post.id)
    if case is not None and not case.state.visible and case.state is not CaseState.WITHDRAWN:
        return case.original_text
    return kind.text(post)


def withdraw_post(
    kind_name: str, content_id: int, by: User | None, *, now: datetime | None = None
) -> ModerationCase | None:
    """Take a deleted post off the moderation queue: nothing is left to decide on it.

    Domains call this when a post is deleted (by its author or by staff). A case still
    waiting for a moderator becomes WITHDRAWN (written to the audit log); a decided
    case is left as it was. Returns the case, if the post has one.
    """
    now = now or utcnow()
    case = find_case(kind_name, content_id)
    if case is None:
        return None
    _lock(case)
    if not case.state.queued:
        return case
    was = case.state
    case.state = CaseState.WITHDRAWN
    case.queued_at = None
    db.session.flush()
    audit.append(
        "withdrawn",
        _subject(case),
        {"case": case.id, "was": was.value, "author": case.author_id},
        actor_id=by.id if by is not None else None,
        now=now,
    )
    publish_coalesced(
        MODERATORS_ROOM,
        "queue",
        "queue_changed",
        {"refresh": ["moderation-queue"], "announce": "The moderation queue has changed."},
    )
    return case


@dataclass(frozen=True)
class AwaitingPost:
    """One of a person's own posts waiting, hidden, for a moderator."""

    case: ModerationCase
    label: str
    """The kind in words ("comment")."""
    link: str | None
    """Where the post is (None when it is gone)."""


def awaiting_moderation(user: User) -> list[AwaitingPost]:
    """The person's own posts of every kind that wait, hidden, for a moderator, newest first."""
    cases = db.session.scalars(
        select(ModerationCase)
        .where(ModerationCase.author_id == user.id, ModerationCase.state.in_(_HIDDEN))
        .order_by(ModerationCase.created_at.desc(), ModerationCase.id.desc())
        .limit(100)
    ).all()
    awaiting = []
    for case in cases:
        kind = get_kind(case.kind)
        post = load_post(case)
        awaiting.append(
            AwaitingPost(case, kind.label, kind.link(post) if post is not None else None)
        )
    return awaiting


def authors_words_to_export(user: User) -> dict[str, dict[int, dict[str, str]]]:
    """For the person's own data export: the column values that hold their words in
    place of a notice, by table and row id, for each of their posts that shows others
    a notice (held, hidden after flags, removed by a moderator)."""
    restored: dict[str, dict[int, dict[str, str]]] = {}
    cases = db.session.scalars(
        select(ModerationCase).where(
            ModerationCase.author_id == user.id,
            ModerationCase.content_id.is_not(None),
            ModerationCase.state.in_([s for s in CaseState if not s.visible]),
            ModerationCase.state != CaseState.WITHDRAWN,
        )
    )
    for case in cases:
        kind = get_kind(case.kind)
        if kind.stored_as is None or case.content_id is None:
            continue
        table, columns = kind.stored_as
        restored.setdefault(table, {})[case.content_id] = columns(case.original_text)
    return restored


def _case_for(kind: ContentKind, post: Any, now: datetime) -> ModerationCase:
    """The post's case, opened now for a post made before moderation was switched on.

    Two first flags on such a post can arrive together, each finding no case: the
    case is inserted once (ON CONFLICT DO NOTHING on the unique kind and post), and
    whichever request did not insert it reads the one the other made, so both count
    their flag against the same case instead of one failing on the constraint.
    """
    case = find_case(kind.name, post.id)
    if case is not None:
        return case
    text = kind.text(post)
    consultation_id, consultation_title = kind.place(post)
    _insert_once(
        ModerationCase,
        kind=kind.name,
        content_id=post.id,
        author_id=kind.author_id(post),
        consultation_id=consultation_id,
        consultation_title=consultation_title,
        original_text=text,
        published_text=text,
        state=CaseState.PUBLISHED,
        auto_action=Action.ALLOW.value,
        clauses=[],
        matches=[],
        reasons=[],
        created_at=now,
        flag_count=0,
    )
    # Inserted now, or by the request that got there first: there is one either way.
    return db.session.scalars(
        select(ModerationCase).where(
            ModerationCase.kind == kind.name, ModerationCase.content_id == post.id
        )
    ).one()


def load_post(case: ModerationCase) -> Any | None:
    """The post a case is about, or None when it was never stored or is gone."""
    if case.content_id is None:
        return None
    return get_kind(case.kind).load(case.content_id)


# --- community flags -------------------------------------------------------------


def flag_post(
    kind_name: str,
    content_id: int,
    flagger: User,
    clause_number: str | None,
    note: str = "",
    *,
    now: datetime | None = None,
) -> ModerationCase:
    """Flag a published post under a clause; enough distinct flaggers hide it.

    The first flag puts the post in the queue for review; at the standards'
    threshold it is hidden pending a moderator. Raises ClauseRequired,
    ContentNotFound or FlagRefused (own post, already hidden, flagged before).
    """
    now = now or utcnow()
    standards = current_standards()
    clause = clause_or_error(clause_number, standards)
    kind = get_kind(kind_name)
    post = kind.load(content_id)
    if post is None:
        raise ContentNotFound(f"There is no such {kind.label} to flag.")
    if kind.author_id(post) == flagger.id:
        raise FlagRefused(f"You cannot flag your own {kind.label}. You can edit or delete it.")
    case = _case_for(kind, post, now)
    _lock(case)  # flags counted one at a time, so the threshold trips once
    if not case.state.visible:
        raise FlagRefused(f"This {kind.label} is already with the moderators.")
    if not _insert_once(
        Flag,
        case_id=case.id,
        flagger_id=flagger.id,
        clause=clause.number,
        note=note.strip()[:NOTE_MAX],
        created_at=now,
    ):
        raise FlagRefused(f"You have already flagged this {kind.label}. Thank you.")
    case.flag_count = (
        db.session.scalar(select(func.count()).select_from(Flag).where(Flag.case_id == case.id))
        or 0
    )
    hit = check_flags(standards, case.flag_count, kind_name)
    if hit is not None and hit.action.strictness >= Action.HOLD.strictness:
        case.state = CaseState.FLAGGED
        case.queued_at = case.queued_at or now
        kind.hide(post, AWAITING_TEXT)
        db.session.flush()
        flagged = sorted({f.clause for f in flags_of(case)})
        _record(
            case,
            Verdict.FLAGGED,
            [hit.number, *flagged],
            now=now,
            extra={"flaggers": case.flag_count},
        )
        yours = _your(kind, case)
        _tell_author(
            case,
            f"Your {kind.label} is hidden until a moderator has looked at it: "
            f"{_clause_words([hit.number], standards)}.",
            kind.link(post),
            subject=f"Your {kind.label} is hidden until a moderator has looked at it",
            happened=f"Several people flagged {yours}, so it is hidden until a moderator "
            "has looked at it. The moderator will publish it again or tell you why not.",
            clauses=[hit.number],
            explain=True,
        )
    elif case.state is CaseState.PUBLISHED or case.state is CaseState.APPROVED:
        # Flagged, not yet hidden: a moderator should still look.
        case.state = CaseState.REVIEW
        case.queued_at = now
    db.session.flush()
    return case


def flags_of(case: ModerationCase) -> list[Flag]:
    return list(
        db.session.scalars(select(Flag).where(Flag.case_id == case.id).order_by(Flag.created_at))
    )


def decisions_of(case: ModerationCase) -> list[ModerationDecision]:
    """Every decision on a case, the rules' and moderators', oldest first (its history)."""
    return list(
        db.session.scalars(
            select(ModerationDecision)
            .options(selectinload(ModerationDecision.moderator))
            .where(ModerationDecision.case_id == case.id)
            .order_by(ModerationDecision.created_at.asc(), ModerationDecision.id.asc())
        )
    )


def decision_under_appeal(appeal: Appeal) -> ModerationDecision | None:
    """The moderator's decision on the post that the appeal contests (the last one made
    before it was sent), or None for an appeal against a sanction or the rules alone."""
    if appeal.case_id is None:
        return None
    return db.session.scalars(
        select(ModerationDecision)
        .where(
            ModerationDecision.case_id == appeal.case_id,
            ModerationDecision.moderator_id.is_not(None),
            ModerationDecision.created_at <= appeal.created_at,
        )
        .order_by(ModerationDecision.created_at.desc(), ModerationDecision.id.desc())
        .limit(1)
    ).first()


# --- the queue -------------------------------------------------------------------


@dataclass
class Segment:
    """A piece of a post's text, marked when a check matched it."""

    text: str
    clause: str | None = None


@dataclass
class QueueItem:
    """A case in the queue, with what a moderator needs to decide it."""

    case: ModerationCase
    kind: ContentKind
    link: str | None
    segments: list[Segment]
    flags: list[tuple[str, int]] = field(default_factory=list)
    """(clause, how many people) for each clause the post was flagged under."""


def highlight(text: str, matches: Sequence[dict[str, Any]]) -> list[Segment]:
    """Split `text` into plain and matched pieces (overlapping matches merge)."""
    segments: list[Segment] = []
    position = 0
    for match in sorted(matches, key=lambda m: (m["start"], -m["end"])):
        start, end = match["start"], match["end"]
        if end <= position:
            continue
        start = max(start, position)
        if start > position:
            segments.append(Segment(text[position:start]))
        segments.append(Segment(text[start:end], match["clause"]))
        position = end
    if position < len(text):
        segments.append(Segment(text[position:]))
    return segments


def queue(page: int = 1, per_page: int = QUEUE_PAGE) -> tuple[list[QueueItem], int]:
    """Posts waiting for a moderator, oldest first, and how many there are in all.

    Held, flagged and review posts alike; a fixed number of queries per page (the
    cases, their flags, then one load per post through its kind).
    """
    waiting = ModerationCase.state.in_([s for s in CaseState if s.queued])
    total = db.session.scalar(select(func.count()).select_from(ModerationCase).where(waiting)) or 0
    cases = list(
        db.session.scalars(
            select(ModerationCase)
            .where(waiting)
            .order_by(ModerationCase.queued_at.asc(), ModerationCase.id.asc())
            .limit(per_page)
            .offset((max(page, 1) - 1) * per_page)
        )
    )
    counts: dict[int, Counter[str]] = {}
    if cases:
        for case_id, clause in db.session.execute(
            select(Flag.case_id, Flag.clause).where(Flag.case_id.in_([c.id for c in cases]))
        ):
            counts.setdefault(case_id, Counter())[clause] += 1
    items = []
    for case in cases:
        kind = get_kind(case.kind)
        post = load_post(case)
        items.append(
            QueueItem(
                case=case,
                kind=kind,
                link=kind.link(post) if post is not None else None,
                segments=highlight(case.original_text, case.matches),
                flags=sorted(counts.get(case.id, Counter()).items()),
            )
        )
    return items, total


def get_case(case_id: int) -> ModerationCase:
    """The case with this id; raise ContentNotFound."""
    case = db.session.get(ModerationCase, case_id)
    if case is None:
        raise ContentNotFound("There is no such post in moderation.")
    return case


def decide_case(
    case: ModerationCase,
    moderator: User,
    verdict: Verdict,
    *,
    clause_number: str | None = None,
    note: str = "",
    remove_text: Sequence[str] = (),
    now: datetime | None = None,
) -> ModerationDecision:
    """A moderator's decision on a queued post: approve, redact then approve, or reject.

    Approve publishes the post as the standards would (automatic redactions
    applied); redact-approve also removes every highlighted match and any
    `remove_text` the moderator names; remove (reject) takes it down and must cite
    a clause. Raises CaseNotQueued, NotYourDecision (one's own post),
    ClauseRequired, or ContentNotFound when the post is gone.
    """
    now = now or utcnow()
    standards = current_standards()
    _lock(case)  # of two moderators deciding at once, the second finds it decided
    if case.state is CaseState.WITHDRAWN:
        raise PostDeleted(
            f"This {get_kind(case.kind).label} was deleted before anyone decided, "
            "so there is nothing to decide."
        )
    if not case.state.queued:
        raise CaseNotQueued("Someone has already decided on this post.")
    if case.author_id == moderator.id:
        raise NotYourDecision("Another moderator must decide on your own post.")
    if verdict not in (Verdict.APPROVE, Verdict.REDACT_APPROVE, Verdict.REMOVE):
        raise ModerationError("Choose approve, redact and approve, or reject.")
    kind = get_kind(case.kind)
    post = load_post(case)
    if post is None:
        raise ContentNotFound(f"The {kind.label} is no longer there.")
    if kind.deleted(post):
        raise PostDeleted(
            f"This {kind.label} was deleted, so there is nothing to decide "
            "and its author is not told anything."
        )
    # Every check comes before the first change, so a refusal leaves the case as it was.
    if verdict is Verdict.REMOVE or clause_number:
        clauses = [clause_or_error(clause_number, standards).number]
    else:
        clauses = list(case.clauses)
    first_publication = case.state is CaseState.HELD
    if verdict is Verdict.REMOVE:
        clause = standards.clause(clauses[0])
        case.state = CaseState.REJECTED
        kind.hide(post, f"Removed by a moderator under clause {clause.number}: {clause.title}.")
        told = (
            f"Your {kind.label} was not published: it breaks {_clause_words(clauses, standards)}."
        )
        subject = f"Your {kind.label} was removed by a moderator"
        happened = f"A moderator removed {_your(kind, case)}: it is not published."
    else:
        text = case.published_text
        if verdict is Verdict.REDACT_APPROVE:
            text = redact_text(case.original_text, case.matches, remove_text, standards)
            case.published_text = text
        case.state = CaseState.APPROVED
        kind.show(post, text)
        if first_publication and kind.published is not None:
            kind.published(post)
        if verdict is Verdict.REDACT_APPROVE:
            told = (
                f"A moderator published your {kind.label} with some text removed under "
                f"{_clause_words(clauses, standards)}."
            )
            subject = f"Your {kind.label} was published with some text removed"
            happened = f"A moderator published {_your(kind, case)} with some text removed."
        else:
            told = f"A moderator approved your {kind.label}; it is published."
            subject = f"Your {kind.label} is published"
            happened = f"A moderator approved {_your(kind, case)}: it is published."
    case.decided_at = now
    case.decided_by_id = moderator.id
    case.decision_clause = clauses[0] if clauses else None
    db.session.flush()
    decision = _record(case, verdict, clauses, moderator=moderator, note=note.strip(), now=now)
    if note.strip():
        told += f" The moderator said: {note.strip()}"
    _tell_author(
        case,
        told,
        kind.link(post) if case.state.visible else None,
        subject=subject,
        happened=happened,
        clauses=clauses,
        note=note.strip(),
    )
    return decision


def redact_text(
    text: str, matches: Sequence[dict[str, Any]], remove: Sequence[str], standards: Standards
) -> str:
    """Replace every match, and every occurrence of each phrase in `remove`, in `text`."""
    spans = [Span(m["start"], m["end"], m["text"]) for m in matches]
    lowered = text.lower()
    for phrase in (p.strip() for p in remove):
        if not phrase:
            continue
        start = lowered.find(phrase.lower())
        while start != -1:
            spans.append(Span(start, start + len(phrase), text[start : start + len(phrase)]))
            start = lowered.find(phrase.lower(), start + len(phrase))
    replacement = standards.settings.redaction
    return redact(text, [(span, replacement) for span in spans])


@dataclass
class BulkResult:
    """What a bulk action did: how many cases it decided, and why others were skipped."""

    decided: int = 0
    skipped: list[str] = field(default_factory=list)


def decide_cases(
    case_ids: Iterable[int],
    moderator: User,
    verdict: Verdict,
    *,
    clause_number: str | None = None,
    now: datetime | None = None,
) -> BulkResult:
    """Decide several queued posts the same way; each one that cannot be is skipped.

    A missing clause for a rejection refuses the whole action (ClauseRequired),
    since it would be missing for every post.
    """
    if verdict is Verdict.REMOVE:
        clause_or_error(clause_number)
    result = BulkResult()
    for case_id in sorted(set(case_ids)):
        # decide_case checks everything before it changes anything, so a refused
        # case leaves nothing half-done and needs no savepoint.
        try:
            decide_case(get_case(case_id), moderator, verdict, clause_number=clause_number, now=now)
        except ModerationError as error:
            result.skipped.append(f"Post {case_id}: {error}")
        else:
            result.decided += 1
    return result


# --- sanctions -------------------------------------------------------------------


def sanction_user(
    user: User,
    moderator: User,
    kind: SanctionKind,
    clause_number: str | None,
    reason: str,
    *,
    hours: int | None = None,
    case: ModerationCase | None = None,
    now: datetime | None = None,
) -> Sanction:
    """Warn, mute or suspend a person, citing a clause; they are told why and until when.

    Mutes and suspensions need a period of 1 hour to 365 days. Raises
    ClauseRequired or SanctionInvalid (no reason, no period, oneself, a fellow
    moderator when not an admin).
    """
    now = now or utcnow()
    clause = clause_or_error(clause_number)
    reason = " ".join((reason or "").split())
    if not reason:
        raise SanctionInvalid("Say why, in words the person will read.")
    if user.id == moderator.id:
        raise SanctionInvalid("You cannot sanction yourself.")
    if not permissions.can(moderator, "sanction", user):
        raise SanctionNotAllowed("Only an admin can sanction a moderator.")
    ends_at = None
    if kind is not SanctionKind.WARN:
        if not hours or hours < 1:
            raise SanctionInvalid("Give the period in hours (at least 1).")
        period = timedelta(hours=hours)
        if period > MAX_SANCTION:
            raise SanctionInvalid("A sanction can last at most 365 days.")
        ends_at = now + period
    sanction = Sanction(
        user_id=user.id,
        kind=kind,
        clause=clause.number,
        reason=reason if reason.endswith(".") else reason + ".",
        starts_at=now,
        ends_at=ends_at,
        created_by_id=moderator.id,
        case_id=case.id if case else None,
    )
    db.session.add(sanction)
    db.session.flush()
    if kind is SanctionKind.SUSPEND:
        # Their open pages may be following rooms a suspended person cannot read:
        # closing their sockets makes them rejoin, and live's join rule refuses.
        disconnect_after_commit(user.id)
    audit.append(
        "sanction",
        f"user:{user.id}",
        {
            "sanction": sanction.id,
            "kind": kind.value,
            "clause": clause.number,
            "reason": sanction.reason,
            "ends_at": ends_at.isoformat() if ends_at else None,
        },
        actor_id=moderator.id,
        now=now,
    )
    if kind is SanctionKind.WARN:
        text = (
            f"A moderator warned you under clause {clause.number} ({clause.title}): "
            f"{sanction.reason}"
        )
        subject = "A moderator has warned you"
        happened = "A moderator has warned you. This is a warning only."
    elif kind is SanctionKind.MUTE:
        text = restriction_message(sanction)
        subject = f"You are muted until {_when(ends_at)}"
        happened = (
            f"A moderator has muted you until {_when(ends_at)}. Until then you can read "
            "and sign in, but not post."
        )
    else:
        text = restriction_message(sanction)
        subject = f"Your account is suspended until {_when(ends_at)}"
        happened = (
            f"A moderator has suspended your account until {_when(ends_at)}. Until then, "
            "when you sign in you can only read why, read the standards and appeal."
        )
    notify(
        [user.id],
        NotificationKind.MODERATION,
        text,
        link_to("moderation.my_moderation"),
        email_subject=subject,
        email_template="moderation_sanction",
        happened=happened,
        clauses=_clauses_for_email([clause.number]),
        reason=sanction.reason,
        full_link=_mine_link(f"sanction-{sanction.id}"),
        **_email_links(),
    )
    return sanction


# --- appeals ---------------------------------------------------------------------


def _appealable(case: ModerationCase) -> bool:
    """Whether a decision stands against the author that they could contest."""
    if case.content_id is None:  # rejected unstored: they still have their text
        return False
    if case.state is CaseState.REJECTED:
        return True
    return case.state.visible and case.published_text != case.original_text


def appeal_case(
    case: ModerationCase, appellant: User, reason: str, *, now: datetime | None = None
) -> Appeal:
    """Appeal a decision on one's own post, once. Raises AppealRefused."""
    now = now or utcnow()
    if case.author_id != appellant.id:
        raise AppealRefused("You can only appeal decisions on your own posts.")
    if not _appealable(case):
        raise AppealRefused("There is no decision against this post to appeal.")
    return _appeal(
        Appeal(case_id=case.id, original_moderator_id=case.decided_by_id),
        appellant,
        reason,
        f"case:{case.id}",
        now,
    )


def appeal_sanction(
    sanction: Sanction, appellant: User, reason: str, *, now: datetime | None = None
) -> Appeal:
    """Appeal a sanction on oneself, once. Raises AppealRefused."""
    now = now or utcnow()
    if sanction.user_id != appellant.id:
        raise AppealRefused("You can only appeal sanctions on yourself.")
    if sanction.lifted_at is not None:
        raise AppealRefused("This sanction has already been lifted.")
    return _appeal(
        Appeal(sanction_id=sanction.id, original_moderator_id=sanction.created_by_id),
        appellant,
        reason,
        f"sanction:{sanction.id}",
        now,
    )


def _appeal(appeal: Appeal, appellant: User, reason: str, subject: str, now: datetime) -> Appeal:
    reason = (reason or "").strip()
    if not reason:
        raise AppealRefused("Say why the decision should change.")
    values = {
        "case_id": appeal.case_id,
        "sanction_id": appeal.sanction_id,
        "original_moderator_id": appeal.original_moderator_id,
        "appellant_id": appellant.id,
        "reason": reason[:NOTE_MAX],
        "state": AppealState.PENDING,
        "created_at": now,
        "answer": "",
    }
    if not _insert_once(Appeal, **values):
        raise AppealRefused(
            "You have already appealed this decision. Each decision can be appealed once."
        )
    appeal = db.session.scalars(
        select(Appeal).where(
            Appeal.case_id == appeal.case_id
            if appeal.case_id is not None
            else Appeal.sanction_id == appeal.sanction_id
        )
    ).one()
    audit.append(
        "appeal",
        subject,
        {"appeal": appeal.id, "reason": appeal.reason},
        actor_id=appellant.id,
        now=now,
    )
    return appeal


def decide_appeal(
    appeal: Appeal,
    moderator: User,
    uphold: bool,
    answer: str,
    *,
    now: datetime | None = None,
) -> Appeal:
    """Decide an appeal: uphold (reverse the decision) or dismiss, with an answer.

    A different moderator from the one who decided must decide, and never the
    appellant. Raises NotYourDecision, AppealRefused (decided already or no answer).
    """
    now = now or utcnow()
    _lock(appeal)
    if appeal.state is not AppealState.PENDING:
        raise AppealRefused("This appeal has already been decided.")
    if moderator.id == appeal.appellant_id:
        raise NotYourDecision("You cannot decide your own appeal: another moderator must.")
    if appeal.original_moderator_id is not None and moderator.id == appeal.original_moderator_id:
        raise NotYourDecision(
            "You made the decision under appeal, so a different moderator must decide it."
        )
    answer = (answer or "").strip()
    if not answer:
        raise AppealRefused("Give the person your reasons.")
    appeal.state = AppealState.UPHELD if uphold else AppealState.DISMISSED
    appeal.decided_at = now
    appeal.decided_by_id = moderator.id
    appeal.answer = answer[:NOTE_MAX]
    link = link_to("moderation.my_moderation")
    post_link: str | None = None
    subject: str
    if appeal.case_id is not None:
        case = get_case(appeal.case_id)
        subject = f"case:{case.id}"
        kind = get_kind(case.kind)
        # What was appealed, in the author's words, and the clauses its decision cited.
        appealed = f"the decision on {_your(kind, case)}"
        cited = [case.decision_clause] if case.decision_clause else list(case.clauses)
        anchor = f"case-{case.id}"
        reversal = "the decision is reversed"
        if uphold:
            post = load_post(case)
            if post is not None:
                kind.show(post, case.original_text)
                link = kind.link(post)
                post_link = _absolute(link)
                reversal += f" and your {kind.label} is published as you wrote it"
                if kind.published is not None and not _was_published(case):
                    kind.published(post)
            case.published_text = case.original_text
            case.state = CaseState.APPROVED
            case.decided_at = now
            case.decided_by_id = moderator.id
            db.session.flush()
            _record(
                case,
                Verdict.APPROVE,
                [],
                moderator=moderator,
                note=f"appeal upheld: {answer}",
                now=now,
            )
    else:
        sanction = db.session.get_one(Sanction, appeal.sanction_id)
        subject = f"sanction:{sanction.id}"
        appealed, reversal = {
            SanctionKind.WARN: ("the warning you were given", "the warning is withdrawn"),
            SanctionKind.MUTE: ("your mute", "the mute is lifted"),
            SanctionKind.SUSPEND: ("your suspension", "the suspension is lifted"),
        }[sanction.kind]
        cited = [sanction.clause]
        anchor = f"sanction-{sanction.id}"
        if uphold:
            sanction.lifted_at = now
    db.session.flush()
    audit.append(
        "appeal_decided",
        subject,
        {"appeal": appeal.id, "upheld": uphold, "answer": appeal.answer},
        actor_id=moderator.id,
        now=now,
    )
    outcome = "upheld: the decision is reversed" if uphold else "dismissed: the decision stands"
    happened = f"A moderator has decided your appeal against {appealed}. " + (
        f"Your appeal is upheld: {reversal}."
        if uphold
        else "Your appeal is dismissed: the decision stands."
    )
    notify(
        [appeal.appellant_id],
        NotificationKind.MODERATION,
        f"Your appeal was {outcome}. {appeal.answer}",
        link,
        email_subject=f"Your appeal was {'upheld' if uphold else 'dismissed'}",
        email_template="appeal_decided",
        happened=happened,
        upheld=uphold,
        clauses=_clauses_for_email(cited),
        answer=appeal.answer,
        full_link=_mine_link(anchor),
        post_link=post_link,
        **_email_links(),
    )
    return appeal


def _was_published(case: ModerationCase) -> bool:
    """Whether the post was ever on show (so its publication was already announced)."""
    shown = [Verdict.ALLOW, Verdict.REVIEW, Verdict.REDACT, Verdict.APPROVE, Verdict.REDACT_APPROVE]
    return (
        db.session.scalar(
            select(func.count())
            .select_from(ModerationDecision)
            .where(ModerationDecision.case_id == case.id, ModerationDecision.verdict.in_(shown))
        )
        or 0
    ) > 0


def pending_appeals() -> list[Appeal]:
    """Appeals waiting for a moderator, oldest first."""
    return list(
        db.session.scalars(
            select(Appeal)
            .where(Appeal.state == AppealState.PENDING)
            .order_by(Appeal.created_at.asc(), Appeal.id.asc())
        )
    )


def get_appeal(appeal_id: int) -> Appeal:
    """The appeal with this id; raise ContentNotFound."""
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None:
        raise ContentNotFound("There is no such appeal.")
    return appeal


def get_sanction(sanction_id: int) -> Sanction:
    """The sanction with this id; raise ContentNotFound."""
    sanction = db.session.get(Sanction, sanction_id)
    if sanction is None:
        raise ContentNotFound("There is no such sanction.")
    return sanction


@dataclass
class PersonRecord:
    """What a person sees on their own moderation page."""

    cases: list[tuple[ModerationCase, Appeal | None, bool]]
    """Their posts with a decision, their appeal if any, and whether they may appeal."""
    sanctions: list[tuple[Sanction, Appeal | None]]
    restriction: Sanction | None
    notes: dict[int, list[ModerationDecision]] = field(default_factory=dict)
    """By case id, the moderators' decisions on it that carry a note for the author,
    oldest first (an upheld appeal's answer is shown with the appeal instead)."""
    awaiting: list[AwaitingPost] = field(default_factory=list)
    """Their posts waiting, hidden, for a moderator, each with where it is."""


def person_record(user: User, now: datetime | None = None) -> PersonRecord:
    """A person's own held, redacted and rejected posts, sanctions and appeals."""
    now = now or utcnow()
    cases = list(
        db.session.scalars(
            select(ModerationCase)
            .where(
                ModerationCase.author_id == user.id,
                # Posts still waiting are listed apart (awaiting); deleted ones not at all.
                ModerationCase.state.not_in([CaseState.PUBLISHED, CaseState.WITHDRAWN, *_HIDDEN]),
            )
            .order_by(ModerationCase.created_at.desc())
            .limit(100)
        )
    )
    redacted = db.session.scalars(
        select(ModerationCase)
        .where(
            ModerationCase.author_id == user.id,
            ModerationCase.state == CaseState.PUBLISHED,
            ModerationCase.published_text != ModerationCase.original_text,
        )
        .limit(100)
    ).all()
    cases = sorted([*cases, *redacted], key=lambda c: c.created_at, reverse=True)
    appeals = {
        (a.case_id, a.sanction_id): a
        for a in db.session.scalars(select(Appeal).where(Appeal.appellant_id == user.id))
    }
    sanctions = list(
        db.session.scalars(
            select(Sanction).where(Sanction.user_id == user.id).order_by(Sanction.starts_at.desc())
        )
    )
    return PersonRecord(
        cases=[
            (c, appeals.get((c.id, None)), _appealable(c) and (c.id, None) not in appeals)
            for c in cases
        ],
        sanctions=[(s, appeals.get((None, s.id))) for s in sanctions],
        restriction=restriction_for(user, now),
        notes=_notes_for_author(cases, appeals),
        awaiting=awaiting_moderation(user),
    )


def _notes_for_author(
    cases: Sequence[ModerationCase], appeals: dict[tuple[int | None, int | None], Appeal]
) -> dict[int, list[ModerationDecision]]:
    """The moderators' notes on these cases, by case, in one query.

    The decision an upheld appeal records repeats the appeal's answer, which the
    author already reads beside their appeal, so it is left out here.
    """
    if not cases:
        return {}
    notes: dict[int, list[ModerationDecision]] = {}
    for decision in db.session.scalars(
        select(ModerationDecision)
        .where(
            ModerationDecision.case_id.in_([c.id for c in cases]),
            ModerationDecision.moderator_id.is_not(None),
            ModerationDecision.note != "",
        )
        .order_by(ModerationDecision.created_at.asc(), ModerationDecision.id.asc())
    ):
        appeal = appeals.get((decision.case_id, None))
        if (
            appeal is not None
            and appeal.state is AppealState.UPHELD
            and appeal.decided_at == decision.created_at
            and appeal.decided_by_id == decision.moderator_id
        ):
            continue
        notes.setdefault(decision.case_id, []).append(decision)
    return notes


# --- figures for officers --------------------------------------------------------


@dataclass
class Figures:
    """Moderation figures for one consultation, or overall."""

    posts: int
    by_state: dict[str, int]
    by_auto_action: dict[str, int]
    by_clause: list[tuple[str, str, int]]
    """(clause number, title, posts citing it), most cited first."""
    by_verdict: dict[str, int]
    """Moderators' decisions by verdict."""
    median_minutes: float | None
    """Median time from entering the queue to a moderator's decision."""
    appeals: int
    appeals_decided: int
    appeals_upheld: int


@dataclass
class ConsultationFigures:
    """One consultation's row in the figures table."""

    consultation_id: int | None
    title: str
    figures: Figures


def figures(consultation_id: int | None = None, *, everywhere: bool = True) -> Figures:
    """Posts by decision and clause, median time to a decision and appeals upheld."""
    standards = current_standards()
    where = [] if everywhere else [ModerationCase.consultation_id == consultation_id]
    cases = db.session.execute(
        select(
            ModerationCase.id,
            ModerationCase.state,
            ModerationCase.auto_action,
            ModerationCase.clauses,
            ModerationCase.decision_clause,
            ModerationCase.queued_at,
            ModerationCase.decided_at,
        ).where(*where)
    ).all()
    by_state: Counter[str] = Counter(row.state.value for row in cases)
    by_action: Counter[str] = Counter(row.auto_action for row in cases)
    by_clause: Counter[str] = Counter()
    waits = []
    for row in cases:
        cited = set(row.clauses or [])
        if row.decision_clause:
            cited.add(row.decision_clause)
        by_clause.update(cited)
        if row.queued_at is not None and row.decided_at is not None:
            waits.append((row.decided_at - row.queued_at).total_seconds() / 60)
    verdicts = db.session.execute(
        select(ModerationDecision.verdict, func.count())
        .join(ModerationCase, ModerationCase.id == ModerationDecision.case_id)
        .where(ModerationDecision.moderator_id.is_not(None), *where)
        .group_by(ModerationDecision.verdict)
    ).all()
    appeal_rows = db.session.execute(
        select(Appeal.state, func.count())
        .join(ModerationCase, ModerationCase.id == Appeal.case_id)
        .where(*where)
        .group_by(Appeal.state)
    ).all()
    if everywhere:  # appeals against sanctions belong to no consultation
        appeal_rows = db.session.execute(
            select(Appeal.state, func.count()).group_by(Appeal.state)
        ).all()
    appeal_counts = {state: count for state, count in appeal_rows}

    def title(number: str) -> str:
        clause = standards.find(number)
        return clause.title if clause else GONE_CLAUSE

    return Figures(
        posts=len(cases),
        by_state={s.value: by_state.get(s.value, 0) for s in CaseState},
        by_auto_action={a.value: by_action.get(a.value, 0) for a in Action},
        by_clause=[(n, title(n), c) for n, c in sorted(by_clause.items(), key=lambda i: -i[1])],
        by_verdict={v.value: c for v, c in verdicts},
        median_minutes=statistics.median(waits) if waits else None,
        appeals=sum(appeal_counts.values()),
        appeals_decided=appeal_counts.get(AppealState.UPHELD, 0)
        + appeal_counts.get(AppealState.DISMISSED, 0),
        appeals_upheld=appeal_counts.get(AppealState.UPHELD, 0),
    )


def figures_by_consultation() -> list[ConsultationFigures]:
    """Figures for each consultation that has moderated posts, busiest first."""
    rows = db.session.execute(
        select(ModerationCase.consultation_id, func.max(ModerationCase.consultation_title))
        .where(ModerationCase.consultation_id.is_not(None))
        .group_by(ModerationCase.consultation_id)
    ).all()
    result = [
        ConsultationFigures(cid, title or f"Consultation {cid}", figures(cid, everywhere=False))
        for cid, title in rows
    ]
    return sorted(result, key=lambda r: -r.figures.posts)
