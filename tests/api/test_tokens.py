"""Personal tokens: made and revoked in account settings, shown once, stored hashed,
scoped, with last-used time and a rate limit of their own."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.api.conftest import Api, assert_problem
from townhall.accounts.permissions import Role
from townhall.api.models import ApiToken
from townhall.api.tokens import hash_secret
from townhall.extensions import db

SECRET = re.compile(r"data-token-secret>(th_[A-Za-z0-9_-]+)<")


def test_make_use_and_revoke_a_token_in_account_settings(client, sign_in, post_form, citizen):
    sign_in(citizen)
    page = client.get("/account/api-tokens")
    assert page.status_code == 200
    assert "officer" not in page.get_data(as_text=True).lower().split("scopes")[1][:400]
    made = post_form(
        "/account/api-tokens",
        {"name": "My dashboard", "scopes": ["read", "write"]},
        token_page="/account/api-tokens",
    )
    assert made.status_code == 201
    secret = SECRET.search(made.get_data(as_text=True)).group(1)
    stored = db.session.scalars(select(ApiToken)).one()
    assert stored.token_hash == hash_secret(secret) and secret not in stored.token_hash
    assert stored.scope_set == {"read", "write"} and stored.last_used_at is None
    # Shown once: the list afterwards shows only the prefix.
    assert secret not in client.get("/account/api-tokens").get_data(as_text=True)

    api = Api(client, secret)
    assert api.get("/me").get_json()["display_name"] == citizen.display_name
    db.session.expire_all()
    assert db.session.get(ApiToken, stored.id).last_used_at is not None

    asked = post_form(
        f"/account/api-tokens/{stored.id}/revoke", {}, token_page="/account/api-tokens"
    )
    assert asked.status_code == 200  # the page that asks first; nothing revoked yet
    assert "stops it working at once" in asked.get_data(as_text=True)
    assert api.get("/me").status_code == 200
    revoked = post_form(
        f"/account/api-tokens/{stored.id}/revoke",
        {"confirm": "yes"},
        token_page="/account/api-tokens",
    )
    assert revoked.status_code == 303
    assert_problem(api.get("/me"), 401, "revoked")


def test_a_citizen_cannot_give_a_token_the_officer_scope(client, sign_in, post_form, citizen):
    sign_in(citizen)
    refused = post_form(
        "/account/api-tokens",
        {"name": "Sneaky", "scopes": ["officer"]},
        token_page="/account/api-tokens",
    )
    assert refused.status_code == 400
    assert db.session.scalars(select(ApiToken)).all() == []


def test_an_officer_may(client, sign_in, post_form, officer):
    sign_in(officer)
    made = post_form(
        "/account/api-tokens",
        {"name": "CRM", "scopes": ["officer"]},
        token_page="/account/api-tokens",
    )
    assert made.status_code == 201


def test_nobody_else_can_revoke_my_token(
    client, sign_in, post_form, make_token, citizen, create_user
):
    make_token(citizen, "read")
    token = db.session.scalars(select(ApiToken)).one()
    sign_in(create_user())
    response = post_form(
        f"/account/api-tokens/{token.id}/revoke", {}, token_page="/account/api-tokens"
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_token_pages_need_sign_in(client):
    assert client.get("/account/api-tokens").status_code == 302


def test_bad_tokens_are_refused_with_the_reason(client, api_as, citizen, create_user):
    assert_problem(Api(client, "th_not-a-real-token").get("/consultations"), 401, "not recognised")
    response = client.get("/api/v1/consultations", headers={"Authorization": "Basic abc"})
    assert_problem(response, 401, "Bearer")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    disabled = create_user()
    api = api_as(disabled, "read")
    from townhall.database import utcnow

    disabled.disabled_at = utcnow()
    db.session.commit()
    assert_problem(api.get("/consultations"), 401, "disabled")


def test_scopes_are_enforced(api_as, citizen, create_consultation):
    consultation = create_consultation(status="open")
    writer_only = api_as(citizen, "write")
    assert_problem(writer_only.get("/consultations"), 403, "read scope")
    reader = api_as(citizen, "read")
    response = reader.post(f"/consultations/{consultation.id}/comments", {"body": "Hello"})
    assert_problem(response, 403, "write scope")
    assert_problem(
        api_as(None).post(f"/consultations/{consultation.id}/comments", {"body": "Hi"}),
        401,
        "token",
    )
    # The officer scope on a citizen's token would not help: the role decides too.
    assert_problem(
        api_as(citizen, "read", "write").post("/consultations", {}), 403, "officer scope"
    )


def test_a_browser_session_never_authenticates_the_api(
    client, sign_in, citizen, create_consultation
):
    """Cookies are not API credentials, so the API needs no CSRF token."""
    consultation = create_consultation(status="open")
    sign_in(citizen)
    response = client.post(
        f"/api/v1/consultations/{consultation.id}/comments", json={"body": "From a browser"}
    )
    assert_problem(response, 401, "token")


def test_rate_limit_per_token(app, api_as, citizen, create_user):
    app.config["TOWNHALL_API_RATELIMIT"] = "3 per minute"
    first = api_as(citizen, "read")
    for _ in range(3):
        assert first.get("/areas").status_code == 200
    limited = first.get("/areas")
    assert_problem(limited, 429, "too many")
    # Another token has its own allowance.
    assert api_as(create_user(role=Role.STAFF), "read").get("/areas").status_code == 200
