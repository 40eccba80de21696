"""Browser journey for live updates: two people on one consultation; one comments and
the other sees it appear without a reload (or waiting behind a button when it would
land above what they are reading); an officer closes the consultation and both see
it close. Pages are checked with axe-core after they change in place."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible
from tests.conftest import DEFAULT_PASSWORD
from townhall.accounts.permissions import Role
from townhall.dialogue import service
from townhall.extensions import db

pytestmark = pytest.mark.browser


def open_as(browser, live_server, user, path: str, **context_options):
    """A page in its own browser context, signed in as `user`, showing `path` live."""
    context = browser.new_context(**context_options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(live_server + "/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))
    page.goto(live_server + path)
    # live.js marks the page once its socket is set up; a marker of our own shows
    # later that the page was never reloaded.
    page.wait_for_selector("html[data-live='on']")
    page.evaluate("window.notReloaded = true")
    return context, page


def wait_until_joined(page) -> None:
    """Give the socket time to connect and join (its ack carries the catch-up)."""
    # An attribute the page's script sets once a room is joined: waiting on it needs no
    # script evaluated in the page, which the CSP (no eval) would refuse while polling.
    page.wait_for_selector("html[data-live-joined]", state="attached")
    page.wait_for_timeout(500)


def test_two_people_see_a_comment_and_the_closing_live(
    browser, live_server, create_consultation, create_user
):
    consultation = create_consultation(title="Sunday library opening")
    neighbour = create_user(display_name="Ned Neighbour")
    for n in range(6):
        service.post_comment(consultation, neighbour, f"Earlier point number {n}.")
    db.session.commit()
    cleo = create_user(display_name="Cleo Citizen")
    rita = create_user(display_name="Rita Reader")
    officer = create_user(role=Role.OFFICER, display_name="Olive Officer")
    path = f"/consultations/{consultation.id}"
    contexts = []
    try:
        cleo_context, cleo_page = open_as(browser, live_server, cleo, path)
        rita_context, rita_page = open_as(
            browser, live_server, rita, path, viewport={"width": 900, "height": 600}
        )
        contexts += [cleo_context, rita_context]
        wait_until_joined(rita_page)

        # Cleo comments; Rita, reading the top of the page, sees it arrive in place.
        cleo_page.get_by_label("Your comment").fill("Sunday opening would help *carers*.")
        cleo_page.get_by_role("button", name="Post comment").click()
        assert "Your comment has been posted." in cleo_page.get_by_role("main").inner_text()
        arrived = rita_page.locator("article.comment").filter(has_text="Sunday opening would help")
        expect(arrived).to_be_visible()
        expect(arrived.locator("em")).to_have_text("carers")
        expect(arrived.get_by_role("heading", level=4)).to_contain_text("Cleo Citizen")
        expect(rita_page.locator("#live-announcer")).to_have_text("1 new comment.")
        assert "7 comments in 7 threads" in rita_page.locator("#comments").inner_text()
        assert rita_page.evaluate("window.notReloaded") is True
        assert_accessible(rita_page)

        # Rita reads newest first, scrolled down: the next comment would land above
        # her, so it waits behind a button instead of moving the page.
        rita_page.goto(live_server + path + "?comment_sort=newest#comments")
        rita_page.wait_for_selector("html[data-live='on']")
        wait_until_joined(rita_page)
        rita_page.evaluate("window.notReloaded = true")
        rita_page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        scrolled = rita_page.evaluate("window.scrollY")
        cleo_page.goto(live_server + path)
        cleo_page.get_by_label("Your comment").fill("And on bank holidays?")
        cleo_page.get_by_role("button", name="Post comment").click()
        waiting = rita_page.get_by_role("button", name="Show 1 new comment")
        expect(waiting).to_be_visible()
        expect(rita_page.locator("#live-announcer")).to_have_text("1 new comment above.")
        assert rita_page.evaluate("window.scrollY") == scrolled
        assert rita_page.locator("article.comment").filter(has_text="bank holidays").count() == 0
        waiting.click()
        newest = rita_page.locator("article.comment").filter(has_text="And on bank holidays?")
        expect(newest).to_be_focused()
        assert_accessible(rita_page)

        # An officer closes the consultation; both pages show it closed, in place.
        cleo_page.goto(live_server + path)  # posting took her to her comment's thread
        cleo_page.wait_for_selector("html[data-live='on']")
        wait_until_joined(cleo_page)
        cleo_page.evaluate("window.notReloaded = true")
        officer_context, officer_page = open_as(browser, live_server, officer, path)
        contexts.append(officer_context)
        officer_page.get_by_role("button", name="Close now").click()
        officer_page.get_by_role("button", name="Close it now").click()  # on the page that asks
        expect(officer_page.locator(".consultation-head .tag").first).to_have_text("Closed")
        for page in (cleo_page, rita_page):
            expect(page.locator(".consultation-head .tag").first).to_have_text("Closed")
            expect(page.get_by_label("Your comment")).to_have_count(0)
            expect(page.locator("#live-announcer")).to_contain_text("This consultation has closed.")
        for page in (cleo_page, rita_page):
            assert page.evaluate("window.notReloaded") is True
        assert_accessible(cleo_page)
    finally:
        for context in contexts:
            context.close()


def test_without_javascript_the_page_shows_its_state_at_load(
    browser, live_server, create_consultation
):
    consultation = create_consultation(title="Sunday library opening")
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/consultations/{consultation.id}")
        assert page.locator(".consultation-head .tag").first.inner_text() == "Open"
        assert "Discussion" in page.get_by_role("main").inner_text()
    finally:
        context.close()


def test_replies_that_come_while_their_thread_is_on_its_way_all_appear(
    browser, live_server, create_consultation, create_user
):
    """A new thread and its replies arrive faster than the page can fetch the thread:
    each reply waits for its thread to be in the page, and none is lost."""
    consultation = create_consultation(title="Bus station toilets")
    neighbour = create_user(display_name="Ned Neighbour")
    service.post_comment(consultation, neighbour, "An earlier thread.")
    db.session.commit()
    reader = create_user(display_name="Rita Reader")
    writer = create_user(display_name="Wendy Writer")
    context, page = open_as(
        browser,
        live_server,
        reader,
        f"/consultations/{consultation.id}",
        viewport={"width": 1280, "height": 3000},
    )
    try:
        wait_until_joined(page)
        # Count the comment events the page has taken in, on an attribute the test can
        # wait for (evaluated once here, through DevTools, which the CSP allows).
        page.evaluate(
            """() => {
                let seen = 0;
                document.addEventListener("townhall:live", (event) => {
                    if (event.detail.name === "comment_posted") {
                        document.documentElement.dataset.commentEvents = String(++seen);
                    }
                });
            }"""
        )
        # The thread's own page is fetched at once, but handed to the page only after
        # its replies' events have come: as on a slow connection.
        held = []
        one_comment = re.compile(r"/consultations/\d+/comments/\d+$")

        def hold_the_first(route) -> None:
            if held:
                route.continue_()
            else:
                held.append((route, route.fetch()))

        page.route(one_comment, hold_the_first)
        root = service.post_comment(consultation, writer, "The toilets close at six.")
        db.session.commit()
        for _ in range(300):  # until the thread's fetch is held (at most 15 s)
            if held:
                break
            page.wait_for_timeout(50)
        assert held, "the page never fetched the new thread"
        for n in range(3):
            service.post_comment(consultation, writer, f"Reply number {n}.", parent=root)
            db.session.commit()
        page.wait_for_selector("html[data-comment-events='4']", state="attached")

        route, response = held[0]
        route.fulfill(response=response)
        thread = page.locator("article.comment").filter(has_text="The toilets close at six.")
        expect(thread).to_be_visible()
        for n in range(3):
            expect(page.get_by_text(f"Reply number {n}.")).to_be_visible()
        assert page.evaluate("window.notReloaded") is True
    finally:
        context.close()
