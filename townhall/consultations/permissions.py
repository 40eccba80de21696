"""Who may do what with a consultation: the one place these rules live.

`refusal(user, action, consultation)` says in plain words why someone may not (or None
when they may); `can(...)` is its yes/no. Other modules (dialogue, proposals, votes)
build on `Action.TAKE_PART` rather than repeating its conditions.
"""

from __future__ import annotations

import enum
from typing import Any

from townhall.accounts.permissions import Permission, has_permission
from townhall.consultations.models import Audience, Consultation, Phase, Status


class Action(enum.StrEnum):
    """What a person may try to do with a consultation."""

    READ = "read"
    FOLLOW = "follow"
    TAKE_PART = "take_part"  # comment, react, propose, support, vote (phase checked by caller)
    MANAGE = "manage"  # edit, schedule, open, close, archive
    ANNOUNCE = "announce"
    RESPOND_OFFICIALLY = "respond_officially"
    PUBLISH_OUTCOME = "publish_outcome"


ANNOUNCEABLE = (Status.SCHEDULED, Status.OPEN, Status.CLOSED, Status.OUTCOME_PUBLISHED)


def can_read(user: Any, consultation: Consultation) -> bool:
    """Whether `user` may see the consultation at all (if not, it does not exist to them)."""
    if consultation.audience is Audience.STAFF and not has_permission(
        user, Permission.TAKE_PART_AS_STAFF
    ):
        return False
    if consultation.is_published:
        return True
    return has_permission(user, Permission.RUN_CONSULTATIONS)


def refusal(
    user: Any, action: Action, consultation: Consultation, phase: Phase | None = None
) -> str | None:
    """Why `user` may not do `action` (None when they may).

    Callers answer 404 when READ is refused, so a hidden consultation is never revealed.
    """
    if not can_read(user, consultation):
        return "There is no such consultation."
    signed_in = getattr(user, "is_authenticated", False)
    if action is Action.READ:
        return None
    if not signed_in:
        return "Sign in to do that."
    if action is Action.FOLLOW:
        return (
            None if consultation.is_published else "Only published consultations can be followed."
        )
    if action is Action.TAKE_PART:
        if not has_permission(user, Permission.PARTICIPATE):
            return "Your account cannot take part just now."
        if not user.is_verified:
            return "Confirm your email address before taking part."
        if consultation.status is not Status.OPEN:
            return "This consultation is not open, so it cannot take contributions."
        if phase is not None and phase not in consultation.phases:
            return "This consultation does not use that phase."
        return None
    if action is Action.MANAGE:
        if not has_permission(user, Permission.RUN_CONSULTATIONS):
            return "Only council officers can run consultations."
        return None
    if action in (Action.ANNOUNCE, Action.RESPOND_OFFICIALLY):
        if not has_permission(user, Permission.RUN_CONSULTATIONS):
            return "Only council officers can do that."
        if action is Action.ANNOUNCE and consultation.status not in ANNOUNCEABLE:
            return "Announcements can be posted once a consultation is scheduled or open."
        return None
    if action is Action.PUBLISH_OUTCOME:
        if not has_permission(user, Permission.PUBLISH_OUTCOMES):
            return "Only council officers can publish outcomes."
        if not consultation.uses_outcome:
            return "This consultation does not publish an outcome."
        if consultation.status not in (Status.CLOSED, Status.OUTCOME_PUBLISHED):
            return "The outcome can be published once the consultation has closed."
        return None
    raise ValueError(f"unknown action {action!r}")


def can(user: Any, action: Action, consultation: Consultation, phase: Phase | None = None) -> bool:
    """Whether `user` may do `action` with `consultation`."""
    return refusal(user, action, consultation, phase) is None
