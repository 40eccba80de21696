"""Browser journeys: changing one's email address end to end, and closing a vote on
the page that asks first (issue 15, findings 8 and 9)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.browser.accessibility import assert_accessible
from tests.browser.test_proposals_journey import sign_in
from tests.conftest import DEFAULT_PASSWORD, link_in, read_outbox
from townhall.accounts.permissions import Role
from townhall.database import utcnow
from townhall.extensions import db
from townhall.proposals.models import Eligibility, Method, Vote
from townhall.proposals.votes import VoteDetails, create_vote

pytestmark = pytest.mark.browser


def test_change_the_email_address(live_server, page, outbox, create_user):
    user = create_user(email="old@example.org", display_name="Dee")
    sign_in(page, live_server, user)
    page.goto(live_server + "/account")
    page.get_by_role("link", name="Change your email address").click()
    assert_accessible(page)

    # A wrong current password comes back with the new address kept.
    page.get_by_label("New email address").fill("dee.new@example.org")
    page.get_by_label("Current password").fill("not my password")
    page.get_by_role("button", name="Send the confirmation link").click()
    assert "Your current password is not right" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("New email address").input_value() == "dee.new@example.org"
    assert_accessible(page)

    page.get_by_label("Current password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Send the confirmation link").click()
    assert page.get_by_role("heading", name="Check your email").is_visible()
    page.goto(live_server + "/account")
    assert "old@example.org" in page.get_by_role("main").inner_text()  # not changed yet

    to_new, to_old = read_outbox(outbox)
    assert to_new["To"] == "dee.new@example.org" and to_old["To"] == "old@example.org"
    page.goto(link_in(to_new))
    assert page.get_by_role("heading", name="Confirm your new email address").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Use dee.new@example.org").click()
    page.wait_for_url(re.compile(r"/account$"))
    main = page.get_by_role("main").inner_text()
    assert "Your email address is now dee.new@example.org." in main
    assert "dee.new@example.org" in page.locator(".summary-list").inner_text()

    # Signed out, the new address signs in.
    page.get_by_role("button", name="Sign out").click()
    user.email = "dee.new@example.org"  # the test's copy; the database already says so
    sign_in(page, live_server, user)
    page.goto(live_server + "/account")
    assert "dee.new@example.org" in page.get_by_role("main").inner_text()


def test_closing_a_vote_asks_first(live_server, page, create_consultation, create_user):
    officer = create_user(role=Role.OFFICER, display_name="Ola Officer")
    consultation = create_consultation(author=officer, uses_proposals=True, uses_voting=True)
    now = utcnow()
    vote = create_vote(
        consultation,
        officer,
        VoteDetails(
            title="Sunday opening",
            method=Method.MAJORITY,
            opens_at=now - timedelta(minutes=1),
            closes_at=now + timedelta(days=7),
            stated_options=[],
            eligibility=Eligibility.VERIFIED,
        ),
        now=now - timedelta(minutes=2),
    )
    db.session.commit()
    vote_url = f"{live_server}/votes/{vote.id}"

    sign_in(page, live_server, officer)
    page.goto(vote_url)
    page.get_by_role("button", name="Close the vote now").click()
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Close the vote “Sunday opening” now?"
    assert "ends voting for everyone and publishes the result. This cannot be undone." in (
        page.get_by_role("main").inner_text()
    )
    assert_accessible(page)

    # Cancel goes back to the vote, still open.
    page.get_by_role("link", name="Cancel").click()
    page.wait_for_url(vote_url)
    db.session.expire_all()
    assert db.session.get(Vote, vote.id).closed_at is None

    page.get_by_role("button", name="Close the vote now").click()
    page.get_by_role("button", name="Close the vote now").click()  # on the page that asks
    page.wait_for_url(re.compile(r"/results$"))
    assert "The vote is closed and counted." in page.get_by_role("main").inner_text()
    db.session.expire_all()
    assert db.session.get(Vote, vote.id).closed_at is not None
