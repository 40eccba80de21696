"""A small council whose every figure can be counted by hand (see `Scene`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from townhall.accounts.permissions import Role
from townhall.consultations import service as consultations
from townhall.consultations.models import Consultation
from townhall.database import utcnow
from townhall.dialogue import service as dialogue
from townhall.engagement.dashboards import figures_cache
from townhall.extensions import db
from townhall.proposals import service as proposals
from townhall.proposals import votes
from townhall.proposals.models import Method
from townhall.proposals.service import ProposalDetails
from townhall.proposals.votes import BallotInput, VoteDetails


@dataclass
class Scene:
    """What was done, so tests can state their expectations by counting it.

    Consultation A (open, Community Consultations / Libraries):
      c1 asks question Q1 (3 days ago); c2 replies; the officer answers Q1
      officially (1 day ago: 2.0 days, within the standard). c3 comments R2 and
      asks question Q3, which fell due unanswered yesterday. c2 proposes P1; c3 and
      c4 support it. A yes-or-no vote: c1 and c4 vote. s1 (staff) follows A; the
      officer posts an announcement (s1 is told), c1 is told of the reply and of
      the official answer.
      The Central Library is linked to A: c1 and c2 check in there today, and 3
      older check-ins remain as yesterday's daily count. c4 gets a nearby
      notification (area alert) about A.
      Moderation (set explicitly, whatever the standards decided): Q1 is held and
      c2's reply rejected by a moderator; the other posts published. c2's appeal
      is upheld, c1's dismissed, and c3's is still pending.
      c3's account is 100 days old; every other account is new.
    Consultation B (open, other areas): c4 comments once.
    Consultation C (same areas as A): closed 4 days ago, outcome 1 day later.
    """

    officer: Any
    citizens: list[Any]
    staff: Any
    a: Consultation
    b: Consultation
    c: Consultation
    start: datetime
    end: datetime


@pytest.fixture(autouse=True)
def _fresh_figures(app):
    """Each test computes its own figures (each app has its own cache, emptied here
    too in case a test makes figures, changes data and expects new ones)."""
    figures_cache().clear()


@pytest.fixture
def scene(app, areas, create_user, create_consultation) -> Scene:
    """Build the scene described on `Scene`."""
    now = utcnow()
    officer = create_user(role=Role.OFFICER, display_name="Olu Officer")
    c1, c2, c3, c4 = (create_user(display_name=f"Citizen {n}") for n in range(1, 5))
    s1 = create_user(role=Role.STAFF, display_name="Sam Staff")
    c3.created_at = now - timedelta(days=100)

    a = create_consultation(
        author=officer, title="Library hours", uses_proposals=True, uses_voting=True
    )
    b = create_consultation(
        author=officer,
        title="Bin collections",
        process_area_id=_other(areas, "process", a),
        service_area_id=_other(areas, "service", a),
    )
    c = create_consultation(author=officer, title="Park benches", status="outcome_published")
    c.closed_at = now - timedelta(days=4)
    c.outcome.published_at = now - timedelta(days=3)

    consultations.follow(s1, a)
    consultations.post_announcement(a, officer, "Extra session", "We added a drop-in session.")

    q1 = dialogue.post_comment(a, c1, "Why not open on Sundays?", is_question=True)
    q1.created_at = now - timedelta(days=3)
    reply = dialogue.post_comment(a, c2, "I agree, Sundays please.", parent=q1)
    answer = dialogue.post_comment(a, officer, "We are costing it now.", parent=q1, official=True)
    db.session.flush()
    q1.answered_at = now - timedelta(days=1)
    answer.created_at = now - timedelta(days=1)
    dialogue.post_comment(a, c3, "Evenings matter more to me.")
    q3 = dialogue.post_comment(a, c3, "When will you decide?", is_question=True)
    q3.question_due_at = now - timedelta(days=1)

    p1 = proposals.submit_proposal(
        a, c2, ProposalDetails(title="Sunday opening", body="Open 10 to 4.")
    )
    proposals.support_proposal(p1, c3)
    proposals.support_proposal(p1, c4)

    vote = votes.create_vote(
        a,
        officer,
        VoteDetails(
            title="Open on Sundays?",
            method=Method.MAJORITY,
            opens_at=now - timedelta(minutes=1),
            closes_at=now + timedelta(days=7),
        ),
        now=now - timedelta(minutes=2),
    )
    db.session.flush()
    yes = str(vote.options[0].id)
    votes.cast_ballot(vote, c1, BallotInput(choice=yes))
    votes.cast_ballot(vote, c4, BallotInput(choice=yes))

    add_place_use(a, [c1, c2], reduced=3, alerted=[c4])

    b_comment = dialogue.post_comment(b, c4, "Weekly, please.")
    db.session.flush()
    _moderate(q1, reply, q3, b_comment, now)
    db.session.commit()
    today = now.date()
    start = datetime.combine(today - timedelta(days=7), datetime.min.time(), tzinfo=now.tzinfo)
    end = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=now.tzinfo)
    return Scene(officer, [c1, c2, c3, c4], s1, a, b, c, start, end)


def _moderate(q1: Any, reply: Any, q3: Any, b_comment: Any, now: datetime) -> None:
    """Give every comment a moderation case in a known state (see `Scene`)."""
    from sqlalchemy import delete, select

    from townhall.dialogue.models import Comment
    from townhall.moderation.models import Appeal, AppealState, CaseState, ModerationCase

    db.session.execute(delete(Appeal))
    db.session.execute(delete(ModerationCase))
    cases = {}
    for comment in db.session.scalars(select(Comment)):
        state = {q1.id: CaseState.HELD, reply.id: CaseState.REJECTED}.get(
            comment.id, CaseState.PUBLISHED
        )
        cases[comment.id] = ModerationCase(
            kind="comment",
            content_id=comment.id,
            author_id=comment.author_id,
            consultation_id=comment.consultation_id,
            original_text=comment.body,
            published_text=comment.body,
            state=state,
            auto_action="allow",
            created_at=now,
            decided_at=now if comment.id == reply.id else None,
        )
        db.session.add(cases[comment.id])
    db.session.flush()
    for case_of, appellant, state in (
        (reply, reply.author_id, AppealState.UPHELD),
        (q1, q1.author_id, AppealState.DISMISSED),
        (q3, q3.author_id, AppealState.PENDING),
    ):
        db.session.add(
            Appeal(
                case_id=cases[case_of.id].id,
                appellant_id=appellant,
                reason="Please look again.",
                state=state,
                decided_at=None if state is AppealState.PENDING else now,
            )
        )
    db.session.flush()


def add_place_use(
    consultation: Consultation, visitors: list[Any], *, reduced: int = 0, alerted: list[Any] = ()
) -> None:
    """Link a library to `consultation`; check `visitors` in; tell `alerted` it is near."""
    from townhall.notifications.models import Notification, NotificationKind
    from townhall.places.models import CheckIn, CheckInCount, Place, PlaceConsultation, PlaceKind

    now = utcnow()
    place = Place(
        name="Central Library", kind=PlaceKind.LIBRARY, address="1 High Street",
        latitude=51.5, longitude=-0.1,
    )  # fmt: skip
    db.session.add(place)
    db.session.flush()
    db.session.add(PlaceConsultation(place_id=place.id, consultation_id=consultation.id))
    for person in visitors:
        db.session.add(CheckIn(place_id=place.id, user_id=person.id, created_at=now))
    if reduced:
        db.session.add(
            CheckInCount(place_id=place.id, day=now.date() - timedelta(days=1), count=reduced)
        )
    for person in alerted:
        db.session.add(
            Notification(
                user_id=person.id,
                kind=NotificationKind.AREA_ALERT,
                text=f"Near you: {consultation.title}",
                link=f"/consultations/{consultation.id}",
            )
        )
    db.session.flush()


def _other(areas: dict[str, Any], kind: str, consultation: Consultation) -> int:
    """An area of `kind` that `consultation` is not in."""
    taken = {consultation.process_area_id, consultation.service_area_id}
    return next(a.id for a in areas.values() if a.kind.value == kind and a.id not in taken)


def period(days_back: int = 7, days_on: int = 0) -> tuple[date, date]:
    """A KPI period around today."""
    today = utcnow().date()
    return today - timedelta(days=days_back), today + timedelta(days=days_on)
