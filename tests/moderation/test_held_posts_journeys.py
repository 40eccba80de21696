"""Held posts, journey by journey, for every kind the standards can hold (issue 15,
findings 1, 2 and 11): the author posts, it is held, the author reads and edits their
own words (never the notice others read), a moderator approves, and what is published
is the author's edited text.

Run under the default standards (tests/moderation/conftest.py): a new member's first
comments and proposals are held (clause 8.1), an announcement giving a phone number is
held (3.3), and a display name claiming an official role is held (6.1).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import func, select

from tests.conftest import DEFAULT_PASSWORD, FormPoster, IsolatedClient
from townhall.accounts.permissions import Role
from townhall.consultations.models import Announcement
from townhall.dialogue.models import Comment, CommentRevision
from townhall.extensions import db
from townhall.moderation import service as moderation
from townhall.moderation.models import CaseState, ModerationCase
from townhall.moderation.registry import AWAITING_TEXT
from townhall.notifications.models import Notification
from townhall.proposals.models import Proposal, ProposalStatus

ONLY_YOU = "Only you can see this until a moderator checks it"
FIRST = "Open the library on Sundays, please."
EDITED = "Open the library on Sundays and on bank holidays, please."


def text_of(response) -> str:
    return response.get_data(as_text=True)


class Person:
    """One person's own browser: a client signed in as them."""

    def __init__(self, app: Flask) -> None:
        self.client: FlaskClient = IsolatedClient(app, app.response_class)
        self.post = FormPoster(self.client)

    def get(self, url: str) -> str:
        response = self.client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return text_of(response)


@pytest.fixture
def person(app: Flask):
    """`person(user)`: a browser signed in as `user` (anonymous with None)."""

    def do(user: Any = None) -> Person:
        browser = Person(app)
        if user is not None:
            response = browser.post("/sign-in", {"email": user.email, "password": DEFAULT_PASSWORD})
            assert response.status_code == 302, text_of(response)
        return browser

    return do


def approve(moderator_browser: Person, case: ModerationCase) -> None:
    url = f"/moderation/cases/{case.id}"
    response = moderator_browser.post(url, {"verdict": "approve"}, token_page=url)
    assert response.status_code == 303, text_of(response)


def textarea(html: str) -> str:
    match = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S)
    assert match, "no text box on the page"
    return match.group(1).strip()


def notifications_of(user: Any) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


# --- comments and replies -----------------------------------------------------------


@pytest.mark.parametrize("as_reply", [False, True], ids=["comment", "reply"])
def test_comment_journey_the_author_edits_their_own_words_and_those_are_published(
    person, citizen, neighbour, moderator, consultation, post, trust, as_reply
):
    parent = None
    if as_reply:
        trust(neighbour)
        parent = post(neighbour, "The library should stay as it is.")
    author = person(citizen)
    data = {"comment-body": FIRST}
    if parent is not None:
        data["comment-parent_id"] = str(parent.id)
    response = author.post(
        f"/consultations/{consultation.id}/comments",
        data,
        token_page=f"/consultations/{consultation.id}",
    )
    assert response.status_code in (302, 303), text_of(response)
    comment = db.session.scalars(select(Comment).where(Comment.author_id == citizen.id)).one()
    case = moderation.find_case("comment", comment.id)
    assert case.state is CaseState.HELD

    # The author reads their own words on the thread, with the note; others the notice.
    thread = f"/consultations/{consultation.id}/comments/{comment.id}"
    mine = author.get(thread)
    assert FIRST in mine and ONLY_YOU in mine
    others = person(neighbour).get(thread)
    assert FIRST not in others and AWAITING_TEXT in others and ONLY_YOU not in others
    assert FIRST not in person().get(thread)

    # The edit box holds the author's words, never the notice.
    edit_url = f"/consultations/{consultation.id}/comments/{comment.id}/edit"
    box = textarea(author.get(edit_url))
    assert box == str(escape(FIRST))
    assert AWAITING_TEXT not in box
    response = author.post(edit_url, {"body": EDITED}, token_page=edit_url)
    assert response.status_code in (302, 303), text_of(response)
    db.session.expire_all()
    case = moderation.find_case("comment", comment.id)
    assert case.state is CaseState.HELD
    assert case.original_text == EDITED  # no notice carried into what a moderator publishes
    # A held wording was never published: no public earlier version is made of it.
    revisions = db.session.scalar(
        select(func.count())
        .select_from(CommentRevision)
        .where(CommentRevision.comment_id == comment.id)
    )
    assert revisions == 0
    assert EDITED in author.get(thread)

    approve(person(moderator), case)
    db.session.expire_all()
    published = db.session.get(Comment, comment.id)
    assert published.body == EDITED
    assert AWAITING_TEXT not in published.body
    assert EDITED in person().get(thread)


