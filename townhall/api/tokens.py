"""Personal API tokens: made, listed and revoked by their owner; checked on each request.

A token acts as its owner, never as more: the owner's role decides what the token
may do, and the token's scopes narrow that further (`read` to read as the owner,
`write` to do what a citizen does, `officer` to run consultations). The secret is
shown once; only its SHA-256 hash is kept.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from townhall.accounts.models import User
from townhall.accounts.permissions import Permission, has_permission
from townhall.api.models import TOKEN_NAME_MAX, TOKEN_PREFIX_LENGTH, ApiToken
from townhall.database import utcnow
from townhall.extensions import db

# Every secret starts with this, so a leaked one is easy to recognise (and to scan for).
SECRET_PREFIX = "th_"
# last_used_at is written at most this often per token, so reads stay cheap.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_TOKENS_PER_PERSON = 20


class Scope(enum.StrEnum):
    """What a token may be used for."""

    READ = "read"
    WRITE = "write"
    OFFICER = "officer"

    @property
    def label(self) -> str:
        return {
            "read": "Read: see what you can see, including staff-only consultations",
            "write": "Write: comment, reply, react, support and vote as you",
            "officer": "Officer: run consultations, announce, set up votes, publish outcomes",
        }[self.value]


class TokenError(Exception):
    """A token cannot be made or revoked as asked; the message says why."""


@dataclass
class NewToken:
    """A token just made, with its secret: the only time the secret is known."""

    token: ApiToken
    secret: str


def hash_secret(secret: str) -> str:
    """The stored form of a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def offered_scopes(user: User) -> list[Scope]:
    """The scopes `user` may give a token (officer only for those who run consultations)."""
    scopes = [Scope.READ, Scope.WRITE]
    if has_permission(user, Permission.RUN_CONSULTATIONS):
        scopes.append(Scope.OFFICER)
    return scopes


def create_token(user: User, name: str, scopes: list[str]) -> NewToken:
    """Make a token for `user`; the secret in the result is never stored."""
    name = " ".join((name or "").split())
    if not name:
        raise TokenError("Give the token a name, so you know later what uses it.")
    if len(name) > TOKEN_NAME_MAX:
        raise TokenError(f"Keep the name to {TOKEN_NAME_MAX} characters.")
    allowed = {s.value for s in offered_scopes(user)}
    wanted = [s for s in Scope if s.value in set(scopes)]
    if not wanted:
        raise TokenError("Choose at least one scope.")
    if any(s.value not in allowed for s in wanted) or set(scopes) - {s.value for s in Scope}:
        raise TokenError("Your account cannot give a token that scope.")
    live = db.session.scalar(
        select(db.func.count())
        .select_from(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    )
    if (live or 0) >= MAX_TOKENS_PER_PERSON:
        raise TokenError(
            f"You have {MAX_TOKENS_PER_PERSON} tokens already: revoke one you no longer use."
        )
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=secret[:TOKEN_PREFIX_LENGTH],
        token_hash=hash_secret(secret),
        scopes=" ".join(s.value for s in wanted),
    )
    db.session.add(token)
    db.session.flush()
    return NewToken(token=token, secret=secret)


def tokens_of(user: User) -> list[ApiToken]:
    """The person's tokens, live ones first, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id)
        )
    )


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of `user`'s tokens at once; revoking twice is harmless."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise TokenError("There is no such token on your account.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


@dataclass
class Authenticated:
    """The outcome of reading a request's token: who, with which token, or why not."""

    user: User | None = None
    token: ApiToken | None = None
    refusal: str | None = None


def authenticate(header: str | None) -> Authenticated:
    """Read an `Authorization` header: no header is anonymous; a bad one is refused."""
    if not header:
        return Authenticated()
    scheme, _, secret = header.strip().partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        return Authenticated(refusal="Send the token as `Authorization: Bearer <token>`.")
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None:
        return Authenticated(refusal="This API token is not recognised.")
    if token.revoked_at is not None:
        return Authenticated(refusal="This API token has been revoked.")
    user = token.user
    if not user.is_active:
        return Authenticated(refusal="The account this token belongs to is disabled.")
    return Authenticated(user=user, token=token)


def note_use(token: ApiToken) -> None:
    """Record that the token was used now (at most once a minute, in its own statement)."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.id == token.id)
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
