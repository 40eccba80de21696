"""First flags at once on a post made before moderation was switched on.

Such a post has no moderation case; the first flag opens one. When several first
flags arrive together, every request finds no case and tries to open it: exactly one
case must come of it, every flag must count against that one case, and no request may
answer with a 500 (the unique constraint on kind and post must never reach a person).

Requests go through a real threaded server, released together by a barrier, as in
tests/security/test_races.py, whose helpers and fixtures this reuses.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from tests.security.plain_http import post_at_once
from tests.security.test_races import (
    assert_clear_answers,
    assert_hidden_once_at_threshold,
    flag_freely,
    fresh,
    signed_in,
)
from townhall.dialogue.models import Comment
from townhall.extensions import db
from townhall.moderation.models import (
    CaseState,
    Flag,
    ModerationCase,
)
from townhall.moderation.service import current_standards

# Imported fixtures: pytest finds them by name in this module.
__all__ = ["flag_freely", "signed_in"]

BURST = 40


@pytest.fixture
def legacy_comment(post, citizen, trust) -> Comment:
    """A published comment with no moderation case, as if posted before moderation began."""
    trust(citizen)  # past the new-account hold, so the comment is published as written
    comment = post(citizen, "The library should open on Sunday afternoons.")
    db.session.execute(
        delete(ModerationCase).where(
            ModerationCase.kind == "comment", ModerationCase.content_id == comment.id
        )
    )
    db.session.commit()
    return comment


def _cases(comment: Comment) -> list[ModerationCase]:
    return list(
        db.session.scalars(
            select(ModerationCase).where(
                ModerationCase.kind == "comment", ModerationCase.content_id == comment.id
            )
        )
    )


def _flag_path(comment: Comment) -> str:
    return f"/moderation/flag/comment/{comment.id}"


def test_first_flags_from_one_person_at_once_open_one_case_and_count_once(
    app, live_server, signed_in, create_user, legacy_comment, flag_freely
):
    assert _cases(legacy_comment) == []
    web, me = signed_in(create_user(display_name="Fay Flagger"))

    replies = post_at_once(web, _flag_path(legacy_comment), [{"clause": "1.1"}] * BURST, me)

    assert_clear_answers(replies, {303, 409})
    assert [r.status for r in replies].count(303) == 1
    refused = [r.body for r in replies if r.status == 409]
    assert all("You have already flagged this comment" in body for body in refused)
    fresh()
    [case] = _cases(legacy_comment)
    assert case.original_text == "The library should open on Sunday afternoons."
    assert case.author_id == legacy_comment.author_id
    flags = db.session.scalar(select(func.count()).select_from(Flag).where(Flag.case_id == case.id))
    assert flags == case.flag_count == 1
    assert case.state is CaseState.REVIEW


def test_first_flags_from_many_people_at_once_open_one_case_and_all_count(
    app, live_server, signed_in, create_user, legacy_comment, flag_freely
):
    threshold = current_standards().settings.flag_threshold
    people = [signed_in(create_user(display_name=f"Flagger {n}")) for n in range(threshold * 3)]
    fresh()
    assert _cases(legacy_comment) == []

    replies = post_at_once(
        people[0][0],
        _flag_path(legacy_comment),
        [{"clause": "1.1"}] * len(people),
        [credentials for _web, credentials in people],
    )

    assert_clear_answers(replies, {303, 409})
    # Flags up to the threshold are taken; once the post is hidden, later ones are not.
    assert [r.status for r in replies].count(303) == threshold
    fresh()
    [case] = _cases(legacy_comment)
    assert_hidden_once_at_threshold(case, threshold)
