"""Sessions and emailed links: renewed at sign-in, ended at sign-out, links used once.

A session (and a "keep me signed in" cookie) carries the account's session version;
signing out or changing the password moves it on, so a copy of an old cookie signs
nobody in. Reset links work once, expire, die with the password they were sent for,
and belong to one account; confirmation links expire and belong to one address.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import DEFAULT_PASSWORD, csrf_token_from, link_in
from townhall.accounts import service
from townhall.accounts.models import PasswordResetToken
from townhall.database import utcnow
from townhall.extensions import db

NEW_PASSWORD = "fresh new passphrase"


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def copy_cookies(app, client, names=("session", "remember_token")):
    """A second browser holding copies of `client`'s cookies."""
    other = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        if cookie is not None:
            other.set_cookie(name, cookie.value)
    return other


def set_cookie_header(response, name: str) -> str | None:
    return next(
        (c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")), None
    )


# --- sign-in renews the session ----------------------------------------------------


def test_sign_in_starts_a_new_session_and_a_new_csrf_token(client, create_user, sign_in):
    user = create_user()
    old_token = csrf_token_from(client, "/sign-in")
    with client.session_transaction() as session:
        session["planted"] = "by someone who set this browser's cookie"
        session["_fresh"] = True
    before = client.get_cookie("session").value

    sign_in(user)
    after = client.get_cookie("session").value
    assert after != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{user.id}:{user.session_version}"

    # A token from the page seen before signing in is no good now; the new one is.
    new_token = csrf_token_from(client, "/account")
    assert new_token != old_token
    stale = client.post("/verify/resend", data={"csrf_token": old_token})
    assert stale.status_code == 400
    assert client.post("/verify/resend", data={"csrf_token": new_token}).status_code == 302


def test_a_reset_link_also_starts_a_new_session(client, create_user, post_form, mailbox):
    user = create_user(email="olu@example.org")
    post_form("/password/forgot", {"email": user.email})
    path = link_in(mailbox()[0]).split("localhost", 1)[1]
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert post_form(path, data, token_page=path).status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
    assert signed_in(client)


# --- sign-out ends it --------------------------------------------------------------


def test_sign_out_deletes_the_session_and_the_remember_me_cookie(client, create_user, sign_in):
    sign_in(create_user(), remember=True)
    assert client.get_cookie("remember_token") is not None
    response = client.post("/sign-out", data={"csrf_token": csrf_token_from(client, "/")})
    assert response.status_code == 302
    remember = set_cookie_header(response, "remember_token")
    assert remember is not None and "Expires=Thu, 01 Jan 1970" in remember
    assert client.get_cookie("remember_token") is None
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert not signed_in(client)


def test_copies_of_the_cookies_sign_nobody_in_after_sign_out(app, client, create_user, sign_in):
    sign_in(create_user(), remember=True)
    only_session = copy_cookies(app, client, names=("session",))
    only_remember = copy_cookies(app, client, names=("remember_token",))
    assert signed_in(only_session) and signed_in(only_remember)

    client.post("/sign-out", data={"csrf_token": csrf_token_from(client, "/")})
    assert not signed_in(client)
    assert not signed_in(only_session)
    assert not signed_in(only_remember)


def test_after_sign_out_signing_in_again_works(client, create_user, sign_in):
    user = create_user()
    sign_in(user, remember=True)
    client.post("/sign-out", data={"csrf_token": csrf_token_from(client, "/")})
    sign_in(user, remember=True)
    assert signed_in(client)
    client.delete_cookie("session")
    assert signed_in(client)  # the new remember-me cookie carries the new version


def test_a_password_reset_ends_remembered_sessions_too(app, client, create_user, sign_in):
    user = create_user()
    sign_in(user, remember=True)
    remembered = copy_cookies(app, client, names=("remember_token",))
    _, token = service.request_password_reset(user.email)
    service.reset_password(token, NEW_PASSWORD)
    db.session.commit()
    assert not signed_in(remembered)
    assert not signed_in(client)


# --- reset links -------------------------------------------------------------------


@pytest.fixture
def reset_link(app, create_user, post_form, mailbox):
    """Ask for a reset of olu@example.org's password; return (user, path of the link)."""
    user = create_user(email="olu@example.org")
    post_form("/password/forgot", {"email": user.email})
    return user, link_in(mailbox()[-1]).split("localhost", 1)[1]


def reset_with(post_form, path: str, password: str = NEW_PASSWORD):
    return post_form(path, {"password": password, "confirm": password}, token_page="/sign-in")


def test_a_used_reset_link_fails(app, client, reset_link, post_form):
    user, path = reset_link
    assert reset_with(post_form, path).status_code == 302
    client.post("/sign-out", data={"csrf_token": csrf_token_from(client, "/")})

    response = reset_with(post_form, path, "another passphrase here")
    assert response.status_code == 400
    assert "already been used" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert service.authenticate(user.email, NEW_PASSWORD)


def test_a_used_reset_token_fails_in_the_service(app, create_user):
    user = create_user()
    _, token = service.request_password_reset(user.email)
    service.reset_password(token, NEW_PASSWORD)
    db.session.commit()
    with pytest.raises(service.TokenUsed):
        service.reset_password(token, "another passphrase here")


def test_an_expired_reset_link_fails(app, reset_link, post_form):
    user, path = reset_link
    record = db.session.scalars(select(PasswordResetToken)).one()
    record.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = reset_with(post_form, path)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert service.authenticate(user.email, DEFAULT_PASSWORD)


def test_reset_links_expire_after_the_configured_time(app, create_user):
    user = create_user()
    service.request_password_reset(user.email)
    record = db.session.scalars(select(PasswordResetToken)).one()
    lifetime = record.expires_at - utcnow()
    assert timedelta(0) < lifetime <= app.config["PASSWORD_RESET_MAX_AGE"]


def test_a_reset_link_dies_when_the_password_changes_another_way(app, reset_link, post_form):
    user, path = reset_link
    from townhall.accounts.passwords import hash_password

    user.password_hash = hash_password("changed some other way")
    db.session.commit()
    response = reset_with(post_form, path)
    assert response.status_code == 400
    assert "password has changed" in response.get_data(as_text=True)
    assert service.authenticate(user.email, "changed some other way")


def test_an_older_reset_link_dies_when_a_newer_one_is_used(app, create_user):
    user = create_user()
    _, older = service.request_password_reset(user.email)
    _, newer = service.request_password_reset(user.email)
    service.reset_password(newer, NEW_PASSWORD)
    db.session.commit()
    with pytest.raises(service.TokenUsed):
        service.check_reset_token(older)


def test_a_reset_link_belongs_to_one_account(app, create_user):
    olu, ada = create_user(email="olu@example.org"), create_user(email="ada@example.org")
    _, olus = service.request_password_reset(olu.email)
    _, adas = service.request_password_reset(ada.email)
    assert service.reset_password(olus, NEW_PASSWORD).id == olu.id
    db.session.commit()
    assert service.authenticate(ada.email, DEFAULT_PASSWORD)
    # Olu's secret with Ada's password fingerprint (or the other way) opens neither.
    olu_secret, _, _ = olus.rpartition(".")
    ada_secret, _, ada_print = adas.rpartition(".")
    with pytest.raises(service.AccountError):
        service.check_reset_token(f"{olu_secret}.{ada_print}")
    with pytest.raises(service.AccountError):
        service.check_reset_token(ada_secret)
    assert service.check_reset_token(adas).user_id == ada.id


def test_a_made_up_or_altered_reset_link_fails(app, reset_link, client):
    _, path = reset_link
    for bad in (path[:-1] + ("A" if path[-1] != "A" else "B"), "/password/reset/made-up"):
        response = client.get(bad)
        assert response.status_code == 400


# --- confirmation links ------------------------------------------------------------


def test_a_confirmation_link_expires(app, create_user, monkeypatch):
    user = create_user(verified=False)
    token = service.make_verification_token(user)
    app.config["EMAIL_VERIFICATION_MAX_AGE"] = timedelta(seconds=-1)
    with pytest.raises(service.TokenExpired):
        service.verify_email(token)
    assert not user.is_verified


def test_a_confirmation_link_belongs_to_one_account_and_address(app, create_user, client):
    olu = create_user(email="olu@example.org", verified=False)
    ada = create_user(email="ada@example.org", verified=False)
    token = service.make_verification_token(olu)
    # Signed: it cannot be altered to name Ada, and it confirms only Olu's address.
    forged = token.replace(str(olu.id), str(ada.id), 1)
    assert client.get(f"/verify/{forged}").status_code == 400
    olu.email = "olu.new@example.org"
    db.session.commit()
    assert client.get(f"/verify/{token}").status_code == 400
    db.session.refresh(ada)
    db.session.refresh(olu)
    assert not ada.is_verified and not olu.is_verified
