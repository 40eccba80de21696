"""Tables for people, their role changes and password-reset tokens."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from townhall.accounts.permissions import Role
from townhall.database import TimestampMixin, utcnow
from townhall.extensions import db

EMAIL_MAX = 254
DISPLAY_NAME_MAX = 60


def role_type(name: str) -> Enum:
    """A role column's type; `name` names its check constraint, unique per table."""
    return Enum(
        Role,
        name=name,
        native_enum=False,
        create_constraint=True,
        values_callable=lambda roles: [r.value for r in roles],
        length=20,
        validate_strings=True,
    )


class User(UserMixin, TimestampMixin, db.Model):
    """A person with an account: a citizen, member of staff, moderator, officer or admin."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased so the unique constraint is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True)
    display_name: Mapped[str] = mapped_column(String(DISPLAY_NAME_MAX))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(role_type("role"), default=Role.CITIZEN)
    email_verified_at: Mapped[datetime | None]
    last_signed_in_at: Mapped[datetime | None]
    # Bumped when the password changes: every session and remember-me cookie
    # carries it, so older ones stop working at once.
    session_version: Mapped[int] = mapped_column(default=1)
    disabled_at: Mapped[datetime | None]

    @property
    def is_verified(self) -> bool:
        """Whether the person has confirmed their email address."""
        return self.email_verified_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login: disabled accounts cannot sign in
        return self.disabled_at is None

    def get_id(self) -> str:
        """Identify the session by user and session version (see `session_version`)."""
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


class RoleChange(db.Model):
    """A record of who changed whose role, from what to what, and when."""

    __tablename__ = "role_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    old_role: Mapped[Role] = mapped_column(role_type("old_role"))
    new_role: Mapped[Role] = mapped_column(role_type("new_role"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    changed_by: Mapped[User | None] = relationship(foreign_keys=[changed_by_id])


class PasswordResetToken(db.Model):
    """A single-use, expiring password-reset token; only its hash is stored."""

    __tablename__ = "password_reset_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
