"""Browser journey for moderation: a citizen's held comment reaches the queue, a
moderator redacts and approves it, and the author sees the decision. Every page is
checked with axe-core."""

from __future__ import annotations

import re

import pytest

from tests.browser.accessibility import assert_accessible
from tests.conftest import DEFAULT_PASSWORD
from townhall.accounts.permissions import Role
from townhall.moderation.service import STANDARDS_KEY
from townhall.moderation.standards import load_default_standards

pytestmark = pytest.mark.browser

HELD_TEXT = "Ask Jo at number 4 about the Sunday rota, or ring her on 07700 900123."


def sign_in_as(page, live_server, user) -> None:
    page.goto(live_server + "/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def test_a_held_comment_is_redacted_and_approved_and_its_author_told(
    app, live_server, page, browser, create_consultation, create_user
):
    # The standards that ship, whatever the suite runs under: a new account's first
    # posts are held (clause 8.1), phone numbers are personal details (3.2).
    app.extensions[STANDARDS_KEY] = load_default_standards()
    consultation = create_consultation(title="Sunday library opening")
    citizen = create_user(display_name="Cleo Citizen")
    moderator = create_user(role=Role.MODERATOR, display_name="Mona Moderator")

    # The citizen posts; their comment waits, and they can see that it does, and read
    # their own words (nobody else can yet).
    sign_in_as(page, live_server, citizen)
    page.goto(f"{live_server}/consultations/{consultation.id}")
    page.get_by_label("Your comment").fill(HELD_TEXT)
    page.get_by_role("button", name="Post comment").click()
    mine = page.locator("article.comment").filter(has_text="Awaiting moderation").first
    assert "Only you can see this until a moderator checks it" in mine.inner_text()
    assert HELD_TEXT in mine.inner_text()
    assert_accessible(page)

    # The moderator finds it in the queue, the phone number highlighted.
    context = browser.new_context()
    context.set_default_timeout(10_000)
    desk = context.new_page()
    try:
        sign_in_as(desk, live_server, moderator)
        desk.goto(f"{live_server}/moderation")
        assert desk.get_by_role("heading", level=1).inner_text() == "Moderation queue"
        item = desk.locator("article").filter(has_text="Cleo Citizen").first
        assert item.locator("mark").first.inner_text().startswith("07700 900123")
        assert "8.1" in item.inner_text() and "3.2" in item.inner_text()
        assert_accessible(desk)

        item.get_by_role("link", name="Comment by Cleo Citizen", exact=True).click()
        assert_accessible(desk)
        desk.get_by_label("Redact the highlighted text, then approve").check()
        desk.get_by_label("Clause (needed to reject)").select_option("3.2")
        desk.get_by_label("Also remove this text when redacting").fill("Jo at number 4")
        desk.get_by_role("button", name="Decide").click()
        assert "Decided. The author has been told." in desk.get_by_role("main").inner_text()
        assert "Nothing waiting." in desk.get_by_role("main").inner_text()
        assert_accessible(desk)
    finally:
        context.close()

    # The author sees the comment published, redacted, and is told why.
    page.goto(f"{live_server}/consultations/{consultation.id}")
    discussion = page.get_by_role("region", name="Discussion").inner_text()
    assert "[removed: personal details] about the Sunday rota" in discussion
    assert "07700" not in discussion and "awaiting moderation" not in discussion
    page.goto(f"{live_server}/notifications")
    notices = page.get_by_role("main").inner_text()
    assert "A moderator published your comment with some text removed under clause 3.2" in notices
    assert_accessible(page)
    page.goto(f"{live_server}/moderation/mine")
    assert "clause 3.2" in page.get_by_role("main").inner_text()
    assert_accessible(page)
