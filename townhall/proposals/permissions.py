"""Who may propose, support, vote and run votes: the one place these rules live.

Everything builds on the consultation's own rule, `Action.TAKE_PART` with the
phase, so a closed or hidden consultation refuses the same way everywhere.
`refusal(...)` says why not in plain words (None when allowed); `can(...)` is yes/no.
"""

from __future__ import annotations

import enum
import math
from datetime import datetime
from typing import Any

from townhall.accounts.permissions import Permission, has_permission
from townhall.consultations.models import Consultation, Phase
from townhall.consultations.permissions import Action as ConsultationAction
from townhall.consultations.permissions import refusal as consultation_refusal
from townhall.proposals.models import Eligibility, HomeLocation, Vote

EARTH_RADIUS_M = 6_371_000


class Action(enum.StrEnum):
    """What a person may try to do with proposals and votes."""

    PROPOSE = "propose"
    SUPPORT = "support"
    VOTE = "vote"
    RUN_VOTES = "run_votes"  # set up votes, close them, set the support threshold


def refusal(user: Any, action: Action, consultation: Consultation) -> str | None:
    """Why `user` may not do `action` in `consultation` (None when they may).

    For VOTE this is the consultation-level rule only; `vote_refusal` adds the
    vote's own eligibility.
    """
    if action in (Action.PROPOSE, Action.SUPPORT):
        return consultation_refusal(
            user, ConsultationAction.TAKE_PART, consultation, Phase.PROPOSALS
        )
    if action is Action.VOTE:
        return consultation_refusal(user, ConsultationAction.TAKE_PART, consultation, Phase.VOTING)
    if action is Action.RUN_VOTES:
        return consultation_refusal(user, ConsultationAction.MANAGE, consultation)
    raise ValueError(f"unknown action {action!r}")


def can(user: Any, action: Action, consultation: Consultation) -> bool:
    """Whether `user` may do `action` in `consultation`."""
    return refusal(user, action, consultation) is None


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points, in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def eligibility_refusal(
    user: Any, vote: Vote, home: HomeLocation | None, consultation: Consultation
) -> str | None:
    """Why `user` is not eligible for `vote` by its eligibility rule (None when they are)."""
    if vote.eligibility is Eligibility.STAFF:
        if not has_permission(user, Permission.TAKE_PART_AS_STAFF):
            return "This vote is for council staff only."
        return None
    if vote.eligibility is Eligibility.AREA_RESIDENTS:
        return _area_refusal(home, consultation, vote.opens_at)
    return None


def _area_refusal(
    home: HomeLocation | None, consultation: Consultation, opens_at: datetime
) -> str | None:
    if not consultation.has_location or consultation.radius_m is None:
        return "This vote is for the consultation's area, but the area has not been set."
    if home is None:
        return "This vote is for people who live in the area. Set your home location first."
    if home.declared_at > opens_at:
        return (
            "This vote is for people who live in the area. Your home location was set "
            "after the vote opened, so it does not count for this vote."
        )
    assert consultation.latitude is not None and consultation.longitude is not None
    away = distance_m(home.latitude, home.longitude, consultation.latitude, consultation.longitude)
    if away > consultation.radius_m:
        return "This vote is for people who live in the consultation's area, and you do not."
    return None
