"""Roles and what each may do: the one place a permission is decided.

Views, templates and services ask `has_permission(user, Permission.X)` (or use the
`permission_required` decorator); nothing compares role names elsewhere.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from flask import abort
from flask_login import current_user

if TYPE_CHECKING:
    from townhall.accounts.models import User


class Role(enum.StrEnum):
    """A person's role on the town hall, from least to most trusted."""

    CITIZEN = "citizen"
    STAFF = "staff"
    MODERATOR = "moderator"
    OFFICER = "officer"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        """The role's name as people read it."""
        return self.value.capitalize()


class Permission(enum.StrEnum):
    """Something a person may do, named for the doing."""

    PARTICIPATE = "participate"  # comment, react, propose, support, vote, flag, follow
    TAKE_PART_AS_STAFF = "take_part_as_staff"  # read and join staff-only consultations
    MODERATE = "moderate"  # work the moderation queue, sanction, decide appeals
    RUN_CONSULTATIONS = "run_consultations"  # create, open, close, announce, respond
    PUBLISH_OUTCOMES = "publish_outcomes"
    MANAGE_USERS = "manage_users"  # list people, change roles
    MANAGE_STANDARDS = "manage_standards"  # channel standards, area lists


_CITIZEN = frozenset({Permission.PARTICIPATE})
_STAFF = _CITIZEN | {Permission.TAKE_PART_AS_STAFF}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CITIZEN: _CITIZEN,
    Role.STAFF: _STAFF,
    Role.MODERATOR: _STAFF | {Permission.MODERATE},
    Role.OFFICER: _STAFF | {Permission.RUN_CONSULTATIONS, Permission.PUBLISH_OUTCOMES},
    Role.ADMIN: frozenset(Permission),
}


def has_permission(user: User | Any, permission: Permission) -> bool:
    """Say whether `user` (possibly anonymous) holds `permission`."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not user.is_active:
        return False
    return permission in ROLE_PERMISSIONS[Role(user.role)]


F = TypeVar("F", bound=Callable[..., Any])


def permission_required(permission: Permission) -> Callable[[F], F]:
    """Guard a view: anonymous people are sent to sign in, others without it get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            from townhall.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not has_permission(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
