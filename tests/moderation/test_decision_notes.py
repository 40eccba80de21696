"""A moderator's note on a decision, through the pages: written on the case page (where
the form says the author reads it), kept in the case's history for moderators, and
shown to the author in the notice of the decision and on their moderation page, always
escaped."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from markupsafe import escape

from tests.conftest import DEFAULT_PASSWORD, FormPoster
from townhall.moderation import service
from townhall.moderation.models import Verdict

# A note that would run script if any page left it unescaped.
NOTE = 'Please leave out <script>alert("note")</script> & other people\'s phone numbers.'
ESCAPED_NOTE = str(escape(NOTE))


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def person(app, client) -> Callable[[Any], tuple[FlaskClient, FormPoster]]:
    """`person(user)`: a browser of their own, signed in as `user`."""

    def open_as(user) -> tuple[FlaskClient, FormPoster]:
        browser = app.test_client()  # the client fixture set the isolating client class
        poster = FormPoster(browser)
        reply = poster("/sign-in", {"email": user.email, "password": DEFAULT_PASSWORD})
        assert reply.status_code == 302
        return browser, poster

    return open_as


@pytest.fixture
def held(post, citizen):
    """A citizen's first comment, held for a moderator; its case."""
    comment = post(citizen, "Call Jo on 07700 900123 about the Sunday rota.")
    return service.find_case("comment", comment.id)


def _reject_with_note(person, moderator, case) -> None:
    _browser, post_form = person(moderator)
    url = f"/moderation/cases/{case.id}"
    reply = post_form(url, {"verdict": "remove", "clause": "3.2", "note": NOTE}, token_page=url)
    assert reply.status_code == 303


def _body(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_note_field_says_the_author_reads_it(person, moderator, held):
    browser, _ = person(moderator)
    page = _body(browser.get(f"/moderation/cases/{held.id}"))
    assert '<p class="hint" id="note-hint">' in page
    assert "The author reads this" in html.unescape(page)
    assert 'aria-describedby="note-hint"' in page


def test_the_case_history_shows_each_decision_and_the_note_escaped(person, moderator, held):
    _reject_with_note(person, moderator, held)

    browser, _ = person(moderator)
    page = _body(browser.get(f"/moderation/cases/{held.id}"))

    history = page.split("History of decisions", 1)[1]
    # The rules' hold, then the moderator's rejection with who decided and the note.
    assert history.index("Held for a moderator") < history.index("Rejected by a moderator")
    assert "by the rules" in history
    assert "by Mona Moderator" in history
    assert ESCAPED_NOTE in history
    assert "<script>alert" not in page


def test_the_author_is_told_the_note_with_the_decision(person, moderator, citizen, held):
    _reject_with_note(person, moderator, held)

    browser, _ = person(citizen)
    notices = _body(browser.get("/notifications"))
    assert "The moderator said: " + ESCAPED_NOTE in notices
    assert "<script>alert" not in notices


def test_the_author_reads_the_note_on_their_moderation_page(person, moderator, citizen, held):
    _reject_with_note(person, moderator, held)

    browser, _ = person(citizen)
    page = _body(browser.get("/moderation/mine"))
    record = page.split(f'id="case-{held.id}"', 1)[1]
    assert "The moderator\u2019s note (rejected by a moderator" in html.unescape(record)
    assert ESCAPED_NOTE in record
    assert "<script>alert" not in page


def test_nobody_else_reads_the_note(person, moderator, neighbour, held):
    _reject_with_note(person, moderator, held)

    browser, _ = person(neighbour)
    assert browser.get(f"/moderation/cases/{held.id}").status_code == 403
    assert "phone numbers" not in text_of(browser.get("/moderation/mine"))


def test_after_an_upheld_appeal_the_author_reads_the_note_and_the_answer_once(
    person, moderator, second_moderator, citizen, held
):
    _reject_with_note(person, moderator, held)
    _browser, author_posts = person(citizen)
    appealed = author_posts(
        f"/moderation/mine/cases/{held.id}/appeal",
        {"reason": "It is the library's own number."},
        token_page="/moderation/mine",
    )
    assert appealed.status_code == 303
    appeal = service.person_record(citizen).cases[0][1]

    # The moderator deciding the appeal reads the note of the decision appealed against.
    deciding, decide = person(second_moderator)
    url = f"/moderation/appeals/{appeal.id}"
    page = _body(deciding.get(url))
    under_appeal = page.split("The decision they appeal", 1)[1]
    assert "by Mona Moderator" in under_appeal and ESCAPED_NOTE in under_appeal
    decided = decide(
        url, {"outcome": "uphold", "answer": "Right: it is a public number."}, token_page=url
    )
    assert decided.status_code == 303

    browser, _ = person(citizen)
    mine = text_of(browser.get("/moderation/mine"))
    assert mine.count(NOTE) == 1
    assert mine.count("Right: it is a public number.") == 1  # with the appeal, not as a note
    assert "appeal upheld:" not in mine


def test_a_decision_without_a_note_shows_none(person, moderator, citizen, held):
    service.decide_case(held, moderator, Verdict.APPROVE)
    service.db.session.commit()

    browser, _ = person(citizen)
    assert "The moderator\u2019s note" not in text_of(browser.get("/moderation/mine"))
    moderating, _ = person(moderator)
    history = _body(moderating.get(f"/moderation/cases/{held.id}"))
    assert "<strong>Approved</strong> under clause 3.2, 8.1, by Mona Moderator" in history
    assert "Note to the author:" not in history
