"""How a form view tells a good submission from one to send back with its input.

A view calls `accept(form)`, which first holds every text field to the typed-text
policy (`townhall.typed_text`: NFKC, no bidirectional overrides or control characters);
when it is false on a POST, it renders the form again with `status=refused_status()`,
so the person sees what they typed (passwords excepted) and what to fix. Requests
refused before the view runs (a missing CSRF token, too many attempts) are replayed into
views marked `@keeps_input`, with the refusal shown as a form error, instead of ending
on a bare error page.

Number fields are bounded by `InRange` (ids by `an_id`), so a value past what the
domain or the database holds comes back beside its field instead of reaching a query.
A select, radio or checkbox field says what to choose (`choose_from_list`) when what
was sent is not one of its choices.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from flask import current_app, g, request
from flask_wtf import FlaskForm
from wtforms import Field, PasswordField, StringField, TextAreaField
from wtforms.validators import StopValidation

from townhall.database import MAX_ID
from townhall.typed_text import clean_body, clean_line, without_nul

F = TypeVar("F", bound=Callable[..., Any])


def keeps_input(view: F) -> F:
    """Mark a form view as safe to replay when its request is refused before it runs."""
    view.keeps_input = True  # type: ignore[attr-defined]
    return view


def takes_json(view: F) -> F:
    """Mark a page's view that reads a JSON body (its page's script posts to it)."""
    view.takes_json = True  # type: ignore[attr-defined]
    return view


def json_sent_to_a_form() -> bool:
    """Whether this request posts JSON to a view whose forms read form data only.

    Flask-WTF would turn the JSON into form data and fail on anything but a flat
    object (a list, `true`, nested values), so such a request never reaches a form.
    The JSON API (under /api/) and views marked `@takes_json` read JSON themselves.
    """
    if request.method == "GET" or not request.is_json or request.path.startswith("/api/"):
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, "takes_json", False)


def refuse(message: str, status: int) -> None:
    """Record why this request is refused, for `accept` to show on the form."""
    g.form_refusal = (message, status)


def accept(form: FlaskForm) -> bool:
    """Say whether the form was posted, is valid, and the request was not refused."""
    if request.method != "POST":
        return False
    _clean_typed_text(form)
    valid = form.validate()
    refusal = g.get("form_refusal")
    if refusal is not None:
        form.form_errors.append(refusal[0])
        return False
    return valid


def _clean_typed_text(form: FlaskForm) -> None:
    """Hold what was typed in the form's text fields to the typed-text policy.

    A multi-line field (a `TextAreaField`) keeps its newlines and tabs, as LF; every
    other text field is one line. A password is kept as typed (its hash was made from
    exactly those characters) but for NUL, which no keyboard types and PostgreSQL
    refuses in any text value; so is anything else a field holds as a string.
    """
    for field in form:
        if not isinstance(field.data, str):
            continue
        if isinstance(field, PasswordField):
            field.data = without_nul(field.data)
        elif isinstance(field, TextAreaField):
            field.data = clean_body(field.data)
        elif isinstance(field, StringField):
            field.data = clean_line(field.data)
        else:
            field.data = without_nul(field.data)


def refused_status() -> int:
    """The status for a form sent back: 400, or the refusal's own (429 for too many tries)."""
    refusal = g.get("form_refusal")
    return refusal[1] if refusal is not None else 400


def add_form_error(form: FlaskForm, message: str) -> None:
    """Show a message that concerns the whole form rather than one field."""
    form.form_errors.append(message)


def limit_form_posts(
    limit: Callable[[], str],
    scope: str,
    *,
    key: Callable[[], str] | None = None,
    message: str | None = None,
    only_done: bool = False,
) -> Callable[[F], F]:
    """Rate-limit a form's POSTs; a refused request replayed into the form is not counted.

    Counted per address unless `key` says what else to count by (the email address a
    form would write to, say); `message` is what the person is told when refused, in
    place of "Too many attempts from here." (the wait is added to either). With
    `only_done`, only posts that did what they asked count (answered below 400), so a
    person putting a form right is never locked out by their own mistakes.
    """
    from townhall.extensions import limiter

    return limiter.limit(
        limit,
        methods=["POST"],
        scope=scope,
        key_func=key,
        error_message=message,
        exempt_when=lambda: g.get("form_refusal") is not None,
        deduct_when=(lambda response: response.status_code < 400) if only_done else None,
    )


class InRange:
    """A number from `low` to `high` (or, for a multiple choice, each one), with one message
    in the person's terms for anything else.

    Anything else is a number out of range (an id no database column holds, a count
    past the domain's limit), something that is no number at all (a word, NaN, infinity),
    or a choice the select does not offer. WTForms would say "Not a valid integer value."
    or "Invalid Choice: could not coerce." for some of these, and for a signalling NaN
    typed into a `DecimalField` its own `NumberRange` raises instead of refusing; this
    replaces all of them with `message`, shown beside the field with the input kept.
    Put it after `Optional()` or `InputRequired()`, which deal with an empty field.
    """

    def __init__(self, low: float, high: float, message: str) -> None:
        self.low, self.high, self.message = low, high, message

    def __call__(self, form: FlaskForm, field: Field) -> None:
        values = field.data if isinstance(field.data, list | tuple) else [field.data]
        if not field.errors and all(self._within(value) for value in values):
            return
        field.errors.clear()  # WTForms' words for the same problem; ours say it once
        raise StopValidation(self.message)

    def _within(self, value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            return False
        if isinstance(value, Decimal) and not value.is_finite():
            return False  # comparing a NaN Decimal raises; a signalling one even in isnan
        if isinstance(value, float) and not math.isfinite(value):
            return False
        return self.low <= value <= self.high


def an_id(message: str, *, none: bool = False) -> InRange:
    """The id of something to choose (1 to MAX_ID, or 0 too when 0 means "none")."""
    return InRange(0 if none else 1, MAX_ID, message)


def choose_from_list(message: str) -> dict[str, str]:
    """The keyword arguments that make a select, radio or checkbox field say `message`
    (what to choose, in the person's terms) for a value that is not one of its choices,
    or cannot be read as one, instead of WTForms' "Not a valid choice." or "Invalid
    Choice: could not coerce.":
    `SelectField("Role", choices=..., **choose_from_list("Choose a role from the list."))`.

    A field bounded by `an_id` needs none: its own message replaces WTForms' words.
    """
    return {
        "invalid_choice_message": message,
        "invalid_value_message": message,
    }
