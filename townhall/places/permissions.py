"""Who may do what with places, tasks and areas: the one place these rules live."""

from __future__ import annotations

import enum
from typing import Any

from townhall.accounts.permissions import Permission, has_permission


class Action(enum.StrEnum):
    """What a person may try to do with places."""

    MANAGE_PLACES = "manage_places"  # add and edit places, print posters, link consultations
    SET_TASKS = "set_tasks"  # create tasks, watch progress, see past-due tasks
    WORK_TASKS = "work_tasks"  # accept, complete, hand back
    CHECK_IN = "check_in"
    SAVE_AREAS = "save_areas"  # areas of interest, topics, push, nearby mode


def can(user: Any, action: Action) -> bool:
    """Whether `user` may do `action`."""
    if action in (Action.MANAGE_PLACES, Action.SET_TASKS):
        return has_permission(user, Permission.RUN_CONSULTATIONS)
    if action is Action.WORK_TASKS:
        return has_permission(user, Permission.TAKE_PART_AS_STAFF)
    if action in (Action.CHECK_IN, Action.SAVE_AREAS):
        return has_permission(user, Permission.PARTICIPATE)
    raise ValueError(f"unknown action {action!r}")
