"""The stage map is derived from use, for internal and external delivery apart."""

from __future__ import annotations

from datetime import timedelta

from tests.engagement.conftest import add_place_use
from townhall.accounts.permissions import Role
from townhall.consultations import service as consultations
from townhall.database import utcnow
from townhall.dialogue import service as dialogue
from townhall.engagement.stage_map import Stage, stage_map
from townhall.extensions import db
from townhall.proposals import votes
from townhall.proposals.models import Method
from townhall.proposals.votes import VoteDetails


def _stages(area_id: int) -> tuple[Stage, Stage]:
    entry = next(e for e in stage_map() if e.area.id == area_id)
    return entry.external, entry.internal


def test_an_area_climbs_the_stages_as_its_consultations_use_more(
    app, areas, create_user, create_consultation
):
    officer = create_user(role=Role.OFFICER)
    libraries = areas["Libraries"].id
    assert _stages(libraries) == (Stage.NOT_STARTED, Stage.NOT_STARTED)

    consultation = create_consultation(author=officer, uses_voting=True)
    consultations.post_announcement(consultation, officer, "Welcome", "Tell us what you think.")
    db.session.commit()
    assert _stages(libraries) == (Stage.ONE_WAY, Stage.NOT_STARTED)

    question = dialogue.post_comment(consultation, create_user(), "When?", is_question=True)
    dialogue.post_comment(consultation, officer, "In May.", parent=question, official=True)
    db.session.commit()
    assert _stages(libraries) == (Stage.DIALOGUE, Stage.NOT_STARTED)

    now = utcnow()
    vote = votes.create_vote(
        consultation,
        officer,
        VoteDetails(
            title="Sundays?",
            method=Method.MAJORITY,
            opens_at=now - timedelta(minutes=1),
            closes_at=now + timedelta(days=1),
        ),
        now=now - timedelta(minutes=2),
    )
    consultations.close_consultation(consultation)
    db.session.commit()
    # A vote alone is not yet a decision: the stage waits for the outcome.
    assert _stages(libraries) == (Stage.DIALOGUE, Stage.NOT_STARTED)
    assert vote.id

    consultations.publish_outcome(
        consultation,
        officer,
        you_said="Yes.",
        decision="Open.",
        reasons="Demand.",
        next_steps="May.",
    )
    db.session.commit()
    assert _stages(libraries) == (Stage.COLLECTIVE, Stage.NOT_STARTED)
    # The process area the consultation also belongs to climbs with it.
    assert _stages(areas["Community Consultations"].id)[0] is Stage.COLLECTIVE

    add_place_use(consultation, [create_user()])
    db.session.commit()
    assert _stages(libraries) == (Stage.CHECK_IN, Stage.NOT_STARTED)
    add_place_use(consultation, [], alerted=[create_user()])
    db.session.commit()
    assert _stages(libraries) == (Stage.PUSH, Stage.NOT_STARTED)


def test_staff_consultations_count_for_internal_delivery(
    app, areas, create_user, create_consultation
):
    officer = create_user(role=Role.OFFICER)
    staff_only = create_consultation(author=officer, audience="staff")
    consultations.post_announcement(staff_only, officer, "Rota", "New rota from May.")
    db.session.commit()
    assert _stages(areas["Libraries"].id) == (Stage.NOT_STARTED, Stage.ONE_WAY)
