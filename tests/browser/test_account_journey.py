"""Browser journey: sign up, confirm the email, sign out, sign in again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible
from tests.conftest import link_in, read_outbox

pytestmark = pytest.mark.browser

PASSWORD = "tangerine bicycle lantern"


def test_sign_up_verify_sign_out_sign_in(live_server, page, outbox):
    page.goto(live_server + "/")
    assert_accessible(page)
    page.get_by_role("link", name="Create an account").first.click()
    assert_accessible(page)

    # A first try with passwords that differ comes back with the rest kept.
    page.get_by_label("Display name").fill("Dee Resident")
    page.get_by_label("Email address").fill("dee@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD + "!")
    page.get_by_role("button", name="Create account").click()
    summary = page.get_by_role("alert")
    assert "The two passwords do not match." in summary.inner_text()
    assert page.get_by_label("Email address").input_value() == "dee@example.org"
    assert page.title().startswith("Error: ")
    # The page's script moves focus once it runs; wait for it rather than race it.
    expect(page.locator("[data-error-summary]")).to_be_focused()
    assert_accessible(page)

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    # The same page whether or not the address has an account (test_enumeration.py).
    assert page.get_by_role("heading", name="Check your email").is_visible()
    assert "dee@example.org" in page.get_by_role("main").inner_text()
    assert_accessible(page)

    [message] = read_outbox(outbox)
    page.goto(link_in(message))
    page.wait_for_url(re.compile(r"/sign-in$"))
    assert "is confirmed" in page.get_by_role("main").inner_text()
    page.get_by_label("Email address").fill("dee@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server + "/account")
    assert "Yes, on" in page.get_by_role("main").inner_text()

    page.get_by_role("button", name="Sign out").click()
    assert "You have signed out." in page.get_by_role("main").inner_text()
    assert page.get_by_role("link", name="Sign in").is_visible()

    page.get_by_role("link", name="Sign in").click()
    assert_accessible(page)
    page.get_by_label("Email address").fill("dee@example.org")
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Sign in").click()
    assert "do not match an account" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Email address").input_value() == "dee@example.org"
    assert page.get_by_label("Password").input_value() == ""

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Keep me signed in").check()
    page.get_by_role("button", name="Sign in").click()
    assert "Signed in as Dee Resident." in page.get_by_role("main").inner_text()
    assert page.get_by_role("link", name="Your account").is_visible()
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["session"]["httpOnly"] and cookies["session"]["sameSite"] == "Lax"
    assert "remember_token" in cookies


def test_skip_link_and_keyboard_focus(live_server, page):
    page.goto(live_server + "/sign-in")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Skip to main content" in focused
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
