"""The rules of accounts: registering, verifying, signing in, resetting, changing roles.

Functions take and return model objects, flush but never commit, and raise an
`AccountError` subclass whose message is written for the person concerned.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from townhall.accounts.models import PasswordResetToken, RoleChange, User
from townhall.accounts.passwords import (
    dummy_hash,
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from townhall.accounts.permissions import Role

# Installs the flush listener that sends `access_reduced` after a commit that demotes,
# disables or signs out a person (change_role, end_sessions, places' delete_account).
from townhall.accounts.signals import access_reduced  # noqa: F401
from townhall.database import utcnow
from townhall.extensions import db
from townhall.signatures import written_as_issued
from townhall.typed_text import clean_line

VERIFY_SALT = "townhall.verify-email"

#: Checks on a new display name, registered by modules above accounts (moderation
#: holds names to the channel standards); each raises to refuse the name. Sign-up runs
#: them when the email is taken too, so a refused name reveals nothing about the email.
DisplayNameCheck = Callable[[str, Role], None]
_display_name_checks: list[DisplayNameCheck] = []


def register_display_name_check(check: DisplayNameCheck) -> None:
    """Add a check that sign-up runs on display names (once, however often called)."""
    if check not in _display_name_checks:
        _display_name_checks.append(check)


class AccountError(Exception):
    """A request about an account that cannot be carried out; the message says why."""


class EmailTaken(AccountError):
    """Someone already has an account with that email address."""


class WeakPassword(AccountError):
    """The new password breaks the strength rule."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


class InvalidCredentials(AccountError):
    """The email and password do not match an account."""


class AccountDisabled(AccountError):
    """The account exists but has been disabled."""


class TokenInvalid(AccountError):
    """A verification or reset link is not one we issued."""


class TokenExpired(AccountError):
    """A verification or reset link is too old."""


class TokenUsed(AccountError):
    """A single-use reset link was already used."""


class RoleChangeRefused(AccountError):
    """That role change is not allowed."""


def normalise_email(email: str) -> str:
    """Return the form of an email address that is stored and compared."""
    return clean_line(email).strip().lower()


def display_name_as_kept(display_name: str) -> str:
    """Return a display name as it is stored and shown, and as the standards judge it.

    Held to the typed-text policy (no bidirectional override can make a name read as
    another; fullwidth letters are plain ones), with runs of spaces made one.
    """
    return " ".join(clean_line(display_name).split())


@event.listens_for(User.display_name, "set", retval=True)
def _keep_display_name(user: User, value: object, _old: object, _initiator: object) -> object:
    """Keep a display name as `display_name_as_kept` says, whoever sets it.

    Sign-up, the command line, the API, an admin, a moderator's decision and any path
    added later all set `User.display_name`; cleaning it here leaves none of them out.
    """
    return display_name_as_kept(value) if isinstance(value, str) else value


