"""Password hashing (argon2id) and the strength rule people are held to."""

from __future__ import annotations

import secrets
from functools import cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 128  # argon2 would take more, but nobody types this much on purpose

_hasher = PasswordHasher()
_dummy: str | None = None


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Say whether `password` matches `password_hash`, never raising for a bad hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Say whether the hash was made with weaker settings than today's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def dummy_hash() -> str:
    """A hash of no one's password, to check against when an email is unknown.

    Signing in then costs as much for an unknown address as for a known one, so the
    time taken does not reveal which addresses have accounts. It is made with today's
    settings, and made again whenever they change.
    """
    global _dummy
    if _dummy is None or needs_rehash(_dummy):
        _dummy = hash_password(secrets.token_urlsafe(16))
    return _dummy


@cache
def _common_passwords() -> frozenset[str]:
    text = files("townhall.accounts").joinpath("common_passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problems(password: str, *, email: str = "", display_name: str = "") -> list[str]:
    """List what is wrong with a new password, in plain words (empty when it is fine)."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        problems.append(f"Use at most {MAX_LENGTH} characters.")
    lowered = password.lower()
    if lowered in _common_passwords():
        problems.append("This is one of the most common passwords: choose another.")
    elif len(set(lowered)) < 4:
        problems.append("Use a mix of more than a few different characters.")
    local_part = email.split("@")[0].lower()
    if len(local_part) >= 4 and local_part in lowered:
        problems.append("Do not include your email address in your password.")
    name = display_name.strip().lower()
    if len(name) >= 4 and name in lowered:
        problems.append("Do not include your name in your password.")
    return problems
