"""No form reveals whether an email address has an account.

Sign-up, sign-in and the password-reset request answer a registered and an unknown
address with the same status, page and message, send one email either way, and do
the same costly work (a password hash made or checked) either way.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import DEFAULT_PASSWORD
from townhall.accounts import passwords, service
from townhall.accounts.models import User
from townhall.extensions import db

GOOD = "tangerine bicycle lantern"
TAKEN = "taken@example.org"
FREE = "free@example.org"


def page_without_secrets(response, email: str) -> str:
    """The page with what differs by design taken out: the CSRF token and the email typed."""
    html = response.get_data(as_text=True)
    html = re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', html)
    html = re.sub(r'<meta name="csrf-token" content="[^"]+"', "<meta>", html)
    return html.replace(email, "EMAIL")


def answers_alike(first, second) -> None:
    """Two responses a person (or a script) could not tell apart."""
    assert first.status_code == second.status_code
    assert first.headers.get("Location") == second.headers.get("Location")
    assert page_without_secrets(first, TAKEN) == page_without_secrets(second, FREE)


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.fixture
def owner(create_user):
    return create_user(email=TAKEN, display_name="Tam Owner")


@pytest.fixture
def count_hashing(monkeypatch):
    """Count argon2 work: {'hash': n, 'verify': [hash checked against, ...]}."""
    seen: dict = {"hash": 0, "verify": []}
    real_hash, real_verify = passwords.hash_password, passwords.verify_password

    def hash_password(password: str) -> str:
        seen["hash"] += 1
        return real_hash(password)

    def verify_password(password_hash: str, password: str) -> bool:
        seen["verify"].append(password_hash)
        return real_verify(password_hash, password)

    monkeypatch.setattr(service, "hash_password", hash_password)
    monkeypatch.setattr(service, "verify_password", verify_password)
    return seen


def argon2_settings(password_hash: str) -> str:
    """The algorithm and cost part of an argon2 hash ($argon2id$v=19$m=..,t=..,p=..)."""
    return password_hash.rsplit("$", 2)[0]


# --- the rules --------------------------------------------------------------------


def test_sign_up_with_a_taken_email_makes_no_account_but_does_the_same_work(
    app, owner, count_hashing
):
    before = user_count()
    assert service.sign_up(TAKEN.upper(), "Someone Else", GOOD) is None
    assert user_count() == before
    assert count_hashing["hash"] == 1  # as long as making an account takes

    assert service.sign_up(FREE, "Someone Else", GOOD) is not None
    assert count_hashing["hash"] == 2


def test_sign_up_holds_a_taken_email_to_the_password_rule_too(app, owner):
    for email in (TAKEN, FREE):
        with pytest.raises(service.WeakPassword):
            service.sign_up(email, "Someone Else", "password1")


def test_unknown_email_checks_a_hash_as_costly_as_a_real_one(app, owner, count_hashing):
    for email in (TAKEN, FREE):
        with pytest.raises(service.InvalidCredentials) as raised:
            service.authenticate(email, "not the password")
        assert str(raised.value) == "That email address and password do not match an account."
    known, unknown = count_hashing["verify"]
    assert known == owner.password_hash
    assert unknown != known
    assert argon2_settings(unknown) == argon2_settings(owner.password_hash)


# --- sign-up ----------------------------------------------------------------------


def sign_up_data(email: str, **overrides) -> dict:
    data = {"display_name": "Sam Newcomer", "email": email, "password": GOOD, "confirm": GOOD}
    data.update(overrides)
    return data


def test_sign_up_answers_the_same_and_mails_the_owner(client, post_form, owner, mailbox):
    taken = post_form("/sign-up", sign_up_data(TAKEN), token_page="/sign-up")
    free = post_form("/sign-up", sign_up_data(FREE), token_page="/sign-up")
    answers_alike(taken, free)
    assert taken.status_code == 200
    assert "Check your email" in taken.get_data(as_text=True)
    # Neither is signed in: signing in a new account at once would tell them apart.
    assert client.get("/account").status_code == 302

    to_owner, to_newcomer = mailbox()
    assert to_owner["To"] == TAKEN and to_newcomer["To"] == FREE
    body = to_owner.get_content()
    assert "tried to create an account" in body
    assert "/sign-in" in body and "/password/forgot" in body
    assert "Sam Newcomer" not in body  # the stranger's words are not passed on
    assert "/verify/" in to_newcomer.get_content()
    db.session.refresh(owner)
    assert owner.display_name == "Tam Owner" and owner.password_hash != GOOD


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"password": "password1", "confirm": "password1"}, id="weak password"),
        pytest.param({"confirm": GOOD + "x"}, id="confirmation differs"),
        pytest.param({"display_name": "Scumbag Sam"}, id="name the standards reject"),
    ],
)
def test_sign_up_refusals_are_the_same_for_a_taken_email(post_form, owner, mailbox, overrides):
    taken = post_form("/sign-up", sign_up_data(TAKEN, **overrides), token_page="/sign-up")
    free = post_form("/sign-up", sign_up_data(FREE, **overrides), token_page="/sign-up")
    assert taken.status_code in (400, 422)
    answers_alike(taken, free)
    assert f'value="{TAKEN}"' in taken.get_data(as_text=True)
    assert mailbox() == []
    assert user_count() == 1


# --- sign-in ----------------------------------------------------------------------


def test_sign_in_failures_read_the_same(post_form, owner, count_hashing):
    wrong = post_form("/sign-in", {"email": TAKEN, "password": "not the password"})
    unknown = post_form("/sign-in", {"email": FREE, "password": "not the password"})
    answers_alike(wrong, unknown)
    assert wrong.status_code == 400
    assert "do not match an account" in wrong.get_data(as_text=True)
    # One password check each, at the same cost.
    assert len(count_hashing["verify"]) == 2
    first, second = count_hashing["verify"]
    assert argon2_settings(first) == argon2_settings(second)


def test_sign_in_of_an_unverified_account_reads_the_same_when_wrong(
    post_form, create_user, count_hashing
):
    create_user(email=TAKEN, verified=False)
    wrong = post_form("/sign-in", {"email": TAKEN, "password": "not the password"})
    unknown = post_form("/sign-in", {"email": FREE, "password": "not the password"})
    answers_alike(wrong, unknown)


# --- password reset ---------------------------------------------------------------


def test_reset_requests_answer_the_same_and_mail_either_way(post_form, owner, mailbox):
    taken = post_form("/password/forgot", {"email": TAKEN})
    free = post_form("/password/forgot", {"email": FREE})
    answers_alike(taken, free)
    assert taken.status_code == 200
    to_owner, to_stranger = mailbox()
    assert to_owner["To"] == TAKEN and "/password/reset/" in to_owner.get_content()
    assert to_stranger["To"] == FREE
    assert "no account here uses it" in to_stranger.get_content()
    assert "/password/reset/" not in to_stranger.get_content()


def test_reset_refusals_are_the_same_for_a_taken_email(post_form, owner, mailbox):
    taken = post_form("/password/forgot", {"email": TAKEN + "@"})
    free = post_form("/password/forgot", {"email": FREE + "@"})
    assert taken.status_code == 400
    taken_html = page_without_secrets(taken, TAKEN + "@")
    assert taken_html == page_without_secrets(free, FREE + "@")
    assert mailbox() == []


# --- confirming an address --------------------------------------------------------


def test_confirmation_is_sent_only_to_the_signed_in_persons_own_address(
    client, post_form, create_user, sign_in, mailbox
):
    # Anonymous: sent to sign in, whatever address is named.
    response = post_form("/verify/resend", {"email": TAKEN}, token_page="/sign-in")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    person = create_user(email="me@example.org", verified=False)
    create_user(email=TAKEN, verified=False)
    sign_in(person)
    post_form("/verify/resend", {"email": TAKEN}, token_page="/account")
    [message] = mailbox()
    assert message["To"] == "me@example.org"


def test_a_right_password_is_still_the_only_way_to_learn_of_a_disabled_account(post_form, owner):
    from townhall.database import utcnow

    owner.disabled_at = utcnow()
    db.session.commit()
    wrong = post_form("/sign-in", {"email": TAKEN, "password": "not the password"})
    unknown = post_form("/sign-in", {"email": FREE, "password": "not the password"})
    answers_alike(wrong, unknown)
    right = post_form("/sign-in", {"email": TAKEN, "password": DEFAULT_PASSWORD})
    assert "has been disabled" in right.get_data(as_text=True)
