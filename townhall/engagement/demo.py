"""Engagement plans for the demo council: plans in a process area and a service area,
objectives with channels and reasons, roles assessed, a portfolio of projects bound
to the demo's consultations, and KPIs with targets over the last and current quarter
so the dashboards have something to say (on track, at risk and missed alike).

Call after the demo's consultations exist; it flushes and leaves the commit to the
caller, like every service.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from townhall.accounts.models import User
from townhall.accounts.permissions import Role
from townhall.consultations.models import Area, AreaKind, Consultation
from townhall.database import utcnow
from townhall.engagement import service
from townhall.engagement.models import Channel, EngagementPlan

# (area kind, objective, expected outcome, [(channel, reason)], [(indicator, target)])
OBJECTIVES = {
    AreaKind.PROCESS: [
        (
            "Hear from more residents before decisions are made",
            "More residents, and new ones, take part in each consultation",
            [
                (Channel.ANNOUNCEMENTS, "Tell followers when a consultation opens and closes."),
                (Channel.DIALOGUE, "Residents ask and officers answer where everyone can see."),
            ],
            [("participants", 60), ("new_participants", 20), ("residents_reached", 80)],
        ),
        (
            "Close the loop: every consultation says what happened",
            "Outcomes published promptly after close",
            [(Channel.VOTES, "Let residents decide between the options we can afford.")],
            [("outcome_days", 28), ("turnout", 15)],
        ),
    ],
    AreaKind.SERVICE: [
        (
            "Answer residents' questions within the published standard",
            "Fewer repeat questions and complaints",
            [(Channel.DIALOGUE, "Questions answered once, in public, help everyone.")],
            [("responses_on_time", 90), ("response_days", 5)],
        ),
        (
            "Shape the service with the people who use it",
            "Proposals from residents reach the vote",
            [
                (Channel.PROPOSALS, "Residents know the service and have ideas."),
                (Channel.CHECK_INS, "Visitors at the building see what is on there."),
            ],
            [("proposals", 10), ("supports", 50), ("comments", 80), ("check_ins", 40)],
        ),
    ],
}

ROLES = [
    (Role.OFFICER, 4, 4, 2, "Answering questions and writing outcomes takes officer time."),
    (Role.MODERATOR, 3, 3, 2, "Busy consultations need more moderation."),
    (Role.CITIZEN, 1, 5, 2, "Residents get a say; some may feel unheard if outcomes lag."),
    (Role.STAFF, 2, 3, 1, "Front-line staff hear what residents think of their service."),
]


def _quarters(today: date) -> list[tuple[date, date]]:
    """The last whole quarter of ninety days and the current one."""
    current_start = today - timedelta(days=45)
    last_start = current_start - timedelta(days=90)
    return [
        (last_start, current_start - timedelta(days=1)),
        (current_start, current_start + timedelta(days=89)),
    ]


def seed_demo_engagement(officer: User, rng: random.Random) -> list[EngagementPlan]:
    """Make the demo's engagement plans, projects and KPIs; return the plans."""
    consultations = list(db_consultations())
    areas_in_use: dict[AreaKind, list[Area]] = {AreaKind.PROCESS: [], AreaKind.SERVICE: []}
    for consultation in consultations:
        for area in (consultation.process_area, consultation.service_area):
            if area not in areas_in_use[area.kind]:
                areas_in_use[area.kind].append(area)
    plans = []
    quarters = _quarters(utcnow().date())
    for kind, objectives in OBJECTIVES.items():
        for area in areas_in_use[kind][:2]:
            plan = service.create_plan(
                officer,
                area.id,
                f"{area.name}: engaging online",
                f"How {area.name.lower()} uses the town hall, and how we will know it works.",
            )
            plans.append(plan)
            for text, outcome, channels, indicators in objectives:
                objective = service.add_objective(plan, text, outcome)
                for channel, reason in channels:
                    service.choose_channel(objective, channel, reason)
                for key, target in indicators:
                    for first, last in quarters:
                        # Vary targets a little so some KPIs are met and some are not.
                        factor = rng.choice((0.5, 1.0, 1.5))
                        scaled = target if key.endswith("days") else round(target * factor)
                        if key in ("turnout", "responses_on_time"):
                            scaled = min(scaled, 100)
                        service.add_kpi(objective, key, scaled, first, last)
            for role, cost, benefit, risk, notes in ROLES:
                service.assess_role(plan, role, cost=cost, benefit=benefit, risk=risk, notes=notes)
            for consultation in consultations:
                if area.id in (consultation.process_area_id, consultation.service_area_id):
                    service.add_project(
                        plan,
                        consultation.title,
                        benefit=rng.randint(2, 5),
                        cost=rng.randint(1, 4),
                        risk=rng.randint(1, 4),
                        consultation_id=consultation.id,
                    )
    return plans


def db_consultations() -> list[Consultation]:
    """The demo's consultations, oldest first."""
    from townhall.extensions import db

    return list(db.session.scalars(select(Consultation).order_by(Consultation.id)))
