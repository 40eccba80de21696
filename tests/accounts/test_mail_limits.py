"""Limits on what a stranger can make us do: open accounts in bulk from one address, or
send one person mail after mail (the sign-up form's "you already have an account",
password-reset links, new confirmation links).

Only posts that did what they asked count, so a person putting a form right is never
held up by their own mistakes.
"""

from __future__ import annotations

import pytest

from tests.accounts.test_views import sign_up_data, text_of
from tests.test_private_and_retry_headers import retry_after


@pytest.fixture
def limits(app):
    app.config.update(RATELIMIT_SIGN_UP="4 per hour", RATELIMIT_EMAILS_TO_ONE_ADDRESS="3 per hour")


def _from(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_one_address_opens_only_so_many_accounts(limits, post_form, mailbox):
    for n in range(4):
        answer = post_form(
            "/sign-up", sign_up_data(email=f"bulk{n}@example.org"), **_from("10.0.0.9")
        )
        assert answer.status_code == 200
    refused = post_form("/sign-up", sign_up_data(email="bulk4@example.org"), **_from("10.0.0.9"))
    assert 60 < retry_after(refused) <= 3602
    html = text_of(refused)
    assert "Too many attempts from here." in html and "minutes, then try again." in html
    assert "bulk4@example.org" in html and "Priya Patel" in html  # what was typed is kept
    assert len(mailbox()) == 4
    # Another address is not held up.
    other = post_form("/sign-up", sign_up_data(email="next@example.org"), **_from("10.0.0.10"))
    assert other.status_code == 200


def test_mistakes_on_the_sign_up_form_do_not_count(limits, post_form):
    for _ in range(6):
        weak = sign_up_data(password="password1", confirm="password1")
        assert post_form("/sign-up", weak, **_from("10.0.0.9")).status_code == 400
    assert post_form("/sign-up", sign_up_data(), **_from("10.0.0.9")).status_code == 200


def test_one_person_is_sent_only_so_many_already_have_an_account_emails(
    limits, post_form, create_user, mailbox
):
    victim = create_user(email="victim@example.org")
    for n in range(3):
        answer = post_form(
            "/sign-up", sign_up_data(email="Victim@Example.org"), **_from(f"10.1.0.{n}")
        )
        assert answer.status_code == 200
    refused = post_form("/sign-up", sign_up_data(email="victim@example.org"), **_from("10.1.0.99"))
    assert retry_after(refused) > 0
    assert "Too many emails have been asked for this address." in text_of(refused)
    assert [m["To"] for m in mailbox()] == [victim.email] * 3


def test_one_person_is_sent_only_so_many_reset_links(limits, post_form, create_user, mailbox):
    person = create_user(email="reset@example.org")
    for n in range(3):
        answer = post_form(
            "/password/forgot", {"email": person.email}, token_page="/password/forgot",
            **_from(f"10.2.0.{n}"),
        )  # fmt: skip
        assert answer.status_code == 200
    refused = post_form(
        "/password/forgot", {"email": person.email}, token_page="/password/forgot",
        **_from("10.2.0.99"),
    )  # fmt: skip
    assert retry_after(refused) > 0
    assert "Too many emails have been asked for this address." in text_of(refused)
    assert person.email in text_of(refused)
    assert len(mailbox()) == 3


def test_confirmation_links_are_resent_only_so_many_times(
    limits, client, create_user, sign_in, post_form, mailbox
):
    person = create_user(email="unconfirmed@example.org", verified=False)
    sign_in(person)
    for _ in range(3):
        assert post_form("/verify/resend", {}, token_page="/account").status_code == 302
    refused = post_form("/verify/resend", {}, token_page="/account")
    assert retry_after(refused) > 0
    assert "Too many emails have been asked for this address." in text_of(refused)
    assert len(mailbox()) == 3


def test_the_limits_default_to_what_the_readme_says(app):
    assert app.config["RATELIMIT_SIGN_UP"] == "10 per hour"
    assert app.config["RATELIMIT_EMAILS_TO_ONE_ADDRESS"] == "3 per hour"
