"""Who may do what with a comment: the one place the dialogue's rules of access live.

Taking part at all (commenting, replying, reacting) is decided by consultations'
`Action.TAKE_PART` with `Phase.DIALOGUE`; this module adds what is particular to a
comment: editing within the window, deleting, reacting, and official responses.
Each `*_refusal` returns why not in plain words, or None when the person may.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from townhall.accounts.permissions import Permission, has_permission
from townhall.consultations.models import Consultation, Phase, Status
from townhall.consultations.permissions import Action, refusal
from townhall.dialogue.models import Comment
from townhall.wording import ngettext

# How long an author may edit what they posted; one constant, shown to people too.
EDIT_WINDOW = timedelta(minutes=15)


def _is_author(user: Any, comment: Comment) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and comment.author_id is not None
        and comment.author_id == user.id
    )


def take_part_refusal(user: Any, consultation: Consultation) -> str | None:
    """Why `user` may not comment, reply or react on `consultation` (None when they may)."""
    return refusal(user, Action.TAKE_PART, consultation, Phase.DIALOGUE)


def official_refusal(user: Any, consultation: Consultation) -> str | None:
    """Why `user` may not post or mark an official response on `consultation`."""
    return refusal(user, Action.RESPOND_OFFICIALLY, consultation)


# Once a consultation closes people can no longer talk it through, but the council
# still owes answers to the questions it was asked: officers may answer a question
# with an official response until the consultation is archived.
ANSWERABLE_AFTER_CLOSE = (Status.CLOSED, Status.OUTCOME_PUBLISHED)
LATE_ANSWER_MUST_BE_OFFICIAL = (
    "This consultation has closed: answer the question as the council's official response."
)


def may_answer_after_close(user: Any, consultation: Consultation, parent: Comment | None) -> bool:
    """Whether `user` may answer the question `parent` officially after the dialogue ended."""
    return (
        parent is not None
        and parent.is_question
        and not parent.is_deleted
        and consultation.status in ANSWERABLE_AFTER_CLOSE
        and official_refusal(user, consultation) is None
    )


def reply_refusal(
    user: Any, consultation: Consultation, parent: Comment | None, *, official: bool
) -> str | None:
    """Why `user` may not post this comment (a reply to `parent` when given) now."""
    refused = take_part_refusal(user, consultation)
    if refused is None or not may_answer_after_close(user, consultation, parent):
        return refused
    return None if official else LATE_ANSWER_MUST_BE_OFFICIAL


def edit_refusal(
    user: Any, comment: Comment, consultation: Consultation, now: datetime
) -> str | None:
    """Why `user` may not edit `comment` now (None when they may)."""
    if not _is_author(user, comment):
        return "Only the person who wrote a comment can edit it."
    if comment.is_deleted:
        return "This comment has been deleted, so it cannot be edited."
    if now - comment.created_at > EDIT_WINDOW:
        minutes = int(EDIT_WINDOW.total_seconds() // 60)
        return ngettext(
            "Comments can only be edited in the first minute after posting.",
            "Comments can only be edited in the first %(num)d minutes after posting.",
            minutes,
        )
    return take_part_refusal(user, consultation)


def delete_refusal(user: Any, comment: Comment) -> str | None:
    """Why `user` may not delete `comment` (None when they may).

    Authors may always withdraw what they wrote; officers and moderators may delete
    anyone's comment.
    """
    if comment.is_deleted:
        return "This comment has already been deleted."
    if _is_author(user, comment) and getattr(user, "is_active", False):
        return None
    if has_permission(user, Permission.MODERATE) or has_permission(
        user, Permission.RUN_CONSULTATIONS
    ):
        return None
    return "Only the person who wrote a comment, an officer or a moderator can delete it."


def react_refusal(user: Any, comment: Comment, consultation: Consultation) -> str | None:
    """Why `user` may not react to `comment` (None when they may)."""
    refused = take_part_refusal(user, consultation)
    if refused:
        return refused
    if comment.is_deleted:
        return "This comment has been deleted, so it cannot be reacted to."
    if _is_author(user, comment):
        return "You cannot react to your own comment."
    return None


def mark_official_refusal(
    user: Any, comment: Comment, author: Any, consultation: Consultation
) -> str | None:
    """Why `user` may not mark (or unmark) `comment`, written by `author`, as official."""
    refused = official_refusal(user, consultation)
    if refused:
        return refused
    if comment.is_deleted:
        return "A deleted comment cannot be an official response."
    if not has_permission(author, Permission.RUN_CONSULTATIONS):
        return "Only a comment written by a council officer can be an official response."
    return None
