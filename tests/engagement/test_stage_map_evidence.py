"""The stage map takes as evidence only what the public could see, against a real database.

Posts count as the dashboard's figures count them (`kpis.COMMENTS`, `kpis.ANNOUNCEMENTS`):
an official response or announcement that moderation held, hid after flags or refused,
or that was deleted, shows no stage, for public or staff-only consultations alike.
"""

from __future__ import annotations

from typing import Any

import pytest

from townhall.accounts.permissions import Role
from townhall.consultations import service as consultations
from townhall.dialogue import service as dialogue
from townhall.engagement.stage_map import Stage, stage_map
from townhall.extensions import db
from townhall.moderation import service as moderation
from townhall.moderation.models import CaseState, ModerationCase, Verdict


def _stages(area_id: int) -> tuple[Stage, Stage]:
    """(external, internal) for the area."""
    entry = next(e for e in stage_map() if e.area.id == area_id)
    return entry.external, entry.internal


def _case(kind: str, content_id: int) -> ModerationCase:
    case = moderation.find_case(kind, content_id)
    assert case is not None
    return case


@pytest.fixture
def officer(create_user) -> Any:
    return create_user(role=Role.OFFICER, display_name="Olu Officer")


@pytest.fixture
def moderator(create_user) -> Any:
    return create_user(role=Role.MODERATOR, display_name="Mo Moderator")


def _official_response(consultation: Any, officer: Any, asker: Any) -> Any:
    """A question and the officer's official answer to it (the answer is returned)."""
    question = dialogue.post_comment(consultation, asker, "When will it open?", is_question=True)
    answer = dialogue.post_comment(consultation, officer, "In May.", parent=question, official=True)
    db.session.flush()
    # The question is published either way: only the answer is evidence of dialogue.
    _case("comment", question.id).state = CaseState.PUBLISHED
    return answer


@pytest.mark.parametrize(
    ("state", "stage"),
    [
        (CaseState.PUBLISHED, Stage.DIALOGUE),
        (CaseState.REVIEW, Stage.DIALOGUE),  # published while it waits for a moderator
        (CaseState.APPROVED, Stage.DIALOGUE),
        (CaseState.HELD, Stage.NOT_STARTED),
        (CaseState.FLAGGED, Stage.NOT_STARTED),
        (CaseState.REJECTED, Stage.NOT_STARTED),
    ],
)
def test_an_official_response_is_evidence_of_dialogue_only_as_the_public_saw_it(
    app, areas, create_user, create_consultation, officer, state, stage
):
    consultation = create_consultation(author=officer)
    answer = _official_response(consultation, officer, create_user())
    _case("comment", answer.id).state = state
    db.session.commit()
    libraries = areas["Libraries"].id
    assert _stages(libraries) == (stage, Stage.NOT_STARTED)
    # The process area the consultation is also in has the same evidence.
    assert _stages(areas["Community Consultations"].id)[0] is stage


def test_a_held_answer_counts_once_a_moderator_publishes_it_and_not_once_removed(
    app, areas, create_user, create_consultation, officer, moderator
):
    consultation = create_consultation(author=officer)
    answer = _official_response(consultation, officer, create_user())
    _case("comment", answer.id).state = CaseState.HELD
    db.session.commit()
    libraries = areas["Libraries"].id
    assert _stages(libraries) == (Stage.NOT_STARTED, Stage.NOT_STARTED)

    moderation.decide_case(_case("comment", answer.id), moderator, Verdict.APPROVE)
    db.session.commit()
    assert _stages(libraries) == (Stage.DIALOGUE, Stage.NOT_STARTED)

    # Later someone flags it and a moderator takes it down.
    moderation.flag_post("comment", answer.id, create_user(), "1.1")
    moderation.decide_case(
        _case("comment", answer.id), moderator, Verdict.REMOVE, clause_number="1.1"
    )
    db.session.commit()
    assert _stages(libraries) == (Stage.NOT_STARTED, Stage.NOT_STARTED)


def test_a_deleted_answer_and_a_citizens_comment_are_no_evidence_of_dialogue(
    app, areas, create_user, create_consultation, officer
):
    consultation = create_consultation(author=officer)
    asker = create_user()
    answer = _official_response(consultation, officer, asker)
    dialogue.post_comment(consultation, asker, "Thanks, that helps.")
    db.session.flush()
    dialogue.delete_comment(answer, officer)
    db.session.commit()
    assert _stages(areas["Libraries"].id) == (Stage.NOT_STARTED, Stage.NOT_STARTED)


def test_a_held_announcement_is_no_evidence_of_one_way_communication(
    app, areas, create_user, create_consultation, officer, moderator
):
    consultation = create_consultation(author=officer)
    announcement = consultations.post_announcement(
        consultation, officer, "Welcome", "Tell us what you think."
    )
    _case("announcement", announcement.id).state = CaseState.HELD
    db.session.commit()
    libraries = areas["Libraries"].id
    assert _stages(libraries) == (Stage.NOT_STARTED, Stage.NOT_STARTED)

    moderation.decide_case(_case("announcement", announcement.id), moderator, Verdict.APPROVE)
    db.session.commit()
    assert _stages(libraries) == (Stage.ONE_WAY, Stage.NOT_STARTED)


def test_staff_only_consultations_take_the_same_evidence_for_internal_delivery(
    app, areas, create_user, create_consultation, officer
):
    staff_only = create_consultation(author=officer, audience="staff")
    consultations.post_announcement(staff_only, officer, "Rota", "New rota from May.")
    answer = _official_response(staff_only, officer, create_user(role=Role.STAFF))
    _case("comment", answer.id).state = CaseState.REJECTED
    db.session.commit()
    libraries = areas["Libraries"].id
    # The published announcement counts; the refused answer does not.
    assert _stages(libraries) == (Stage.NOT_STARTED, Stage.ONE_WAY)

    _case("comment", answer.id).state = CaseState.APPROVED
    db.session.commit()
    assert _stages(libraries) == (Stage.NOT_STARTED, Stage.DIALOGUE)
