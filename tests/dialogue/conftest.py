"""Fixtures for the dialogue: an open consultation and the people who talk on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from townhall.accounts.permissions import Role
from townhall.dialogue import service
from townhall.extensions import db


@pytest.fixture
def consultation(create_consultation):
    """An open public consultation that uses dialogue, with a 10 working day standard."""
    return create_consultation(status="open", title="Library opening hours", response_days=10)


@pytest.fixture
def citizen(create_user):
    return create_user(display_name="Cleo Citizen")


@pytest.fixture
def neighbour(create_user):
    return create_user(display_name="Ned Neighbour")


@pytest.fixture
def officer(create_user):
    return create_user(role=Role.OFFICER, display_name="Oscar Officer")


@pytest.fixture
def moderator(create_user):
    return create_user(role=Role.MODERATOR, display_name="Mona Moderator")


@pytest.fixture
def post(consultation) -> Callable[..., Any]:
    """`post(author, body, parent=None, **options)`: post through the service and commit."""

    def do(author, body="A comment", *, parent=None, on=None, **options):
        comment = service.post_comment(on or consultation, author, body, parent=parent, **options)
        db.session.commit()
        return comment

    return do
