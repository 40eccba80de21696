"""The stage map: for each of the council's areas, the stage of social technology it
has reached, derived from what its consultations have actually used, for internal
(staff) and external (public) delivery separately.

| stage | evidence in an area's consultations |
| --- | --- |
| 1 not started | nothing yet |
| 2 one-way communication | a published announcement |
| 3 dialogue and conversation | a published official response in the dialogue |
| 4 collective decision making | a vote in a consultation that has published its outcome |
| 5 check-in | a check-in at a public place the consultation is linked to |
| 6 push notification | a nearby notification (area alert) about the consultation |

An area is at the highest stage it has evidence for. Posts are evidence only as the
dashboard's figures count them (engagement.kpis: not deleted, and not held, hidden or
refused by moderation), so the map never shows a stage on the strength of something
the public never saw. The map costs one query per kind of evidence, whatever the
number of areas and consultations.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, exists, literal, or_, select

from townhall.consultations.models import Area, Audience, Consultation, Outcome
from townhall.dialogue.models import Comment
from townhall.engagement.kpis import ANNOUNCEMENTS, COMMENTS, Counted, about_consultation
from townhall.extensions import db
from townhall.notifications.models import Notification, NotificationKind
from townhall.places.models import CheckIn, CheckInCount, PlaceConsultation
from townhall.proposals.models import Vote


class Stage(enum.IntEnum):
    """The stages a council goes through with social technology."""

    NOT_STARTED = 1
    ONE_WAY = 2
    DIALOGUE = 3
    COLLECTIVE = 4
    CHECK_IN = 5
    PUSH = 6

    @property
    def label(self) -> str:
        return {
            1: "Not started",
            2: "One-way communication",
            3: "Dialogue and conversation",
            4: "Collective decision making",
            5: "Check-in",
            6: "Push notification",
        }[int(self)]

    @property
    def css(self) -> str:
        """A class name for the stage's colour on the map."""
        return f"stage-{int(self)}"


def shown(counted: Counted, *conditions: Any) -> Callable[[], object]:
    """Evidence: the consultation has a row of `counted` meeting `conditions`, counted as
    the figures count it (kpis.COMMENTS, PROPOSALS, SUPPORTS, BALLOTS, ANNOUNCEMENTS).

    So a post the public never saw (deleted, or held, hidden or refused by moderation)
    is no evidence of a stage, as it is no figure on the dashboard.
    """
    return lambda: exists(
        counted.select(literal(1)).where(counted.consultation_id == Consultation.id, *conditions)
    )


# Each stage above "not started" with a condition on Consultation that is true when
# the consultation shows that stage's evidence. What people post (announcements,
# official responses) is evidence through `shown`; what officers set up and nobody
# moderates (a vote, an outcome, a linked place, an area alert) stands as it is.
def _evidence() -> list[tuple[Stage, Callable[[], object]]]:
    return [
        (Stage.ONE_WAY, shown(ANNOUNCEMENTS)),
        (Stage.DIALOGUE, shown(COMMENTS, Comment.is_official.is_(True))),
        (
            Stage.COLLECTIVE,
            lambda: (
                exists()
                .where(Vote.consultation_id == Consultation.id)
                .where(exists().where(Outcome.consultation_id == Consultation.id))
            ),
        ),
        (
            Stage.CHECK_IN,
            lambda: (
                exists()
                .where(PlaceConsultation.consultation_id == Consultation.id)
                .where(
                    or_(
                        exists().where(CheckIn.place_id == PlaceConsultation.place_id),
                        exists().where(CheckInCount.place_id == PlaceConsultation.place_id),
                    )
                )
            ),
        ),
        (
            Stage.PUSH,
            lambda: exists().where(
                Notification.kind == NotificationKind.AREA_ALERT,
                about_consultation(Notification.link),
            ),
        ),
    ]


# Further evidence a later module may add, as (stage, condition on Consultation); a
# module whose evidence is something people post or do (proposals, supports, ballots)
# adds it through `shown`, so it counts as the figures count it.
EXTRA_EVIDENCE: list[tuple[Stage, Callable[[], object]]] = []


@dataclass
class AreaStage:
    """One area's stage for each kind of delivery, with the evidence found."""

    area: Area
    internal: Stage = Stage.NOT_STARTED
    external: Stage = Stage.NOT_STARTED
    evidence: dict[Audience, set[Stage]] = field(
        default_factory=lambda: {Audience.STAFF: set(), Audience.PUBLIC: set()}
    )


def _areas_showing(condition: object) -> Select:
    return (
        select(Consultation.process_area_id, Consultation.service_area_id, Consultation.audience)
        .where(condition)  # type: ignore[arg-type]
        .distinct()
    )


def stage_map() -> list[AreaStage]:
    """Every live area with its internal and external stage, process areas first."""
    areas = db.session.scalars(
        select(Area).where(Area.retired_at.is_(None)).order_by(Area.kind, Area.name)
    ).all()
    by_id = {area.id: AreaStage(area=area) for area in areas}
    for stage, condition in _evidence() + EXTRA_EVIDENCE:
        for process_id, service_id, audience in db.session.execute(_areas_showing(condition())):
            for area_id in (process_id, service_id):
                entry = by_id.get(area_id)
                if entry is None:
                    continue  # a retired area
                entry.evidence[audience].add(stage)
                if audience is Audience.STAFF:
                    entry.internal = max(entry.internal, stage)
                else:
                    entry.external = max(entry.external, stage)
    return list(by_id.values())


def stage_counts(entries: list[AreaStage]) -> dict[str, dict[Stage, int]]:
    """How many areas are at each stage, for internal and external delivery."""
    counts = {"internal": dict.fromkeys(Stage, 0), "external": dict.fromkeys(Stage, 0)}
    for entry in entries:
        counts["internal"][entry.internal] += 1
        counts["external"][entry.external] += 1
    return counts
