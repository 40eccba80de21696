"""Pages and emails state how long a link works from the setting, not a fixed phrase."""

from __future__ import annotations

from datetime import timedelta

import pytest

from townhall.templating import format_duration


@pytest.mark.parametrize(
    ("length", "words"),
    [
        (timedelta(days=3), "3 days"),
        (timedelta(days=1), "a day"),
        (timedelta(hours=1), "an hour"),
        (timedelta(hours=36), "36 hours"),
        (timedelta(minutes=90), "90 minutes"),
        (timedelta(seconds=45), "45 seconds"),
    ],
)
def test_durations_read_in_their_largest_whole_unit(length, words):
    assert format_duration(length) == words


def test_sign_up_and_its_email_state_the_configured_lifetime(app, client, post_form, mailbox):
    app.config["EMAIL_VERIFICATION_MAX_AGE"] = timedelta(days=2)

    response = post_form(
        "/sign-up",
        {
            "email": "new@example.org",
            "display_name": "Nia New",
            "password": "a long and quiet pass phrase",
            "confirm": "a long and quiet pass phrase",
        },
        token_page="/sign-up",
    )

    assert "works for 2 days" in response.get_data(as_text=True)
    assert "works for 2 days" in mailbox()[-1].get_content()


def test_the_reset_page_states_the_configured_lifetime(app, client, post_form):
    app.config["PASSWORD_RESET_MAX_AGE"] = timedelta(minutes=30)

    response = post_form(
        "/password/forgot", {"email": "anyone@example.org"}, token_page="/password/forgot"
    )

    assert "expires in 30 minutes" in response.get_data(as_text=True)
