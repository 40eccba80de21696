"""Display names held to the standards (the "display_name" kind).

Accounts sits below moderation and cannot call it, so moderation watches the user
table instead: before a flush writes a new account or a changed display name, the
name is checked. A rejected name stops the flush (`ContentRejected`: the sign-up form
shows the clause); a held one is stored as PLACEHOLDER until a moderator approves it,
and the name asked for waits in the moderation case.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from townhall.accounts.models import User
from townhall.accounts.permissions import Role
from townhall.accounts.service import register_display_name_check
from townhall.database import utcnow
from townhall.extensions import db
from townhall.links import link_to
from townhall.moderation import audit
from townhall.moderation.models import CaseState, ModerationCase, ModerationDecision, Verdict
from townhall.moderation.registry import ContentKind, register_kind
from townhall.moderation.standards import Action, AuthorContext, Post, check_post

KIND = "display_name"
#: What a person is called while a moderator looks at the name they chose.
PLACEHOLDER = "New member"
_PENDING = "moderation.pending_names"


def _show(user: User, name: str) -> None:
    # Mark the name as decided, so the check below does not hold it again.
    user._moderation_approved_name = name  # type: ignore[attr-defined]
    user.display_name = name


def _hide(user: User, _notice: str) -> None:
    user._moderation_approved_name = PLACEHOLDER  # type: ignore[attr-defined]
    user.display_name = PLACEHOLDER


def register_display_names() -> None:
    """Register the display-name kind (moderation knows accounts, which sit below it)."""
    register_kind(
        ContentKind(
            name=KIND,
            label="display name",
            load=lambda user_id: db.session.get(User, user_id),
            text=lambda user: user.display_name,
            show=_show,
            hide=_hide,
            link=lambda user: link_to("accounts.account"),
            author_id=lambda user: user.id,
            # A held name is stored as PLACEHOLDER; the person's export holds theirs.
            stored_as=("user", lambda name: {"display_name": name}),
        )
    )
    register_display_name_check(_refuse_rejected_name)


def _refuse_rejected_name(name: str, role: Role) -> None:
    """Refuse a display name the standards reject (sign-up runs this for taken emails too)."""
    from townhall.moderation.service import STANDARDS_KEY, ContentRejected

    standards = current_app.extensions.get(STANDARDS_KEY)
    if standards is None or KIND not in standards.settings.kinds:
        return
    decision = check_post(standards, Post(name, KIND, AuthorContext(role=role.value, now=utcnow())))
    if decision.action is Action.REJECT:
        from townhall.moderation.registry import get_kind

        raise ContentRejected(
            get_kind(KIND), decision, author_id=None, text=name, place=(None, None)
        )


def _names_to_check(session: Session) -> list[User]:
    users = [obj for obj in session.new if isinstance(obj, User)]
    for obj in session.dirty:
        if isinstance(obj, User) and inspect(obj).attrs.display_name.history.has_changes():
            users.append(obj)
    return [u for u in users if getattr(u, "_moderation_approved_name", None) != u.display_name]


def _existing_case(session: Session, user_id: int) -> ModerationCase | None:
    """The person's display-name case, if they have one (read without flushing)."""
    with session.no_autoflush:
        return session.scalars(
            select(ModerationCase).where(
                ModerationCase.kind == KIND, ModerationCase.content_id == user_id
            )
        ).first()


def _open_case(session: Session, user_id: int) -> ModerationCase | None:
    """The person's display-name case while a moderator still has to look at it."""
    case = _existing_case(session, user_id)
    return case if case is not None and case.state.queued else None


@event.listens_for(Session, "before_flush")
def _check_display_names(session: Session, _context: Any, _instances: Any) -> None:
    """Hold new and changed display names to the standards before they are written."""
    if not has_app_context():
        return
    from townhall.moderation.service import STANDARDS_KEY, ContentRejected

    standards = current_app.extensions.get(STANDARDS_KEY)
    if standards is None or KIND not in standards.settings.kinds:
        return
    from townhall.moderation.registry import get_kind

    for user in _names_to_check(session):
        name = user.display_name
        role = user.role.value if user.role is not None else "citizen"
        decision = check_post(standards, Post(name, KIND, AuthorContext(role=role, now=utcnow())))
        if decision.action is Action.REJECT:
            raise ContentRejected(
                get_kind(KIND), decision, author_id=user.id, text=name, place=(None, None)
            )
        if decision.action is Action.ALLOW:
            # A name allowed now replaces one still held or under review: its case
            # records the new name, so a moderator never restores the old one.
            if user.id is not None and _open_case(session, user.id) is not None:
                session.info.setdefault(_PENDING, []).append((user, decision, name))
            continue
        if decision.action is Action.HOLD:
            _hide(user, PLACEHOLDER)
        elif decision.text != name:
            _show(user, decision.text)
        session.info.setdefault(_PENDING, []).append((user, decision, name))


@event.listens_for(Session, "after_flush_postexec")
def _record_display_names(session: Session, _context: Any) -> None:
    """Open the cases of the names checked in this flush, now that accounts have ids.

    Inside a flush nothing may flush again, so the case, its decision and the audit
    entry are added to the session and written by the next flush (commit flushes until
    the session is clean).
    """
    pending = session.info.pop(_PENDING, [])
    now = utcnow()
    for user, decision, name in pending:
        state = {
            Action.ALLOW: CaseState.PUBLISHED,
            Action.REVIEW: CaseState.REVIEW,
            Action.REDACT: CaseState.PUBLISHED,
            Action.HOLD: CaseState.HELD,
        }[decision.action]
        # One case per person's name (unique on kind and id): a changed name updates
        # it, as an edited post updates its own, instead of failing on a second one.
        case = _existing_case(session, user.id)
        already_held = case is not None and case.state is CaseState.HELD
        if case is None:
            case = ModerationCase(kind=KIND, content_id=user.id, created_at=now, flag_count=0)
            session.add(case)
        case.author_id = user.id
        case.original_text = name
        case.published_text = decision.text
        case.state = state
        case.auto_action = decision.action.value
        case.clauses = decision.clause_numbers
        case.matches = [
            {"clause": hit.number, "start": s.start, "end": s.end, "text": s.text}
            for hit in decision.clauses
            for s in hit.spans
        ]
        case.reasons = [reason for hit in decision.clauses for reason in hit.reasons]
        case.queued_at = now if state.queued else None
        case.decided_at = case.decided_by_id = case.decision_clause = None
        session.add(
            ModerationDecision(
                case=case,
                verdict=Verdict(decision.action.value),
                clauses=decision.clause_numbers,
                note="",
                created_at=now,
            )
        )
        audit.append(
            "decision",
            f"{KIND}:{user.id}",
            {
                "verdict": decision.action.value,
                "clauses": decision.clause_numbers,
                "state": state.value,
                "author": user.id,
                "name": name,
            },
            now=now,
            session=session,
            flush=False,
        )
        if state is CaseState.HELD and not already_held:
            from townhall.notifications.models import NotificationKind
            from townhall.notifications.service import notify

            notify(
                [user.id],
                NotificationKind.MODERATION,
                f"Your display name “{name}” waits for a moderator under clause "
                f"{', '.join(decision.clause_numbers)}; until then you are shown as "
                f"“{PLACEHOLDER}”.",
                f"{link_to('moderation.my_moderation')}#awaiting",
            )
