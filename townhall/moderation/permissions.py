"""Who may do what in moderation: the one `can(user, action, obj)` of the module.

Roles are decided in `townhall.accounts.permissions`; this maps moderation's actions
onto those permissions so views and templates never compare roles.
"""

from __future__ import annotations

from typing import Any

from townhall.accounts.permissions import Permission, has_permission


def can(user: Any, action: str, obj: Any = None) -> bool:
    """Say whether `user` may do `action` (flag, moderate, sanction, read_figures)."""
    if action == "flag":
        return has_permission(user, Permission.PARTICIPATE)
    if action in ("moderate", "sanction", "decide_appeal"):
        return has_permission(user, Permission.MODERATE)
    if action == "read_figures":
        return has_permission(user, Permission.MODERATE) or has_permission(
            user, Permission.RUN_CONSULTATIONS
        )
    raise ValueError(f"unknown moderation action {action!r}")
