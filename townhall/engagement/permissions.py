"""Who may do what with engagement plans: the module's one `can`.

Officers (and admins) run plans and read the dashboards and reports, which show
only aggregates but also plans still being drafted; everyone may read the public
summary, which carries counts only and no personal data.
"""

from __future__ import annotations

import enum
from typing import Any

from townhall.accounts.permissions import Permission, has_permission


class Action(enum.StrEnum):
    """What a person does with engagement plans."""

    RUN_PLANS = "run_plans"  # make plans, objectives, channels, roles, projects, KPIs
    READ_DASHBOARDS = "read_dashboards"  # dashboards, the portfolio, the stage map, reports
    READ_SUMMARY = "read_summary"  # the public summary


def can(user: Any, action: Action) -> bool:
    """Say whether `user` (possibly anonymous) may do `action`."""
    if action is Action.READ_SUMMARY:
        return True
    return has_permission(user, Permission.RUN_CONSULTATIONS)
