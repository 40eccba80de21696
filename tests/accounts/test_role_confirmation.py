"""Changing a person's role asks first, saying who, from what to what, and what they
gain or lose (issue 15, finding 8)."""

from __future__ import annotations

from tests.conftest import csrf_token_from
from townhall.accounts.models import RoleChange
from townhall.accounts.permissions import Role
from townhall.extensions import db


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_a_role_change_asks_first_and_says_what_it_changes(client, create_user, sign_in, post_form):
    admin = create_user(role=Role.ADMIN)
    person = create_user(role=Role.OFFICER, display_name="Rosa", email="rosa@example.org")
    sign_in(admin)
    url = f"/admin/users/{person.id}/role"
    response = post_form(url, {"role": "citizen"}, token_page="/admin/users")
    assert response.status_code == 200
    page = text_of(response)
    assert "<h1>Make Rosa citizen?</h1>" in page
    assert "Rosa (rosa@example.org) will be citizen instead of officer." in page
    assert "They will no longer be able to read and take part in staff-only" in page
    assert "create, open and close consultations" in page
    assert 'href="/admin/users">Cancel</a>' in page
    db.session.refresh(person)
    assert person.role is Role.OFFICER and db.session.query(RoleChange).count() == 0

    token = csrf_token_from(client, "/admin/users")
    response = client.post(url, data={"role": "citizen", "confirm": "yes", "csrf_token": token})
    assert response.status_code == 303
    db.session.refresh(person)
    assert person.role is Role.CITIZEN


def test_a_refused_role_change_says_why_without_asking(client, create_user, sign_in, post_form):
    admin = create_user(role=Role.ADMIN)
    sign_in(admin)
    response = post_form(
        f"/admin/users/{admin.id}/role", {"role": "citizen"}, token_page="/admin/users"
    )
    assert response.status_code == 409
    assert "You cannot remove your own admin role" in text_of(response)
