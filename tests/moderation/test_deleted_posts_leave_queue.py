"""A post deleted while it waits for a moderator leaves the queue, and a decision on it
is refused in the moderator's terms, never telling its author it is published
(issue 15, finding 10)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from townhall.database import utcnow
from townhall.dialogue import service as dialogue
from townhall.dialogue.models import Comment
from townhall.extensions import db
from townhall.moderation import service
from townhall.moderation.models import AuditEntry, CaseState, Verdict
from townhall.notifications.models import Notification


def told(user) -> list[str]:
    return list(
        db.session.scalars(select(Notification.text).where(Notification.user_id == user.id))
    )


@pytest.fixture
def held(post, citizen):
    """A citizen's first comment, held for a moderator; the comment and its case."""
    comment = post(citizen, "Open the library on Sundays.")
    case = service.find_case("comment", comment.id)
    assert case.state is CaseState.HELD
    return comment, case


def test_a_held_comment_its_author_deletes_leaves_the_queue(held, citizen):
    comment, _case = held
    dialogue.delete_comment(comment, citizen)
    db.session.commit()
    assert service.find_case("comment", comment.id).state is CaseState.WITHDRAWN
    items, total = service.queue()
    assert total == 0 and items == []
    withdrawn = db.session.scalars(select(AuditEntry).where(AuditEntry.event == "withdrawn"))
    assert [entry.subject for entry in withdrawn] == [f"comment:{comment.id}"]
    # Not listed to its author as waiting, nor as a decision.
    record = service.person_record(citizen)
    assert record.awaiting == [] and record.cases == []


def test_a_decision_on_a_deleted_post_is_refused_and_the_author_is_not_told(
    held, citizen, moderator
):
    comment, case = held
    dialogue.delete_comment(comment, citizen)
    db.session.commit()
    before = told(citizen)
    with pytest.raises(service.PostDeleted) as refused:
        service.decide_case(case, moderator, Verdict.APPROVE)
    assert refused.value.status == 409
    assert "deleted" in str(refused.value) and "nothing to decide" in str(refused.value)
    db.session.rollback()
    assert told(citizen) == before
    assert not any("is published" in text for text in told(citizen))


def test_a_comment_deleted_before_this_fix_is_refused_too(held, citizen, moderator):
    """A case still queued whose post was deleted (as before the fix) cannot be approved."""
    comment, case = held
    db.session.get(Comment, comment.id).deleted_at = utcnow()
    db.session.commit()
    with pytest.raises(service.PostDeleted):
        service.decide_case(case, moderator, Verdict.APPROVE)
    db.session.rollback()
    assert not any("is published" in text for text in told(citizen))


def test_the_case_page_refuses_with_a_clear_message_not_a_500(
    client, sign_in, post_form, held, citizen, moderator
):
    comment, case = held
    dialogue.delete_comment(comment, citizen)
    db.session.commit()
    sign_in(moderator)
    assert f"/moderation/cases/{case.id}" not in client.get("/moderation").get_data(as_text=True)
    url = f"/moderation/cases/{case.id}"
    response = post_form(url, {"verdict": "approve"}, token_page=url)
    assert response.status_code == 409
    assert "was deleted" in response.get_data(as_text=True)
    assert service.find_case("comment", comment.id).state is CaseState.WITHDRAWN


def test_bulk_decisions_skip_a_deleted_post_saying_why(held, citizen, moderator):
    comment, case = held
    dialogue.delete_comment(comment, citizen)
    db.session.commit()
    result = service.decide_cases([case.id], moderator, Verdict.APPROVE)
    assert result.decided == 0
    assert result.skipped and "deleted" in result.skipped[0]


def test_the_author_deleting_over_http_takes_it_off_the_queue(
    client, sign_in, post_form, held, citizen, consultation
):
    comment, _case = held
    sign_in(citizen)
    url = f"/consultations/{consultation.id}/comments/{comment.id}/delete"
    response = post_form(url, {}, token_page=url)
    assert response.status_code == 302
    assert service.queue()[1] == 0


def test_a_decided_case_is_left_as_it_was_when_its_post_is_deleted(held, citizen, moderator):
    comment, case = held
    service.decide_case(case, moderator, Verdict.APPROVE)
    db.session.commit()
    dialogue.delete_comment(comment, citizen)
    db.session.commit()
    assert service.find_case("comment", comment.id).state is CaseState.APPROVED
