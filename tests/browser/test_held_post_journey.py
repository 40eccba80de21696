"""Browser journey for a held comment (issue 15, findings 1 and 2): a new member's first
comment is held; they read their own words on the thread with a note that only they
can, edit them (the edit box holds their words, not the notice), find the post on
their list of posts awaiting moderation, and a moderator approves it: what is
published is the author's edited text. Every page is checked with axe-core."""

from __future__ import annotations

import re

import pytest

from tests.browser.accessibility import assert_accessible
from tests.conftest import DEFAULT_PASSWORD
from townhall.accounts.permissions import Role
from townhall.moderation.registry import AWAITING_TEXT
from townhall.moderation.service import STANDARDS_KEY
from townhall.moderation.standards import load_default_standards

pytestmark = pytest.mark.browser

FIRST = "Could the library open on Sunday afternoons?"
EDITED = "Could the library open on Sunday afternoons, and in the school holidays?"
ONLY_YOU = "Only you can see this until a moderator checks it"


def sign_in_as(page, live_server, user) -> None:
    page.goto(live_server + "/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def test_the_author_edits_their_held_comment_and_their_edited_words_are_published(
    app, live_server, page, browser, create_consultation, create_user
):
    # The standards that ship: a new account's first posts are held (clause 8.1).
    app.extensions[STANDARDS_KEY] = load_default_standards()
    consultation = create_consultation(title="Sunday library opening")
    citizen = create_user(display_name="Cleo Citizen")
    moderator = create_user(role=Role.MODERATOR, display_name="Mona Moderator")

    sign_in_as(page, live_server, citizen)
    page.goto(f"{live_server}/consultations/{consultation.id}")
    page.get_by_label("Your comment").fill(FIRST)
    page.get_by_role("button", name="Post comment").click()
    mine = page.locator("article.comment").filter(has_text="Awaiting moderation").first
    assert ONLY_YOU in mine.inner_text() and FIRST in mine.inner_text()
    assert AWAITING_TEXT not in mine.inner_text()
    assert_accessible(page)

    # The edit box holds the author's words; they change them.
    mine.get_by_role("link", name="Edit your comment").click()
    box = page.get_by_label("Your comment")
    assert box.input_value() == FIRST
    assert_accessible(page)
    box.fill(EDITED)
    page.get_by_role("button", name="Save changes").click()
    mine = page.locator("article.comment").filter(has_text="Awaiting moderation").first
    assert EDITED in mine.inner_text()

    # Their list of posts awaiting moderation has it, linking to where it is.
    mine.get_by_role("link", name="Your posts awaiting moderation").click()
    awaiting = page.locator("#awaiting + p + ul")
    assert EDITED in awaiting.inner_text()
    assert "Sunday library opening" in awaiting.inner_text()
    assert_accessible(page)

    # Others read only the notice until a moderator approves it.
    context = browser.new_context()
    context.set_default_timeout(10_000)
    desk = context.new_page()
    try:
        desk.goto(f"{live_server}/consultations/{consultation.id}")
        discussion = desk.get_by_role("region", name="Discussion").inner_text()
        assert AWAITING_TEXT in discussion and "Sunday afternoons" not in discussion
        sign_in_as(desk, live_server, moderator)
        desk.goto(f"{live_server}/moderation")
        item = desk.locator("article").filter(has_text="Cleo Citizen").first
        assert EDITED in item.inner_text() and AWAITING_TEXT not in item.inner_text()
        item.get_by_role("link", name="Comment by Cleo Citizen", exact=True).click()
        desk.get_by_label("Approve: publish it").check()
        desk.get_by_role("button", name="Decide").click()
        assert "Decided. The author has been told." in desk.get_by_role("main").inner_text()
    finally:
        context.close()

    # Published: the author's edited words, for everyone.
    page.goto(f"{live_server}/consultations/{consultation.id}")
    discussion = page.get_by_role("region", name="Discussion").inner_text()
    assert EDITED in discussion
    assert AWAITING_TEXT not in discussion and ONLY_YOU not in discussion
    assert_accessible(page)