def test_held_comment_notification_says_which_post_and_where_and_is_not_repeated_on_edit(
    person, citizen, consultation
):
    author = person(citizen)
    response = author.post(
        f"/consultations/{consultation.id}/comments",
        {"comment-body": FIRST},
        token_page=f"/consultations/{consultation.id}",
    )
    assert response.status_code == 302
    comment = db.session.scalars(select(Comment)).one()
    case = moderation.find_case("comment", comment.id)
    [told] = notifications_of(citizen)
    assert "“Library opening hours”" in told.text  # which consultation
    assert FIRST[:30] in told.text  # which post
    assert "Only you can see it until a moderator checks it" in told.text
    assert told.link == f"/moderation/mine#case-{case.id}"

    edit_url = f"/consultations/{consultation.id}/comments/{comment.id}/edit"
    response = author.post(edit_url, {"body": EDITED}, token_page=edit_url)
    assert response.status_code in (302, 303)
    assert len(notifications_of(citizen)) == 1  # still the one notice, not a second


def test_the_account_page_and_notification_lead_to_my_posts_awaiting_moderation(
    person, citizen, consultation, post
):
    comment = post(citizen, FIRST)
    author = person(citizen)
    account = author.get("/account")
    assert 'href="/moderation/mine#awaiting"' in account
    assert "Your posts awaiting moderation" in account
    mine = author.get("/moderation/mine")
    assert 'id="awaiting"' in mine
    awaiting = mine.split('id="awaiting"', 1)[1].split("<h2", 1)[0]
    assert FIRST in awaiting and "Library opening hours" in awaiting
    assert f"/comments/{comment.id}#comment-{comment.id}" in awaiting  # where it is
    assert mine.count("<h1") == 1


def test_the_authors_data_export_holds_their_words_not_the_notice(person, citizen, post):
    comment = post(citizen, FIRST)
    assert db.session.get(Comment, comment.id).body == AWAITING_TEXT  # what others read
    response = person(citizen).client.get("/account/export.json")
    assert response.status_code == 200
    data = json.loads(response.get_data(as_text=True))
    [row] = data["comment"]["author_id"]
    assert row["body"] == FIRST
    assert AWAITING_TEXT not in json.dumps(data["comment"])


# --- proposals ------------------------------------------------------------------------


def test_proposal_journey_the_author_sees_their_words_and_those_are_published(
    person, create_consultation, citizen, neighbour, moderator
):
    consultation = create_consultation(status="open", uses_proposals=True, title="Parks")
    author = person(citizen)
    url = f"/consultations/{consultation.id}/proposals/new"
    response = author.post(url, {"title": "More benches", "body": "In the park."}, token_page=url)
    assert response.status_code == 303, text_of(response)
    proposal = db.session.scalars(select(Proposal)).one()
    assert proposal.status is ProposalStatus.HIDDEN
    case = moderation.find_case("proposal", proposal.id)
    assert case.state is CaseState.HELD

    page = author.get(f"/proposals/{proposal.id}")
    assert "More benches" in page and "In the park." in page and AWAITING_TEXT not in page
    assert person(neighbour).client.get(f"/proposals/{proposal.id}").status_code == 404
    [told] = notifications_of(citizen)
    assert "“Parks”" in told.text and "More benches" in told.text

    approve(person(moderator), case)
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal.id)
    assert proposal.status is ProposalStatus.PUBLISHED
    assert (proposal.title, proposal.body) == ("More benches", "In the park.")
    assert "In the park." in person().get(f"/proposals/{proposal.id}")


# --- announcements --------------------------------------------------------------------


