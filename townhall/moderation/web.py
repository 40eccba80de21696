"""How moderation meets requests it does not own: refusals raised from other modules'
forms, suspended people, and the helpers templates use to link to flags."""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, request, url_for
from flask_login import current_user

from townhall.errors import render_error
from townhall.extensions import db
from townhall.form_handling import refuse
from townhall.moderation import permissions, service
from townhall.moderation.models import SanctionKind
from townhall.moderation.registry import get_kind

# What a suspended person may still reach: why they are suspended, their appeal,
# the standards, and signing out.
SUSPENDED_MAY = frozenset(
    {
        "static",
        "moderation.my_moderation",
        "moderation.appeal_sanction",
        "moderation.standards",
        "accounts.sign_out",
    }
)


def handle_refusal(error: service.ModerationError):
    """Answer a moderation refusal raised from any view.

    The post is rolled back; a rejection is then recorded (figures, audit) in its own
    transaction. A form view marked `@keeps_input` is run again with the refusal on
    its form, so the author sees their text, the clause and why, with a 4xx.
    """
    db.session.rollback()
    if isinstance(error, service.ContentRejected):
        service.record_rejection(error)
        db.session.commit()
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, "keeps_input", False) and request.method == "POST":
        refuse(str(error), error.status)
        return view(**(request.view_args or {}))
    return render_error(error.status, str(error))


def enforce_suspension() -> Any:
    """Keep a suspended person to the pages that say why and until when."""
    if not current_user.is_authenticated or request.endpoint in SUSPENDED_MAY:
        return None
    sanction = service.restriction_for(current_user)
    if sanction is None or sanction.kind is not SanctionKind.SUSPEND:
        return None
    if request.method == "GET":
        return redirect(url_for("moderation.my_moderation"))
    return render_error(403, service.restriction_message(sanction))


def may_follow_room(user: Any, room: str) -> bool:
    """Say whether `user` may join the live `room`: when suspended, only their own.

    Live's join rule for `enforce_suspension`, which sockets do not pass: a suspended
    person sees only their own moderation page, so follows only their own room.
    """
    if not getattr(user, "is_authenticated", False):
        return True
    from townhall.live import user_room

    if room == user_room(user.id):
        return True
    sanction = service.restriction_for(user)
    return sanction is None or sanction.kind is not SanctionKind.SUSPEND


def flag_url(kind: str, content_id: int) -> str:
    """The address of the form to flag a post (for templates)."""
    return url_for("moderation.flag", kind=kind, content_id=content_id)


def moderation_can(action: str) -> bool:
    """Whether the signed-in person may do a moderation action (for templates)."""
    return permissions.can(current_user, action)


def my_held_words(kind: str, post: Any) -> str | None:
    """The signed-in person's own words of `post` while it shows others a notice (held
    or hidden after flags), for templates to show its author; None otherwise."""
    if post is None or not getattr(current_user, "is_authenticated", False):
        return None
    content_kind = get_kind(kind)
    if content_kind.author_id(post) != current_user.id or not service.is_hidden(kind, post.id):
        return None
    return service.authors_words(kind, post)


def template_globals() -> dict[str, Any]:
    """What every template can use from moderation."""
    return {"flag_url": flag_url, "moderation_can": moderation_can, "my_held_words": my_held_words}
