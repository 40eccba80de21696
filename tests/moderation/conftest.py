"""Moderation's tests run under the default standards that ship with Townhall (the rest
of the suite may use a gentler file; see tests/moderation/suite_standards.toml)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import empty_all_tables, settings_for_tests
from townhall import create_app
from townhall.accounts.permissions import Role
from townhall.extensions import db, limiter
from townhall.moderation.standards import DEFAULT_STANDARDS


@pytest.fixture
def app(_migrated, database_url: str, redis_url: str | None, outbox: Path) -> Iterator[Flask]:
    """A fresh app on the test database under the default standards, every table empty."""
    settings = settings_for_tests(database_url, redis_url, outbox)
    settings["TOWNHALL_STANDARDS"] = str(DEFAULT_STANDARDS)
    application = create_app(settings)
    with application.app_context():
        limiter.reset()
        yield application
    empty_all_tables(application)


# --- people and posts -------------------------------------------------------------


@pytest.fixture
def consultation(create_consultation):
    """An open public consultation that uses dialogue."""
    return create_consultation(status="open", title="Library opening hours")


@pytest.fixture
def citizen(create_user):
    return create_user(display_name="Cleo Citizen")


@pytest.fixture
def neighbour(create_user):
    return create_user(display_name="Ned Neighbour")


@pytest.fixture
def moderator(create_user):
    return create_user(role=Role.MODERATOR, display_name="Mona Moderator")


@pytest.fixture
def second_moderator(create_user):
    return create_user(role=Role.MODERATOR, display_name="Max Moderator")


@pytest.fixture
def post(consultation) -> Callable[..., Any]:
    """`post(author, body)`: post a comment through the dialogue service and commit."""
    from townhall.dialogue import service

    def do(author, body="I would use the library on Sundays.", *, parent=None, **options):
        comment = service.post_comment(consultation, author, body, parent=parent, **options)
        db.session.commit()
        return comment

    return do


@pytest.fixture
def trust(app) -> Callable[[Any], None]:
    """`trust(user)`: give a person the approved posts that end the new-account hold."""
    from townhall.moderation.models import CaseState, ModerationCase
    from townhall.moderation.service import current_standards

    def do(user) -> None:
        for n in range(current_standards().settings.new_account_hold):
            db.session.add(
                ModerationCase(
                    kind="comment",
                    content_id=None,
                    author_id=user.id,
                    original_text=f"earlier post {n}",
                    published_text=f"earlier post {n}",
                    state=CaseState.APPROVED,
                    auto_action="hold",
                    clauses=["8.1"],
                    matches=[],
                    reasons=[],
                )
            )
        db.session.commit()

    return do