def test_announcement_journey_the_officer_sees_their_words_and_those_are_published(
    person, create_consultation, create_user, neighbour, moderator
):
    officer = create_user(role=Role.OFFICER, display_name="Olive Officer")
    consultation = create_consultation(status="open", author=officer, title="Library hours")
    words = "Call Sam on 07700 900123 to book the room."
    officer_browser = person(officer)
    path = f"/consultations/{consultation.id}"
    response = officer_browser.post(
        f"{path}/announcements",
        {"announcement-title": "Room bookings", "announcement-body": words},
        token_page=path,
    )
    assert response.status_code == 303, text_of(response)
    announcement = db.session.scalars(select(Announcement)).one()
    case = moderation.find_case("announcement", announcement.id)
    assert case.state is CaseState.HELD

    mine = officer_browser.get(path)
    assert words in mine and ONLY_YOU in mine
    others = person(neighbour).get(path)
    assert words not in others and AWAITING_TEXT in others
    [told] = notifications_of(officer)
    assert "“Library hours”" in told.text and "Call Sam" in told.text

    approve(person(moderator), case)
    db.session.expire_all()
    assert db.session.get(Announcement, announcement.id).body == words
    assert words in person().get(path)


# --- display names --------------------------------------------------------------------


def test_display_name_journey_the_person_sees_the_name_they_chose_and_it_is_published(
    person, create_user, moderator
):
    chosen = "Councillor Cleo"
    someone = create_user(display_name=chosen)
    db.session.expire_all()
    assert someone.display_name == "New member"  # what others read meanwhile
    case = moderation.find_case("display_name", someone.id)
    assert case.state is CaseState.HELD

    browser = person(someone)
    account = browser.get("/account")
    assert chosen in account and ONLY_YOU in account
    data = json.loads(browser.client.get("/account/export.json").get_data(as_text=True))
    assert data["account"]["display_name"] == chosen

    approve(person(moderator), case)
    db.session.expire_all()
    assert db.session.get(type(someone), someone.id).display_name == chosen


# --- each fault on its own ------------------------------------------------------------


def test_the_edit_box_of_a_held_comment_holds_the_authors_words(
    person, citizen, consultation, post
):
    comment = post(citizen, FIRST)
    edit_url = f"/consultations/{consultation.id}/comments/{comment.id}/edit"
    box = textarea(person(citizen).get(edit_url))
    assert AWAITING_TEXT not in box
    assert box == str(escape(FIRST))


def test_editing_a_held_comment_keeps_no_public_version_of_the_notice(citizen, post):
    from townhall.dialogue import service as dialogue

    comment = post(citizen, FIRST)
    dialogue.edit_comment(comment, citizen, EDITED)
    db.session.commit()
    earlier = db.session.scalars(
        select(CommentRevision.body).where(CommentRevision.comment_id == comment.id)
    ).all()
    assert AWAITING_TEXT not in earlier and FIRST not in earlier
    assert moderation.find_case("comment", comment.id).original_text == EDITED


def test_editing_a_held_comment_does_not_notify_again(citizen, post):
    from townhall.dialogue import service as dialogue

    comment = post(citizen, FIRST)
    assert len(notifications_of(citizen)) == 1
    dialogue.edit_comment(comment, citizen, EDITED)
    db.session.commit()
    assert len(notifications_of(citizen)) == 1


def test_changing_a_held_display_name_again_updates_its_case(create_user):
    """A second name while the first is held is checked in the same case, not a second
    one that the database refuses (a 500 on the settings page)."""
    someone = create_user(display_name="Councillor Cleo")
    someone.display_name = "Mayor Cleo"
    db.session.commit()
    case = moderation.find_case("display_name", someone.id)
    assert case.state is CaseState.HELD and case.original_text == "Mayor Cleo"
    assert len(notifications_of(someone)) == 1  # told once, while it waits


def test_an_allowed_name_replaces_a_held_one_and_approval_cannot_bring_it_back(
    create_user, moderator
):
    someone = create_user(display_name="Councillor Cleo")
    someone.display_name = "Cleo Jones"
    db.session.commit()
    case = moderation.find_case("display_name", someone.id)
    assert case.state is CaseState.PUBLISHED and case.original_text == "Cleo Jones"
    assert moderation.queue()[1] == 0
    db.session.expire_all()
    assert db.session.get(type(someone), someone.id).display_name == "Cleo Jones"
