"""How a form view tells a good submission from one to send back with its input.

A view calls `accept(form)`; when it is false on a POST, it renders the form again
with `status=refused_status()`, so the person sees what they typed (passwords
excepted) and what to fix. Requests refused before the view runs (a missing CSRF
token, too many attempts) are replayed into views marked `@keeps_input`, with the
refusal shown as a form error, instead of ending on a bare error page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import g, request
from flask_wtf import FlaskForm

F = TypeVar("F", bound=Callable[..., Any])


def keeps_input(view: F) -> F:
    """Mark a form view as safe to replay when its request is refused before it runs."""
    view.keeps_input = True  # type: ignore[attr-defined]
    return view


def refuse(message: str, status: int) -> None:
    """Record why this request is refused, for `accept` to show on the form."""
    g.form_refusal = (message, status)


def accept(form: FlaskForm) -> bool:
    """Say whether the form was posted, is valid, and the request was not refused."""
    if request.method != "POST":
        return False
    valid = form.validate()
    refusal = g.get("form_refusal")
    if refusal is not None:
        form.form_errors.append(refusal[0])
        return False
    return valid


def refused_status() -> int:
    """The status for a form sent back: 400, or the refusal's own (429 for too many tries)."""
    refusal = g.get("form_refusal")
    return refusal[1] if refusal is not None else 400


def add_form_error(form: FlaskForm, message: str) -> None:
    """Show a message that concerns the whole form rather than one field."""
    form.form_errors.append(message)


def limit_form_posts(limit: Callable[[], str], scope: str) -> Callable[[F], F]:
    """Rate-limit a form's POSTs; a refused request replayed into the form is not counted."""
    from townhall.extensions import limiter

    return limiter.limit(
        limit,
        methods=["POST"],
        scope=scope,
        exempt_when=lambda: g.get("form_refusal") is not None,
    )
