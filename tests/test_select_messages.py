"""Every select, radio and checkbox field says what to choose when what was sent is not
one of its choices, in the person's terms, never WTForms' "Not a valid choice."."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice, SelectFieldBase
from wtforms.fields.core import UnboundField

import townhall
from tests.form_ranges import LIBRARY_WORDS, assert_sent_back
from tests.proposals.test_views import vote_form
from townhall.accounts.permissions import Role
from townhall.form_handling import InRange


def choice_fields() -> Iterator[tuple[type[FlaskForm], str, str]]:
    """(form class, field name, the message it gives for a value not on its list) for
    every choice field of every form in townhall/*/forms.py; "" where it gives none."""
    for package in pkgutil.iter_modules(townhall.__path__):
        try:
            module = importlib.import_module(f"townhall.{package.name}.forms")
        except ModuleNotFoundError:
            continue
        for form in vars(module).values():
            if not (
                isinstance(form, type)
                and issubclass(form, FlaskForm)
                and form.__module__ == module.__name__
            ):
                continue
            for name in dir(form):
                unbound = getattr(form, name)
                if isinstance(unbound, UnboundField) and issubclass(
                    unbound.field_class, SelectFieldBase
                ):
                    yield form, name, message_of(unbound)


def message_of(unbound: UnboundField) -> str:
    """What the field says for a value not on its list: its own choice message, or the
    message of the `InRange` (`an_id`) that replaces WTForms' words."""
    validators = unbound.kwargs.get("validators") or (unbound.args[1:2] or [[]])[0]
    bounded = [v.message for v in validators if isinstance(v, InRange)]
    own = unbound.kwargs.get("invalid_choice_message")
    if own and unbound.kwargs.get("invalid_value_message") != own:
        return ""  # a value that cannot be read as a choice would still get WTForms' words
    return own or (bounded[0] if bounded else "")


CHOICE_FIELDS = sorted(choice_fields(), key=lambda f: (f[0].__module__, f[0].__name__, f[1]))


def test_the_forms_have_choice_fields_to_check():
    assert len(CHOICE_FIELDS) >= 30
    named = {(form.__name__, name) for form, name, _ in CHOICE_FIELDS}
    assert {("ReactionForm", "kind"), ("PlaceForm", "kind"), ("VoteForm", "method")} <= named


@pytest.mark.parametrize(
    ("form", "name", "message"),
    CHOICE_FIELDS,
    ids=[f"{f.__module__.split('.')[1]}.{f.__name__}.{n}" for f, n, _ in CHOICE_FIELDS],
)
def test_a_value_not_on_the_list_gets_the_fields_own_message(app, form, name, message):
    assert message.startswith(("Choose", "Tick", "There is no such")), message
    with app.test_request_context(method="POST", data=MultiDict({name: "not-on-the-list"})):
        made = form(meta={"csrf": False})
        for other in made:
            if isinstance(other, SelectFieldBase) and other.choices is None:
                other.choices = [SelectChoice("1", "One")]  # the view sets these choices
        made.validate()
        field = made[name]
        assert field.errors == [message]
        for words in LIBRARY_WORDS:
            assert words not in message


# --- on the pages ------------------------------------------------------------------------


def assert_refused_in_words(response: Any, message: str, kept: tuple[str, ...] = ()) -> None:
    """The page came back (4xx) saying `message`, never WTForms' words, with `kept`.

    (A radio group shows its error in its own fieldset, not with the `field` macro's
    markup that `assert_sent_back` looks for.)
    """
    html = response.get_data(as_text=True)
    assert 400 <= response.status_code < 500, (response.status_code, html[:2000])
    assert message in html, html[:4000]
    for words in LIBRARY_WORDS:
        assert words not in html, words
    for value in kept:
        assert value in html, value


def test_a_consultation_for_no_one_on_the_list_comes_back(
    client, create_user, sign_in, post_form, areas
):
    from tests.consultations.test_views import consultation_form

    sign_in(create_user(role=Role.OFFICER))
    data = consultation_form(areas, audience="everyone")
    response = post_form("/consultations/new", data, token_page="/consultations/new")
    assert_refused_in_words(
        response,
        "Choose who it is for: everyone or council staff only.",
        kept=('value="Sunday opening at the central library"',),
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"method": "nonsense"}, "Choose a counting method from the list."),
        ({"eligibility": "martians"}, "Choose who may vote from the list."),
    ],
)
def test_a_vote_with_a_choice_not_on_the_list_comes_back(
    client, sign_in, post_form, create_consultation, create_user, changes, message
):
    officer = create_user(role=Role.OFFICER)
    consultation = create_consultation(author=officer, uses_voting=True)
    sign_in(officer)
    url = f"/consultations/{consultation.id}/votes/new"
    response = post_form(url, vote_form(title="Keep me", **changes), token_page=url)
    assert_refused_in_words(response, message, kept=('value="Keep me"', "Bananas"))


def test_a_place_of_a_kind_not_on_the_list_comes_back(client, create_user, sign_in, post_form):
    sign_in(create_user(role=Role.OFFICER))
    typed: dict[str, Any] = {
        "name": "Northway Library",
        "kind": "castle",
        "address": "2 Northway",
        "latitude": "51.771",
        "longitude": "-1.2395",
    }
    response = post_form("/places/new", typed, token_page="/places/new")
    assert_sent_back(
        response,
        "kind",
        "Choose a kind of place from the list.",
        kept=('value="Northway Library"', 'value="2 Northway"'),
    )


def test_a_role_not_on_the_list_is_refused_in_words(client, create_user, sign_in, post_form):
    admin = create_user(role=Role.ADMIN)
    resident = create_user()
    sign_in(admin)
    response = post_form(
        f"/admin/users/{resident.id}/role", {"role": "emperor"}, token_page="/admin/users"
    )
    assert_refused_in_words(response, "Choose a role from the list.")