def find_user_by_email(email: str) -> User | None:
    """Return the account with this email address, if any."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def register_user(
    email: str,
    display_name: str,
    password: str,
    *,
    role: Role = Role.CITIZEN,
    verified: bool = False,
) -> User:
    """Create an account; raise EmailTaken or WeakPassword."""
    email = normalise_email(email)
    display_name = display_name_as_kept(display_name)
    if find_user_by_email(email) is not None:
        raise EmailTaken(
            "An account already uses that email address. Sign in, or reset your password."
        )
    problems = password_problems(password, email=email, display_name=display_name)
    if problems:
        raise WeakPassword(problems)
    user = User(
        email=email,
        display_name=display_name,
        password_hash=hash_password(password),
        role=role,
        email_verified_at=utcnow() if verified else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def sign_up(email: str, display_name: str, password: str) -> User | None:
    """Create a citizen's account, or return None when the email already has one.

    The caller answers both the same way (and emails the address either way), so that
    sign-up does not reveal who has an account: the password rule and the display-name
    checks apply whether or not the email is taken, and a password is hashed in both
    cases so that both take as long. Raise WeakPassword (or a display-name check's error).
    """
    email = normalise_email(email)
    display_name = display_name_as_kept(display_name)
    problems = password_problems(password, email=email, display_name=display_name)
    if problems:
        raise WeakPassword(problems)
    if find_user_by_email(email) is None:
        try:
            with db.session.begin_nested():
                return register_user(email, display_name, password)
        except (EmailTaken, IntegrityError):
            pass  # signed up a moment ago by a request running alongside this one
    for check in _display_name_checks:
        check(display_name, Role.CITIZEN)
    hash_password(password)
    return None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=VERIFY_SALT)


def make_verification_token(user: User) -> str:
    """Return a signed token that confirms `user`'s current email address."""
    return _serializer().dumps({"user": user.id, "email": user.email})


def verify_email(token: str) -> User:
    """Mark the email in `token` as verified; raise TokenInvalid or TokenExpired."""
    max_age = current_app.config["EMAIL_VERIFICATION_MAX_AGE"]
    try:
        if not written_as_issued(token):
            raise BadSignature("not written as issued")
        data = _serializer().loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired:
        raise TokenExpired(
            "This confirmation link has expired. Sign in to get a new one."
        ) from None
    except BadSignature:
        raise TokenInvalid(
            "This confirmation link is not valid. Check it was copied whole."
        ) from None
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None or user.email != data.get("email"):
        raise TokenInvalid("This confirmation link is not valid for any account.")
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


def authenticate(email: str, password: str) -> User:
    """Return the account matching email and password; raise InvalidCredentials."""
    user = find_user_by_email(email)
    if user is None:
        verify_password(dummy_hash(), password)
        raise InvalidCredentials("That email address and password do not match an account.")
    if not verify_password(user.password_hash, password):
        raise InvalidCredentials("That email address and password do not match an account.")
    if not user.is_active:
        raise AccountDisabled("This account has been disabled. Contact the council for help.")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_signed_in_at = utcnow()
    return user


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _password_fingerprint(user: User) -> str:
    """A short keyed digest of the password hash: it changes whenever the password does."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, user.password_hash.encode(), hashlib.sha256).hexdigest()
    return digest[:16]


def request_password_reset(email: str) -> tuple[User, str] | None:
    """Issue a single-use reset token for the account, or None when there is none.

    The token is a random part, whose hash is stored, and a fingerprint of the
    password: once the password changes, by whatever means, the token stops working.
    """
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return None
    secret = secrets.token_urlsafe(32)
    max_age: timedelta = current_app.config["PASSWORD_RESET_MAX_AGE"]
    db.session.add(
        PasswordResetToken(user=user, token_hash=_hash_token(secret), expires_at=utcnow() + max_age)
    )
    db.session.flush()
    return user, f"{secret}.{_password_fingerprint(user)}"


def check_reset_token(token: str) -> PasswordResetToken:
    """Return the live reset token record; raise TokenInvalid, TokenUsed or TokenExpired."""
    secret, _, fingerprint = token.rpartition(".")
    record = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == _hash_token(secret))
    )
    if record is None:
        raise TokenInvalid("This reset link is not valid. Ask for a new one.")
    if record.used_at is not None:
        raise TokenUsed("This reset link has already been used. Ask for a new one if you need it.")
    if record.expires_at <= utcnow():
        raise TokenExpired("This reset link has expired. Ask for a new one.")
    if not hmac.compare_digest(fingerprint, _password_fingerprint(record.user)):
        raise TokenUsed(
            "Your password has changed since this reset link was sent. "
            "Ask for a new one if you need it."
        )
    return record


def reset_password(token: str, new_password: str) -> User:
    """Set a new password through a reset token, spending it and ending other sessions."""
    record = check_reset_token(token)
    user = record.user
    problems = password_problems(new_password, email=user.email, display_name=user.display_name)
    if problems:
        raise WeakPassword(problems)
    now = utcnow()
    user.password_hash = hash_password(new_password)
    end_sessions(user)
    # Receiving the link proves the person reads that inbox.
    if user.email_verified_at is None:
        user.email_verified_at = now
    for other in db.session.scalars(
        select(PasswordResetToken).where(
            PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None)
        )
    ):
        other.used_at = now
    return user


def end_sessions(user: User) -> None:
    """End every session and remember-me cookie of `user`, on every device.

    Each carries the session version (see `User.session_version`); a copy of an old
    cookie, kept by whoever saw it, no longer signs anyone in. Their live connections
    close once this commits (`accounts.signals.access_reduced`).
    """
    user.session_version += 1


def role_change_refusal(user: User, new_role: Role, *, changed_by: User) -> str | None:
    """Why `changed_by` may not give `user` the role `new_role` (None when they may)."""
    if user.id == changed_by.id and new_role != Role.ADMIN:
        return "You cannot remove your own admin role: ask another admin."
    if user.role == new_role:
        return f"{user.display_name} is already {new_role.label.lower()}."
    return None


def change_role(user: User, new_role: Role, *, changed_by: User) -> RoleChange:
    """Give `user` a new role and record who did it; an admin cannot demote themselves.

    A role that loses a permission ends the person's live connections once this
    commits (`accounts.signals.access_reduced`), so they rejoin only what they may read.
    """
    refused = role_change_refusal(user, new_role, changed_by=changed_by)
    if refused:
        raise RoleChangeRefused(refused)
    change = RoleChange(user=user, changed_by=changed_by, old_role=user.role, new_role=new_role)
    user.role = new_role
    db.session.add(change)
    db.session.flush()
    return change


def count_users() -> int:
    """Return how many accounts exist."""
    return db.session.scalar(select(func.count()).select_from(User)) or 0


# --- a signed-in person's own settings -----------------------------------------------

EMAIL_CHANGE_SALT = "townhall.change-email"
NOT_ME_SALT = "townhall.change-email-not-me"
#: How long the old address's "this was not me" link works: longer than the change
#: link, since a person may read that mailbox less often than they use the account.
NOT_ME_MAX_AGE = timedelta(days=14)


class WrongPassword(AccountError):
    """The current password given to change a setting is not the account's."""


class NothingChanged(AccountError):
    """The new value is the one the account already has."""


def _check_current_password(user: User, password: str) -> None:
    if not verify_password(user.password_hash, password):
        raise WrongPassword("Your current password is not right. Type it again.")


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Set a new password, given the current one, and end every session of `user`.

    The caller starts this session afresh, so only the other devices are signed out.
    Reset links already sent stop working (they carry the old password's fingerprint).
    Raise WrongPassword or WeakPassword.
    """
    _check_current_password(user, current_password)
    if verify_password(user.password_hash, new_password):
        raise WeakPassword(["Choose a password different from your current one."])
    problems = password_problems(new_password, email=user.email, display_name=user.display_name)
    if problems:
        raise WeakPassword(problems)
    user.password_hash = hash_password(new_password)
    end_sessions(user)


def change_display_name(user: User, display_name: str) -> None:
    """Give `user` a new display name, held to the channel standards as at sign-up.

    The standards run when this flushes (moderation watches the user table): a name
    they reject raises their refusal, naming the clause; a held one is shown as a
    placeholder until a moderator approves it (the caller compares the name shown
    with the one asked for). Raise NothingChanged when the name is the same.
    """
    display_name = display_name_as_kept(display_name)
    if display_name == user.display_name:
        raise NothingChanged(f"Your display name is already “{display_name}”.")
    user.display_name = display_name
    db.session.flush()


def _email_change_serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def request_email_change(user: User, current_password: str, new_email: str) -> str | None:
    """Check a change of address and return the token that confirms it at the new one.

    Return None when another account already has the new address: the caller says the
    same as when it is free (and tells that account's owner instead), so the form does
    not reveal who has an account. Nothing changes until the token is used; it carries
    the password's fingerprint, so a new password (or "this was not me") stops it.
    Raise WrongPassword, or NothingChanged when the address is already this account's.
    """
    _check_current_password(user, current_password)
    new_email = normalise_email(new_email)
    if new_email == user.email:
        raise NothingChanged(f"{new_email} is already your email address.")
    if find_user_by_email(new_email) is not None:
        return None
    return _email_change_serializer(EMAIL_CHANGE_SALT).dumps(
        {"user": user.id, "old": user.email, "new": new_email, "fp": _password_fingerprint(user)}
    )


def make_not_me_token(user: User, new_email: str) -> str:
    """Return the token of the old address's "this was not me" link for a change."""
    return _email_change_serializer(NOT_ME_SALT).dumps(
        {
            "user": user.id,
            "old": user.email,
            "new": normalise_email(new_email),
            "fp": _password_fingerprint(user),
        }
    )


def _load_change_token(token: str, salt: str, max_age: timedelta) -> tuple[User, dict]:
    """The account and data of an email-change token; raise TokenInvalid or TokenExpired."""
    try:
        if not written_as_issued(token):
            raise BadSignature("not written as issued")
        data = _email_change_serializer(salt).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired:
        raise TokenExpired(
            "This link has expired. Ask for the change again from your account page."
        ) from None
    except BadSignature:
        raise TokenInvalid("This link is not valid. Check it was copied whole.") from None
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None:
        raise TokenInvalid("This link is not valid for any account.")
    return user, data


def check_email_change(token: str) -> tuple[User, str]:
    """Return the account and new address of a live change link.

    Raise TokenInvalid, TokenExpired, or TokenUsed when it was used already, or the
    password has changed since it was sent (by the person, or after "this was not me").
    """
    max_age: timedelta = current_app.config["EMAIL_VERIFICATION_MAX_AGE"]
    user, data = _load_change_token(token, EMAIL_CHANGE_SALT, max_age)
    if user.email == data.get("new"):
        raise TokenUsed(f"This link has already been used: your email address is {user.email}.")
    if user.email != data.get("old") or not hmac.compare_digest(
        str(data.get("fp")), _password_fingerprint(user)
    ):
        raise TokenUsed(
            "This link no longer works: your account has changed since it was sent. "
            "Ask for the change again from your account page."
        )
    return user, str(data["new"])


def confirm_email_change(token: str) -> tuple[User, str]:
    """Move the account to the new address in a live change link; return it and the old one.

    The address is confirmed (the link reached it) and every session ends: an email
    address is a credential, since reset links go to it. Raise as `check_email_change`,
    or EmailTaken when another account took the address after the link was sent.
    """
    user, new_email = check_email_change(token)
    if find_user_by_email(new_email) is not None:
        raise EmailTaken(
            f"Another account now uses {new_email}, so yours cannot move to it. "
            "Choose another address from your account page."
        )
    old_email = user.email
    user.email = new_email
    user.email_verified_at = utcnow()
    end_sessions(user)
    db.session.flush()
    return user, old_email


def check_not_me(token: str) -> tuple[User, dict]:
    """Return the account and the change ("old" and "new" address) of a live "not me" link.

    Raise TokenInvalid, TokenExpired, or TokenUsed once the password has changed.
    """
    user, data = _load_change_token(token, NOT_ME_SALT, NOT_ME_MAX_AGE)
    if not hmac.compare_digest(str(data.get("fp")), _password_fingerprint(user)):
        raise TokenUsed(
            "This link has already been used, or your password has changed since it was "
            "sent: the change it told you of can no longer go ahead."
        )
    return user, data


def refuse_email_change(token: str) -> User:
    """Stop a change of address the owner did not ask for, and lock the account's password.

    Whoever asked knew the password (the change needs it), so it is replaced by one no
    one knows: the change link stops working, every session ends, and only a reset link
    sent to the owner's address lets anyone in again. A change already confirmed is
    undone, so that link goes to the owner's own address. Raise as `check_not_me`.
    """
    user, data = check_not_me(token)
    old_email = str(data.get("old", ""))
    if user.email == data.get("new") and old_email and find_user_by_email(old_email) is None:
        user.email = old_email
    user.password_hash = hash_password(secrets.token_urlsafe(32))
    end_sessions(user)
    return user
