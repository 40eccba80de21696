"""Browser journeys for consultations: announcements, and hidden staff consultations."""

from __future__ import annotations

import re

import pytest

from tests.browser.accessibility import assert_accessible
from tests.conftest import DEFAULT_PASSWORD, read_outbox
from townhall.accounts.permissions import Role

pytestmark = pytest.mark.browser


def sign_in_as(page, live_server, user) -> None:
    page.goto(live_server + "/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def test_officer_posts_an_announcement_and_a_follower_is_told(
    live_server, browser, create_consultation, create_user, outbox
):
    consultation = create_consultation(title="Sunday library opening")
    officer = consultation.created_by
    follower = create_user(display_name="Fran Follower", email="fran@example.org")

    citizen_context = browser.new_context()
    citizen = citizen_context.new_page()
    sign_in_as(citizen, live_server, follower)
    citizen.get_by_role("link", name="Sunday library opening").click()
    assert_accessible(citizen)
    citizen.get_by_role("button", name="Follow this consultation").click()
    assert "You are following this consultation" in citizen.get_by_role("main").inner_text()

    officer_context = browser.new_context()
    desk = officer_context.new_page()
    sign_in_as(desk, live_server, officer)
    desk.goto(f"{live_server}/consultations/{consultation.id}")
    desk.get_by_text("Post an announcement").click()
    desk.get_by_role("button", name="Post announcement").click()  # empty: refused
    assert "Give the announcement a title." in desk.get_by_role("alert").inner_text()
    desk.get_by_label("Title").fill("Drop-in session on Tuesday")
    desk.get_by_role("textbox", name="Announcement").fill(
        "Come and talk to us at **6pm** in the library."
    )
    desk.get_by_role("button", name="Post announcement").click()
    assert "Announcement posted" in desk.get_by_role("main").inner_text()
    assert_accessible(desk)

    citizen.goto(live_server + "/")
    citizen.get_by_role("link", name=re.compile("Notifications")).click()
    citizen.get_by_role("link", name=re.compile("Drop-in session on Tuesday")).click()
    main = citizen.get_by_role("main").inner_text()
    assert "Come and talk to us at 6pm in the library." in main
    assert read_outbox(outbox) == []  # announcements are not emailed unless chosen
    citizen_context.close()
    officer_context.close()


def test_officer_runs_a_consultation_from_draft_to_outcome(live_server, page, create_user, areas):
    officer = create_user(role=Role.OFFICER)
    sign_in_as(page, live_server, officer)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Consultations").click()
    page.get_by_role("link", name="New consultation").click()
    assert_accessible(page)
    page.get_by_label("Title").fill("Speed limit on Mill Lane")
    page.get_by_label("Summary").fill("Should Mill Lane become 20 mph?")
    page.get_by_label("What we are asking").fill("Residents asked for a **20 mph** limit.")
    page.get_by_label("Process area").select_option(label="Community Consultations")
    page.get_by_label("Service area").select_option(label="Road Safety")
    page.get_by_label("Closes").fill("2031-06-01T17:00")
    page.get_by_role("button", name="Save draft").click()
    assert "Draft saved" in page.get_by_role("main").inner_text()
    page.get_by_role("button", name="Open now").click()
    page.get_by_role("button", name="Open it now").click()  # on the page that asks
    assert "is open" in page.get_by_role("main").inner_text()
    page.get_by_role("button", name="Close now").click()
    page.get_by_role("button", name="Close it now").click()
    page.get_by_role("link", name="Publish the outcome").click()
    page.get_by_label("You said").fill("Most of you wanted 20 mph.")
    page.get_by_label("We decided").fill("Mill Lane becomes 20 mph.")
    page.get_by_label("Why").fill("Safer for the school run.")
    page.get_by_label("What happens next").fill("Signs go up in September.")
    page.get_by_role("button", name="Publish outcome").click()
    main = page.get_by_role("main").inner_text()
    assert "Outcome: you said, we did" in main and "Signs go up in September." in main
    assert_accessible(page)


def test_a_citizen_gets_404_for_a_staff_only_consultation(
    live_server, page, create_consultation, create_user
):
    staff_only = create_consultation(title="Office moves", audience="staff")
    sign_in_as(page, live_server, create_user())
    response = page.goto(f"{live_server}/consultations/{staff_only.id}")
    assert response.status == 404
    assert "Page not found" in page.get_by_role("main").inner_text()
    page.goto(live_server + "/consultations")
    assert "Office moves" not in page.content()
