"""Account rules, against the real test database."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.altered_signatures import altered
from tests.conftest import DEFAULT_PASSWORD
from townhall.accounts import service
from townhall.accounts.models import PasswordResetToken, RoleChange, User
from townhall.accounts.permissions import Role
from townhall.database import utcnow
from townhall.extensions import db


def test_register_stores_a_normalised_email_and_a_hash(app):
    user = service.register_user(
        "  Ada@Example.ORG ", "  Ada   Lovelace ", "tangerine bicycle lantern"
    )
    db.session.commit()
    assert user.email == "ada@example.org"
    assert user.display_name == "Ada Lovelace"
    assert user.password_hash.startswith("$argon2id$")
    assert user.role == Role.CITIZEN
    assert not user.is_verified


def test_register_refuses_a_taken_email_in_any_case(app, create_user):
    create_user(email="taken@example.org")
    with pytest.raises(service.EmailTaken):
        service.register_user("TAKEN@example.org", "Someone", "tangerine bicycle lantern")


def test_the_database_refuses_duplicate_emails_too(app, create_user):
    from sqlalchemy.exc import IntegrityError

    create_user(email="twice@example.org")
    db.session.add(User(email="twice@example.org", display_name="X", password_hash="x"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_register_refuses_a_weak_password(app):
    with pytest.raises(service.WeakPassword) as raised:
        service.register_user("weak@example.org", "Weak", "password1")
    assert raised.value.problems


def test_verification_token_round_trip(app, create_user):
    user = create_user(verified=False)
    token = service.make_verification_token(user)
    assert service.verify_email(token).is_verified


def test_verification_token_for_an_old_email_is_refused(app, create_user):
    user = create_user(verified=False)
    token = service.make_verification_token(user)
    user.email = "changed@example.org"
    db.session.commit()
    with pytest.raises(service.TokenInvalid):
        service.verify_email(token)


def test_verification_token_tampered_or_expired(app, create_user):
    user = create_user(verified=False)
    token = service.make_verification_token(user)
    for bad in altered(token):
        with pytest.raises(service.TokenInvalid):
            service.verify_email(bad)
    app.config["EMAIL_VERIFICATION_MAX_AGE"] = timedelta(seconds=-1)
    with pytest.raises(service.TokenExpired):
        service.verify_email(token)


def test_authenticate(app, create_user):
    user = create_user(email="who@example.org")
    assert service.authenticate("WHO@example.org", DEFAULT_PASSWORD).id == user.id
    assert user.last_signed_in_at is not None
    with pytest.raises(service.InvalidCredentials):
        service.authenticate("who@example.org", "not the password")
    with pytest.raises(service.InvalidCredentials):
        service.authenticate("nobody@example.org", DEFAULT_PASSWORD)


def test_disabled_account_cannot_sign_in(app, create_user):
    user = create_user()
    user.disabled_at = utcnow()
    db.session.commit()
    with pytest.raises(service.AccountDisabled):
        service.authenticate(user.email, DEFAULT_PASSWORD)


def test_password_reset_is_single_use_and_ends_other_sessions(app, create_user):
    user = create_user()
    version = user.session_version
    issued = service.request_password_reset(user.email)
    assert issued is not None
    _, token = issued
    stored = db.session.scalars(select(PasswordResetToken)).one()
    assert stored.token_hash != token  # only the hash is kept
    service.reset_password(token, "a brand new passphrase")
    db.session.commit()
    assert user.session_version == version + 1
    assert service.authenticate(user.email, "a brand new passphrase").id == user.id
    with pytest.raises(service.TokenUsed):
        service.reset_password(token, "another new passphrase")


def test_password_reset_spends_every_outstanding_token(app, create_user):
    user = create_user()
    _, first = service.request_password_reset(user.email)
    _, second = service.request_password_reset(user.email)
    service.reset_password(second, "a brand new passphrase")
    with pytest.raises(service.TokenUsed):
        service.check_reset_token(first)


def test_password_reset_token_expires(app, create_user):
    user = create_user()
    _, token = service.request_password_reset(user.email)
    record = db.session.scalars(select(PasswordResetToken)).one()
    record.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(service.TokenExpired):
        service.reset_password(token, "a brand new passphrase")


def test_password_reset_for_unknown_email_issues_nothing(app):
    assert service.request_password_reset("ghost@example.org") is None
    with pytest.raises(service.TokenInvalid):
        service.check_reset_token("made-up")


def test_reset_refuses_a_weak_password_and_keeps_the_token(app, create_user):
    user = create_user()
    _, token = service.request_password_reset(user.email)
    with pytest.raises(service.WeakPassword):
        service.reset_password(token, "short")
    assert service.check_reset_token(token).used_at is None


def test_change_role_is_recorded(app, create_user):
    admin = create_user(role=Role.ADMIN)
    citizen = create_user()
    change = service.change_role(citizen, Role.OFFICER, changed_by=admin)
    db.session.commit()
    assert citizen.role == Role.OFFICER
    recorded = db.session.scalars(select(RoleChange)).one()
    assert recorded is change
    assert (recorded.old_role, recorded.new_role) == (Role.CITIZEN, Role.OFFICER)
    assert recorded.changed_by_id == admin.id
    assert recorded.changed_at is not None


def test_admin_cannot_demote_themselves_or_make_a_no_op_change(app, create_user):
    admin = create_user(role=Role.ADMIN)
    with pytest.raises(service.RoleChangeRefused):
        service.change_role(admin, Role.CITIZEN, changed_by=admin)
    citizen = create_user()
    with pytest.raises(service.RoleChangeRefused):
        service.change_role(citizen, Role.CITIZEN, changed_by=admin)
