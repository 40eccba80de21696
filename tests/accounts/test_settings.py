"""A signed-in person's own settings: password, display name and email address.

Each is changed from the account page through a form; a change of credential
(password, email address) signs out every other device and keeps this one. The email
address changes only once a signed link sent to the new one is opened; the old one is
told, with a link to say "this was not me", and the form never reveals whether the
new address already has an account.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.accounts.test_sessions import copy_cookies, signed_in
from tests.conftest import DEFAULT_PASSWORD, csrf_token_from, link_in
from townhall.accounts import service
from townhall.accounts.passwords import verify_password
from townhall.extensions import db

NEW_PASSWORD = "marmalade orchestra pylon"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def path_of(link: str) -> str:
    return link.split("localhost", 1)[1]


# --- the rules (service) -----------------------------------------------------------


def test_changing_the_password_needs_the_current_one(app, create_user):
    user = create_user()
    with pytest.raises(service.WrongPassword):
        service.change_password(user, "not my password", NEW_PASSWORD)
    with pytest.raises(service.WeakPassword):
        service.change_password(user, DEFAULT_PASSWORD, "password1")
    with pytest.raises(service.WeakPassword, match="different from your current"):
        service.change_password(user, DEFAULT_PASSWORD, DEFAULT_PASSWORD)
    version = user.session_version
    service.change_password(user, DEFAULT_PASSWORD, NEW_PASSWORD)
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert user.session_version == version + 1


def test_an_email_change_waits_for_the_link_then_ends_sessions(app, create_user):
    user = create_user(email="old@example.org")
    with pytest.raises(service.WrongPassword):
        service.request_email_change(user, "wrong", "new@example.org")
    with pytest.raises(service.NothingChanged):
        service.request_email_change(user, DEFAULT_PASSWORD, " OLD@example.org ")
    token = service.request_email_change(user, DEFAULT_PASSWORD, "New@Example.org")
    assert token is not None and user.email == "old@example.org"
    version = user.session_version

    moved, old = service.confirm_email_change(token)
    assert moved is user and old == "old@example.org"
    assert user.email == "new@example.org" and user.is_verified
    assert user.session_version == version + 1
    with pytest.raises(service.TokenUsed, match="already been used"):
        service.confirm_email_change(token)


def test_a_taken_address_gives_no_token_and_changes_nothing(app, create_user):
    create_user(email="taken@example.org")
    user = create_user(email="mine@example.org")
    assert service.request_email_change(user, DEFAULT_PASSWORD, "taken@example.org") is None
    assert user.email == "mine@example.org"


def test_a_change_link_dies_when_the_password_changes(app, create_user):
    user = create_user()
    token = service.request_email_change(user, DEFAULT_PASSWORD, "new@example.org")
    service.change_password(user, DEFAULT_PASSWORD, NEW_PASSWORD)
    with pytest.raises(service.TokenUsed, match="no longer works"):
        service.check_email_change(token)


def test_not_me_puts_the_address_back_and_locks_the_password(app, create_user):
    user = create_user(email="owner@example.org")
    token = service.request_email_change(user, DEFAULT_PASSWORD, "thief@example.org")
    not_me = service.make_not_me_token(user, "thief@example.org")
    service.confirm_email_change(token)
    assert user.email == "thief@example.org"

    service.refuse_email_change(not_me)
    assert user.email == "owner@example.org"
    assert not verify_password(user.password_hash, DEFAULT_PASSWORD)
    with pytest.raises(service.TokenUsed):
        service.check_not_me(not_me)


# --- password (pages) --------------------------------------------------------------


def test_the_account_page_links_to_each_setting(client, create_user, sign_in):
    sign_in(create_user())
    page = text_of(client.get("/account"))
    for path in ("/account/password", "/account/display-name", "/account/email-address"):
        assert f'href="{path}"' in page


def test_changing_the_password_keeps_this_session_and_ends_the_others(
    app, client, create_user, sign_in, post_form
):
    user = create_user()
    sign_in(user, remember=True)
    other_device = copy_cookies(app, client)
    assert signed_in(other_device)

    response = post_form(
        "/account/password",
        {"current_password": DEFAULT_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        token_page="/account/password",
    )
    assert response.status_code == 303
    assert "every other device has been signed out" in text_of(client.get("/account"))
    assert not signed_in(other_device)
    client.delete_cookie("session")
    assert signed_in(client)  # this browser's remember-me cookie was renewed too
    db.session.refresh(user)
    assert verify_password(user.password_hash, NEW_PASSWORD)


def test_a_wrong_current_password_is_refused_beside_its_field(client, create_user, sign_in):
    user = create_user()
    sign_in(user)
    token = csrf_token_from(client, "/account/password")
    response = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": "not it",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400
    assert "Your current password is not right" in text_of(response)
    db.session.refresh(user)
    assert verify_password(user.password_hash, DEFAULT_PASSWORD)


def test_a_weak_new_password_is_refused(client, create_user, sign_in, post_form):
    sign_in(create_user())
    response = post_form(
        "/account/password",
        {"current_password": DEFAULT_PASSWORD, "password": "password1", "confirm": "password1"},
        token_page="/account/password",
    )
    assert response.status_code == 400
    assert "most common passwords" in text_of(response)
    response = post_form(
        "/account/password",
        {"current_password": DEFAULT_PASSWORD, "password": NEW_PASSWORD, "confirm": "other"},
        token_page="/account/password",
    )
    assert response.status_code == 400
    assert "The two new passwords do not match." in text_of(response)


def test_guessing_the_current_password_is_rate_limited(client, create_user, sign_in):
    sign_in(create_user())
    token = csrf_token_from(client, "/account/password")
    data = {"csrf_token": token, "current_password": "guess", "password": NEW_PASSWORD}
    data["confirm"] = NEW_PASSWORD
    statuses = [client.post("/account/password", data=data).status_code for _ in range(11)]
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429
    response = client.post("/account/password", data=data)
    assert response.status_code == 429
    assert "Too many tries at your current password." in text_of(response)


def test_the_settings_need_a_signed_in_person(client):
    for path in ("/account/password", "/account/display-name", "/account/email-address"):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


# --- display name (pages) ----------------------------------------------------------


def test_changing_the_display_name(client, create_user, sign_in, post_form):
    user = create_user(display_name="Priya")
    sign_in(user)
    assert 'value="Priya"' in text_of(client.get("/account/display-name"))
    response = post_form(
        "/account/display-name",
        {"display_name": "  Priya   Patel "},
        token_page="/account/display-name",
    )
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.display_name == "Priya Patel"
    assert "Your display name is now “Priya Patel”." in text_of(client.get("/account"))


def test_a_display_name_the_standards_reject_is_refused_with_the_clause(
    client, create_user, sign_in, post_form
):
    user = create_user(display_name="Priya")
    sign_in(user)
    response = post_form(
        "/account/display-name",
        {"display_name": "Priya the pillock"},
        token_page="/account/display-name",
    )
    assert response.status_code == 422
    page = text_of(response)
    assert "clause" in page and "cannot be published" in page
    assert 'value="Priya the pillock"' in page  # what was typed is kept
    db.session.refresh(user)
    assert user.display_name == "Priya"


def test_a_held_display_name_waits_as_at_sign_up(client, create_user, sign_in, post_form):
    user = create_user(display_name="Priya")
    sign_in(user)
    response = post_form(
        "/account/display-name", {"display_name": "Cllr Priya"}, token_page="/account/display-name"
    )
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.display_name == "New member"
    page = text_of(client.get("/account"))
    assert "“Cllr Priya” waits for a moderator" in page


def test_a_bad_display_name_is_refused_beside_its_field(client, create_user, sign_in, post_form):
    user = create_user(display_name="Priya")
    sign_in(user)
    for name, message in (
        ("", "Enter the name to show beside your posts."),
        ("P", "Use 2 to"),
        ("Priya", "Your display name is already “Priya”."),
    ):
        response = post_form(
            "/account/display-name", {"display_name": name}, token_page="/account/display-name"
        )
        assert response.status_code == 400, name
        assert message in text_of(response)


# --- email address (pages) ---------------------------------------------------------


def ask_for(post_form, email: str, password: str = DEFAULT_PASSWORD):
    return post_form(
        "/account/email-address",
        {"email": email, "current_password": password},
        token_page="/account/email-address",
    )


def test_changing_the_email_address_end_to_end(
    app, client, create_user, sign_in, post_form, mailbox
):
    user = create_user(email="old@example.org", display_name="Priya")
    sign_in(user, remember=True)
    other_device = copy_cookies(app, client)

    response = ask_for(post_form, "New@Example.org")
    assert response.status_code == 200
    assert "We have sent a message to <strong>new@example.org</strong>" in text_of(response)
    db.session.refresh(user)
    assert user.email == "old@example.org"  # not until the link is opened

    to_new, to_old = mailbox()
    assert to_new["To"] == "new@example.org" and to_old["To"] == "old@example.org"
    assert "new@example.org" in to_old.get_content()
    assert "/account/email-address/not-me/" in link_in(to_old)
    link = path_of(link_in(to_new))

    page = client.get(link)  # opening the link changes nothing: its button does
    assert page.status_code == 200 and "Use new@example.org" in text_of(page)
    db.session.refresh(user)
    assert user.email == "old@example.org"

    response = post_form(link, {}, token_page=link)
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.email == "new@example.org"
    assert signed_in(client)
    assert not signed_in(other_device)

    # A link is good once.
    again = client.get(link)
    assert again.status_code == 400
    assert "already been used" in text_of(again)


def test_the_link_works_without_being_signed_in(client, create_user, post_form, mailbox, sign_in):
    user = create_user(email="old@example.org")
    sign_in(user)
    ask_for(post_form, "new@example.org")
    client.post("/sign-out", data={"csrf_token": csrf_token_from(client, "/")})
    link = path_of(link_in(mailbox()[0]))
    response = post_form(link, {}, token_page=link)
    assert response.status_code == 303 and response.headers["Location"].endswith("/sign-in")
    db.session.refresh(user)
    assert user.email == "new@example.org"


def test_a_taken_email_says_the_same_and_tells_its_owner(
    client, create_user, sign_in, post_form, mailbox
):
    create_user(email="taken@example.org")
    user = create_user(email="mine@example.org")
    sign_in(user)
    taken = ask_for(post_form, "taken@example.org")
    free = ask_for(post_form, "free@example.org")
    assert taken.status_code == free.status_code == 200
    assert text_of(taken).replace("taken@", "X@") == text_of(free).replace("free@", "X@")

    messages = mailbox()
    assert [m["To"] for m in messages] == [
        "taken@example.org",
        "mine@example.org",
        "free@example.org",
        "mine@example.org",
    ]
    assert "nothing was changed" in messages[0].get_content()
    assert "/confirm/" not in messages[0].get_content()
    # The old address gets the same message either way.
    assert messages[1]["Subject"] == messages[3]["Subject"]
    db.session.refresh(user)
    assert user.email == "mine@example.org"


def test_bad_email_change_input_keeps_what_was_typed(client, create_user, sign_in, post_form):
    user = create_user(email="mine@example.org")
    sign_in(user)
    for email, password, message in (
        ("new@example.org", "not it", "Your current password is not right"),
        ("not an address", DEFAULT_PASSWORD, "Enter an email address in the form"),
        ("mine@example.org", DEFAULT_PASSWORD, "is already your email address"),
    ):
        response = ask_for(post_form, email, password)
        assert response.status_code == 400, email
        page = text_of(response)
        assert message in page and f'value="{email}"' in page


def test_an_expired_change_link_is_refused(app, client, create_user, sign_in, post_form, mailbox):
    user = create_user(email="old@example.org")
    sign_in(user)
    ask_for(post_form, "new@example.org")
    link = path_of(link_in(mailbox()[0]))
    # Any age is past a lifetime below zero: as if the link were opened days late.
    app.config["EMAIL_VERIFICATION_MAX_AGE"] = timedelta(seconds=-1)
    response = client.get(link)
    assert response.status_code == 400
    assert "This link has expired" in text_of(response)
    response = client.post(link, data={"csrf_token": csrf_token_from(client, "/")})
    assert response.status_code == 400
    db.session.refresh(user)
    assert user.email == "old@example.org"


def test_an_altered_change_link_is_refused(client, create_user, sign_in, post_form, mailbox):
    sign_in(create_user())
    ask_for(post_form, "new@example.org")
    link = path_of(link_in(mailbox()[0]))
    response = client.get(link[:-3] + "abc")
    assert response.status_code == 400
    assert "not valid" in text_of(response)


def test_this_was_not_me(client, create_user, sign_in, post_form, mailbox):
    user = create_user(email="owner@example.org")
    sign_in(user)
    ask_for(post_form, "thief@example.org")
    not_me = path_of(link_in(mailbox()[1]))
    change = path_of(link_in(mailbox()[0]))
    page = client.get(not_me)
    assert page.status_code == 200 and "thief@example.org" in text_of(page)

    response = post_form(not_me, {}, token_page=not_me)
    assert response.status_code == 200
    assert "The change is stopped" in text_of(response)
    assert not signed_in(client)
    reset = mailbox()[-1]
    assert reset["To"] == "owner@example.org" and "/password/reset/" in link_in(reset)
    assert client.get(change).status_code == 400  # the change link no longer works
    db.session.refresh(user)
    assert user.email == "owner@example.org"
    assert client.get(not_me).status_code == 400  # nor does this one, twice
