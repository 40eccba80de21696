"""Asking before an action that cannot be undone, on a page that says what will happen.

The action's button posts its form as before; without a `confirm` field the view
answers with this page, which names the thing, says in plain words what will happen,
and offers the same form again with `confirm` set, and Cancel back to where the person
was. It works without JavaScript. Only the confirmed post does the action.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import render_template, request

CONFIRM_FIELD = "confirm"
CONFIRM_VALUE = "yes"


@dataclass(frozen=True)
class Confirmation:
    """What the confirmation page says and sends."""

    heading: str  # the question, naming the thing: "Close the vote “Library hours” now?"
    consequence: str  # what will happen, in plain words, and whether it can be undone
    button: str  # the confirming button's words: the action, not "OK"
    cancel_url: str  # back to where the person was
    fields: dict[str, str] = field(default_factory=dict)  # the form's own fields, sent again


def confirmed() -> bool:
    """Whether this POST comes from the confirmation page's button."""
    return request.form.get(CONFIRM_FIELD) == CONFIRM_VALUE


def confirmation_page(confirmation: Confirmation) -> tuple[str, int]:
    """The page asking to confirm, posting back to this request's address."""
    return render_template(
        "confirm_action.html",
        confirmation=confirmation,
        action_url=request.path,
        confirm_field=CONFIRM_FIELD,
        confirm_value=CONFIRM_VALUE,
    ), 200
