"""Account pages through the Flask client: the happy paths and every bad input."""

from datetime import timedelta

from sqlalchemy import select

from tests.conftest import DEFAULT_PASSWORD, link_in
from townhall.accounts.models import PasswordResetToken, RoleChange, User
from townhall.accounts.permissions import Role
from townhall.database import utcnow
from townhall.extensions import db

GOOD = "tangerine bicycle lantern"


def sign_up_data(**overrides):
    data = {
        "display_name": "Priya Patel",
        "email": "priya@example.org",
        "password": GOOD,
        "confirm": GOOD,
    }
    data.update(overrides)
    return data


def text_of(response) -> str:
    return response.get_data(as_text=True)


# --- sign up and verification ---------------------------------------------


def test_sign_up_sends_a_confirmation_link_then_sign_in(client, post_form, mailbox):
    response = post_form("/sign-up", sign_up_data())
    assert response.status_code == 200
    assert "Check your email" in text_of(response)
    user = db.session.scalars(select(User)).one()
    assert user.email == "priya@example.org" and not user.is_verified

    [message] = mailbox()
    assert message["To"] == "priya@example.org"
    link = link_in(message)
    assert "/verify/" in link

    # Not signed in: the page is the same for an address that already has an account.
    assert client.get("/account").status_code == 302
    response = client.get(link.split("localhost", 1)[1])
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/sign-in")
    db.session.refresh(user)
    assert user.is_verified


def test_sign_up_with_a_weak_password_keeps_what_was_typed(post_form):
    response = post_form("/sign-up", sign_up_data(password="password1", confirm="password1"))
    assert response.status_code == 400
    html = text_of(response)
    assert "There is a problem" in html
    assert "most common passwords" in html
    assert 'value="Priya Patel"' in html
    assert 'value="priya@example.org"' in html
    assert "password1" not in html  # passwords are never sent back


def test_sign_up_with_mismatched_confirmation(post_form):
    response = post_form("/sign-up", sign_up_data(confirm="tangerine bicycle lanterns"))
    assert response.status_code == 400
    assert "The two passwords do not match." in text_of(response)
    assert 'value="priya@example.org"' in text_of(response)


def test_sign_up_with_a_taken_email_tells_the_owner_by_email(post_form, create_user, mailbox):
    create_user(email="priya@example.org")
    response = post_form("/sign-up", sign_up_data(email="Priya@Example.org"))
    assert response.status_code == 200
    assert "Check your email" in text_of(response)
    [message] = mailbox()
    assert message["To"] == "priya@example.org"
    assert "You already have an account" in message["Subject"]
    assert len(db.session.scalars(select(User)).all()) == 1


def test_sign_up_with_missing_and_malformed_fields(post_form):
    response = post_form("/sign-up", {"display_name": "", "email": "not-an-email"})
    assert response.status_code == 400
    html = text_of(response)
    assert "Enter the name to show beside your posts." in html
    assert "Enter an email address in the form name@example.org." in html
    assert "Choose a password." in html
    assert 'value="not-an-email"' in html


def test_sign_up_without_csrf_token_is_refused_but_keeps_input(client):
    response = client.post("/sign-up", data=sign_up_data())
    assert response.status_code == 400
    html = text_of(response)
    assert "This form had expired or did not come from this site." in html
    assert 'value="Priya Patel"' in html and 'value="priya@example.org"' in html
    assert GOOD not in html
    assert db.session.scalars(select(User)).first() is None


def test_sign_up_with_a_forged_csrf_token_is_refused(client):
    response = client.post("/sign-up", data=sign_up_data(csrf_token="forged"))
    assert response.status_code == 400
    assert db.session.scalars(select(User)).first() is None


def test_verification_link_that_is_bad(client):
    response = client.get("/verify/not-a-real-token")
    assert response.status_code == 400
    assert "This confirmation link is not valid" in text_of(response)


def test_resend_confirmation(client, create_user, sign_in, post_form, mailbox):
    user = create_user(verified=False)
    sign_in(user)
    response = post_form("/verify/resend", token_page="/account")
    assert response.status_code == 302
    assert len(mailbox()) == 1


# --- sign in and out --------------------------------------------------------


