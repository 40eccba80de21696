"""Who may read and act on which consultation."""

from __future__ import annotations

import pytest

from townhall.accounts.permissions import Role
from townhall.consultations.models import Phase
from townhall.consultations.permissions import Action, can, can_read, refusal


@pytest.mark.parametrize(
    ("role", "status", "audience", "readable"),
    [
        (None, "open", "public", True),
        (None, "open", "staff", False),
        (None, "draft", "public", False),
        (Role.CITIZEN, "open", "staff", False),
        (Role.CITIZEN, "scheduled", "public", False),
        (Role.CITIZEN, "archived", "public", True),
        (Role.STAFF, "open", "staff", True),
        (Role.STAFF, "draft", "staff", False),
        (Role.OFFICER, "draft", "staff", True),
        (Role.MODERATOR, "open", "staff", True),
    ],
)
def test_who_can_read(create_consultation, create_user, role, status, audience, readable):
    consultation = create_consultation(status=status, audience=audience)
    user = create_user(role=role) if role else None
    assert can_read(user, consultation) is readable
    assert can(user, Action.READ, consultation) is readable


def test_taking_part_needs_an_open_consultation_and_a_confirmed_email(
    create_consultation, create_user
):
    open_one = create_consultation()
    closed = create_consultation(status="closed")
    citizen = create_user()
    assert can(citizen, Action.TAKE_PART, open_one, Phase.DIALOGUE)
    assert "not open" in refusal(citizen, Action.TAKE_PART, closed, Phase.DIALOGUE)
    assert "Confirm your email" in refusal(create_user(verified=False), Action.TAKE_PART, open_one)
    assert refusal(None, Action.TAKE_PART, open_one) == "Sign in to do that."
    assert "does not use" in refusal(citizen, Action.TAKE_PART, open_one, Phase.VOTING)


def test_officer_actions(create_consultation, create_user):
    open_one, closed = create_consultation(), create_consultation(status="closed")
    officer, citizen = create_user(role=Role.OFFICER), create_user()
    for action in (Action.MANAGE, Action.ANNOUNCE, Action.RESPOND_OFFICIALLY):
        assert can(officer, action, open_one)
        assert not can(citizen, action, open_one)
    assert "closed" in refusal(officer, Action.PUBLISH_OUTCOME, open_one)
    assert can(officer, Action.PUBLISH_OUTCOME, closed)
    assert not can(create_user(role=Role.MODERATOR), Action.PUBLISH_OUTCOME, closed)
    assert not can(officer, Action.ANNOUNCE, create_consultation(status="draft"))
