"""Browser journey: locked out after wrong guesses, back in by a password reset.

The owner mistypes their password until the sign-in page asks them to wait; it says
for how long, keeps their email, and offers a reset by email, which works at once,
signs them in and clears the wait.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.accessibility import assert_accessible
from tests.conftest import link_in, read_outbox

pytestmark = pytest.mark.browser

EMAIL = "rowan@example.org"
NEW_PASSWORD = "lighthouse marmalade orchestra"


def test_locked_out_then_back_in_by_a_password_reset(app, create_user, live_server, page, outbox):
    app.config.update(SIGN_IN_LOCKOUT_AFTER=3, RATELIMIT_SIGN_IN="1000 per minute")
    create_user(email=EMAIL, display_name="Rowan Resident")

    page.goto(live_server + "/sign-in")
    for _ in range(3):
        page.get_by_label("Email address").fill(EMAIL)
        page.get_by_label("Password").fill("a wrong guess at it")
        page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert").inner_text()
    assert "Too many failed attempts to sign in to this account" in alert
    assert "Try again in 1 minute" in alert
    assert page.get_by_label("Email address").input_value() == EMAIL
    assert page.get_by_label("Password").input_value() == ""
    assert_accessible(page)

    page.get_by_role("link", name="reset your password by email").click()
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_role("button", name=re.compile("reset", re.I)).click()
    assert page.get_by_role("heading", name="Check your email").is_visible()

    [message] = read_outbox(outbox)
    page.goto(link_in(message))
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name=re.compile("password", re.I)).click()
    assert "Your password has been changed and you are signed in." in page.inner_text("main")

    # The wait is over with the reset: signing out and in again works at once.
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert "Signed in as Rowan Resident." in page.inner_text("main")