def test_sign_in_and_out(client, create_user, post_form):
    user = create_user(email="olu@example.org")
    response = post_form("/sign-in", {"email": "OLU@example.org", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert "Your account" in text_of(client.get("/"))
    response = post_form("/sign-out", token_page="/")
    assert response.status_code == 302
    assert "Sign in" in text_of(client.get("/"))
    assert client.get("/account").status_code == 302
    assert user.last_signed_in_at is not None


def test_sign_out_needs_a_post_with_csrf(client, create_user, sign_in):
    sign_in(create_user())
    assert client.get("/sign-out").status_code == 405
    assert client.post("/sign-out").status_code == 400
    assert "Your account" in text_of(client.get("/"))


def test_wrong_password_keeps_the_email(create_user, post_form):
    create_user(email="olu@example.org")
    response = post_form("/sign-in", {"email": "olu@example.org", "password": "wrong password"})
    assert response.status_code == 400
    html = text_of(response)
    assert "That email address and password do not match an account." in html
    assert 'value="olu@example.org"' in html
    assert "wrong password" not in html


def test_unknown_email_gets_the_same_message(post_form):
    response = post_form("/sign-in", {"email": "ghost@example.org", "password": "whatever it is"})
    assert response.status_code == 400
    assert "That email address and password do not match an account." in text_of(response)
    assert 'value="ghost@example.org"' in text_of(response)


def test_too_many_sign_in_attempts(app, create_user, post_form):
    app.config["RATELIMIT_SIGN_IN"] = "3 per minute"
    create_user(email="olu@example.org")
    for _ in range(3):
        response = post_form("/sign-in", {"email": "olu@example.org", "password": "wrong guess"})
        assert response.status_code == 400
    response = post_form("/sign-in", {"email": "olu@example.org", "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    html = text_of(response)
    assert "Too many attempts from here." in html
    assert 'value="olu@example.org"' in html
    assert "Your account" not in html  # even the right password is not tried


def test_sign_in_renews_the_session(client, create_user, sign_in):
    user = create_user()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    sign_in(user)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{user.id}:{user.session_version}"


def test_session_and_remember_cookies_are_locked_down(app, client, create_user, sign_in):
    response = sign_in(create_user(), remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    remember_cookie = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session_cookie, remember_cookie):
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert "Secure" not in cookie


def test_cookies_are_secure_with_https(database_url, redis_url, outbox, _migrated, monkeypatch):
    from tests.conftest import settings_for_tests
    from townhall import create_app

    monkeypatch.setenv("TOWNHALL_HTTPS", "1")
    https_app = create_app(settings_for_tests(database_url, redis_url, outbox))
    assert https_app.config["SESSION_COOKIE_SECURE"] is True
    assert https_app.config["REMEMBER_COOKIE_SECURE"] is True
    assert https_app.config["PREFERRED_URL_SCHEME"] == "https"


def test_remember_me_survives_the_session_cookie(client, create_user, sign_in):
    sign_in(create_user(), remember=True)
    client.delete_cookie("session")
    assert "Your account" in text_of(client.get("/"))


def test_without_remember_me_losing_the_session_signs_out(client, create_user, sign_in):
    sign_in(create_user())
    client.delete_cookie("session")
    assert "Your account" not in text_of(client.get("/"))


def test_next_redirect_stays_on_this_site(create_user, post_form):
    create_user(email="olu@example.org")
    data = {"email": "olu@example.org", "password": DEFAULT_PASSWORD}
    response = post_form("/sign-in?next=/account", data)
    assert response.headers["Location"].endswith("/account")


def test_next_redirect_to_another_site_is_ignored(client, create_user, post_form):
    create_user(email="olu@example.org")
    data = {"email": "olu@example.org", "password": DEFAULT_PASSWORD}
    response = post_form("/sign-in?next=//evil.example/steal", data)
    assert response.headers["Location"] == "/"


def test_pages_that_need_an_account_send_people_to_sign_in(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert "/sign-in?next=%2Faccount" in response.headers["Location"]


# --- password reset ---------------------------------------------------------


def test_password_reset_journey(client, create_user, post_form, mailbox):
    user = create_user(email="olu@example.org")
    response = post_form("/password/forgot", {"email": "olu@example.org"})
    assert response.status_code == 200
    assert "Check your email" in text_of(response)
    link = link_in(mailbox()[0])
    path = link.split("localhost", 1)[1]
    assert client.get(path).status_code == 200
    response = post_form(
        path,
        {"password": "fresh new passphrase", "confirm": "fresh new passphrase"},
        token_page=path,
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.session_version == 2

    # Used once: the same link now explains itself.
    response = client.get(path)
    assert response.status_code == 400
    assert "already been used" in text_of(response)


def test_reset_for_an_unknown_email_looks_the_same_and_sends_no_link(post_form, mailbox):
    response = post_form("/password/forgot", {"email": "ghost@example.org"})
    assert response.status_code == 200
    assert "Check your email" in text_of(response)
    [message] = mailbox()  # mail either way: see test_enumeration.py
    assert "/password/reset/" not in message.get_content()


def test_reset_with_a_bad_email_keeps_it(post_form):
    response = post_form("/password/forgot", {"email": "not an email"})
    assert response.status_code == 400
    assert 'value="not an email"' in text_of(response)


def test_expired_reset_link(client, create_user, post_form, mailbox):
    create_user(email="olu@example.org")
    post_form("/password/forgot", {"email": "olu@example.org"})
    path = link_in(mailbox()[0]).split("localhost", 1)[1]
    record = db.session.scalars(select(PasswordResetToken)).one()
    record.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 400
    assert "expired" in text_of(response)


def test_unknown_reset_link(client):
    response = client.get("/password/reset/made-up-token")
    assert response.status_code == 400
    assert "not valid" in text_of(response)


def test_reset_with_a_weak_or_mismatched_password(client, create_user, post_form, mailbox):
    create_user(email="olu@example.org")
    post_form("/password/forgot", {"email": "olu@example.org"})
    path = link_in(mailbox()[0]).split("localhost", 1)[1]
    response = post_form(path, {"password": "short", "confirm": "short"}, token_page=path)
    assert response.status_code == 400
    assert "Use at least 10 characters." in text_of(response)
    response = post_form(path, {"password": GOOD, "confirm": GOOD + "x"}, token_page=path)
    assert response.status_code == 400
    assert "The two passwords do not match." in text_of(response)


def test_too_many_reset_requests(app, post_form):
    app.config["RATELIMIT_PASSWORD_RESET"] = "2 per minute"
    for _ in range(2):
        assert post_form("/password/forgot", {"email": "olu@example.org"}).status_code == 200
    response = post_form("/password/forgot", {"email": "olu@example.org"})
    assert response.status_code == 429
    assert 'value="olu@example.org"' in text_of(response)


def test_a_password_reset_signs_out_other_sessions(app, create_user, sign_in, client):
    from townhall.accounts import service

    user = create_user()
    sign_in(user)
    _, token = service.request_password_reset(user.email)
    service.reset_password(token, "fresh new passphrase")
    db.session.commit()
    assert client.get("/account").status_code == 302


# --- admin: people and roles ------------------------------------------------


def test_people_page_is_for_admins_only(client, create_user, sign_in):
    assert client.get("/admin/users").status_code == 302
    sign_in(create_user(role=Role.OFFICER))
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "You cannot do that" in text_of(response)


def test_admin_lists_searches_and_changes_roles(client, create_user, sign_in, post_form):
    admin = create_user(role=Role.ADMIN, display_name="Ada Admin")
    resident = create_user(display_name="Rosa Resident", email="rosa@example.org")
    sign_in(admin)
    html = text_of(client.get("/admin/users"))
    assert "Rosa Resident" in html and "Ada Admin" in html
    html = text_of(client.get("/admin/users?q=rosa"))
    assert "Rosa Resident" in html and "Ada Admin" not in html
    html = text_of(client.get("/admin/users?role=admin"))
    assert "Ada Admin" in html and "Rosa Resident" not in html

    response = post_form(
        f"/admin/users/{resident.id}/role",
        {"role": "moderator", "confirm": "yes"},
        token_page="/admin/users",
    )
    assert response.status_code == 303
    db.session.refresh(resident)
    assert resident.role == Role.MODERATOR
    change = db.session.scalars(select(RoleChange)).one()
    assert change.changed_by_id == admin.id
    assert "changed Rosa Resident from citizen to moderator" in text_of(client.get("/admin/users"))


def test_admin_role_change_bad_input(client, create_user, sign_in, post_form):
    admin = create_user(role=Role.ADMIN)
    resident = create_user()
    sign_in(admin)
    response = post_form(
        f"/admin/users/{resident.id}/role", {"role": "emperor"}, token_page="/admin/users"
    )
    assert response.status_code == 400
    assert "Choose a role from the list." in text_of(response)
    response = post_form(
        f"/admin/users/{admin.id}/role", {"role": "citizen"}, token_page="/admin/users"
    )
    assert response.status_code == 409
    assert "You cannot remove your own admin role" in text_of(response)
    response = post_form("/admin/users/999999/role", {"role": "staff"}, token_page="/admin/users")
    assert response.status_code == 404


# --- error pages ------------------------------------------------------------


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in text_of(response)
