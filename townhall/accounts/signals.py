"""Signals that accounts sends for modules above it to act on.

`access_reduced` is sent once a committed change means a person may read less than
before: a role that loses a permission (staff -> citizen, moderator -> citizen,
officer -> moderator), ended sessions (a password reset, signing out everywhere,
a deleted account) or a disabled account. Live subscribes and closes the person's
sockets, so their pages reconnect and rejoin only the rooms they may now read.

Accounts sits below live and cannot call it; and a person's access can be reduced
from more than one module (the admin's role form, a password reset, places deleting
an account), so the change is noticed where it is written: a flush listener reads
the changed columns of every `User`, and the signal is sent only after the
transaction commits (a rollback sends nothing). Bulk `UPDATE` statements bypass the
ORM and are not seen: change people's access through their `User` objects.
"""

from __future__ import annotations

import enum
from functools import partial
from typing import Any

from blinker import Namespace
from flask import current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from townhall.accounts.models import User
from townhall.accounts.permissions import ROLE_PERMISSIONS, Role
from townhall.database import on_commit

_signals = Namespace()

#: Sent after commit as `access_reduced.send(app, user_id=..., reason=...)`, with a
#: `Reduction` as the reason, once per person per reason and transaction.
access_reduced = _signals.signal("access-reduced")


class Reduction(enum.StrEnum):
    """Why a person may read less than before."""

    ROLE = "role"  # their new role lacks a permission the old one had
    SESSIONS_ENDED = "sessions_ended"  # every session of theirs must sign in again
    DISABLED = "disabled"  # the account can no longer sign in at all


# Reductions found in this transaction's flushes, waiting for its commit.
_PENDING = "accounts.access_reduced"


def role_reduces_access(old: Role | str, new: Role | str) -> bool:
    """Whether moving from role `old` to `new` takes away any permission."""
    return bool(ROLE_PERMISSIONS[Role(old)] - ROLE_PERMISSIONS[Role(new)])


def _reductions(user: User) -> list[Reduction]:
    """What the pending changes to `user` take away (history as the flush sees it)."""
    attrs = inspect(user).attrs
    found = []
    role = attrs.role.history
    if role.added:
        # An old role not loaded is unknown: treat it as a loss (a needless reconnect
        # costs little; a missed one leaves a room open to someone who may not read it).
        old = role.deleted[0] if role.deleted else None
        if old is None or role_reduces_access(old, role.added[0]):
            found.append(Reduction.ROLE)
    if attrs.session_version.history.added:
        found.append(Reduction.SESSIONS_ENDED)
    disabled = attrs.disabled_at.history
    if disabled.added and disabled.added[0] is not None:
        found.append(Reduction.DISABLED)
    return found


@event.listens_for(Session, "after_flush")
def _notice_reductions(session: Session, _context: Any) -> None:
    """Note every reduction of a person's access that this flush wrote."""
    if not has_app_context():
        return
    for user in session.dirty:
        if not isinstance(user, User) or user.id is None:
            continue
        for reduction in _reductions(user):
            pending = session.info.get(_PENDING)
            if pending is None:
                pending = session.info[_PENDING] = set()
                on_commit(
                    session,
                    partial(_send, current_app._get_current_object(), pending, session),
                )
            pending.add((user.id, reduction))


def _send(app: Any, pending: set[tuple[int, Reduction]], session: Session) -> None:
    """Send `access_reduced` for what the committed transaction took away."""
    if session.info.get(_PENDING) is pending:
        del session.info[_PENDING]
    for user_id, reduction in sorted(pending):
        access_reduced.send(app, user_id=user_id, reason=reduction)


@event.listens_for(Session, "after_rollback")
def _forget_reductions(session: Session) -> None:
    # database.on_commit drops the callback on rollback; drop what it would have sent.
    session.info.pop(_PENDING, None)
