"""Who may do what in moderation: the one `can(user, action, obj)` of the module.

Roles are decided in `townhall.accounts.permissions`; this maps moderation's actions
onto those permissions so views and templates never compare roles.
"""

from __future__ import annotations

from typing import Any

from townhall.accounts.permissions import Permission, has_permission


def can(user: Any, action: str, obj: Any = None) -> bool:
    """Say whether `user` may do `action` (flag, moderate, read_held, sanction,
    decide_appeal, read_figures).

    `read_held` is reading a hidden post's words where it lives (a thread), rather
    than only on its case page. For `sanction`, `obj` is the person to be sanctioned,
    when known.
    """
    if action == "flag":
        return has_permission(user, Permission.PARTICIPATE)
    if action == "sanction" and obj is not None and has_permission(obj, Permission.MODERATE):
        # A moderator (or admin) is sanctioned only by an admin, never by a fellow moderator.
        return has_permission(user, Permission.MANAGE_USERS)
    if action in ("moderate", "read_held", "sanction", "decide_appeal"):
        return has_permission(user, Permission.MODERATE)
    if action == "read_figures":
        return has_permission(user, Permission.MODERATE) or has_permission(
            user, Permission.RUN_CONSULTATIONS
        )
    raise ValueError(f"unknown moderation action {action!r}")
