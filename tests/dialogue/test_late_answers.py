"""After a consultation closes, officers still answer the questions they were asked.

People can no longer talk a closed consultation through, but a question left without
the council's official response stays owed: an officer may answer it officially until
the consultation is archived, and the question's author is told.
"""

from __future__ import annotations

import re

import pytest

from townhall.consultations import service as consultations
from townhall.dialogue import service
from townhall.dialogue.permissions import LATE_ANSWER_MUST_BE_OFFICIAL
from townhall.extensions import db


@pytest.fixture
def closed_with_question(consultation, citizen, post):
    """The consultation, closed, with a citizen's question still unanswered."""
    question = post(citizen, "When will the library open on Sundays?", is_question=True)
    consultations.close_consultation(consultation)
    db.session.commit()
    return question


def test_an_officer_answers_a_question_officially_after_close(
    closed_with_question, consultation, officer, post
):
    answer = post(officer, "From May.", parent=closed_with_question, official=True)

    assert answer.is_official
    db.session.refresh(closed_with_question)
    assert closed_with_question.answered_at is not None


def test_after_close_only_official_answers_to_questions_are_taken(
    closed_with_question, consultation, officer, neighbour, post
):
    with pytest.raises(service.NotAllowed, match="official response"):
        post(officer, "Just a thought.", parent=closed_with_question)
    with pytest.raises(service.NotAllowed):
        post(officer, "A new official point.", official=True)
    with pytest.raises(service.NotAllowed):
        post(neighbour, "Me too.", parent=closed_with_question)


def test_a_comment_that_is_not_a_question_takes_no_late_answer(
    consultation, citizen, officer, post
):
    remark = post(citizen, "I like the library as it is.")
    consultations.close_consultation(consultation)
    db.session.commit()

    with pytest.raises(service.NotAllowed):
        post(officer, "Noted.", parent=remark, official=True)


def test_archived_consultations_take_no_answers(closed_with_question, consultation, officer, post):
    consultations.archive_consultation(consultation)
    db.session.commit()

    with pytest.raises(service.NotAllowed):
        post(officer, "Too late.", parent=closed_with_question, official=True)


def test_the_reply_page_offers_the_official_answer_and_posts_it(
    client, sign_in, officer, closed_with_question, consultation, post_form
):
    sign_in(officer)
    thread = client.get(f"/consultations/{consultation.id}/comments/{closed_with_question.id}")
    reply_url = f"/consultations/{consultation.id}/comments/{closed_with_question.id}/reply"
    assert reply_url in thread.get_data(as_text=True)

    page = client.get(reply_url)
    assert page.status_code == 200
    official_box = re.search(r"<input[^>]*name=\"comment-official\"[^>]*>", page.get_data(True))
    assert official_box and "checked" in official_box.group(0)

    response = post_form(
        f"/consultations/{consultation.id}/comments",
        {
            "comment-body": "From May, 10:00 to 16:00.",
            "comment-parent_id": str(closed_with_question.id),
            "comment-official": "y",
        },
        token_page=reply_url,
    )
    assert response.status_code == 302
    db.session.refresh(closed_with_question)
    assert closed_with_question.answered_at is not None


def test_an_unofficial_late_reply_comes_back_with_what_was_typed(
    client, sign_in, officer, closed_with_question, consultation, post_form
):
    sign_in(officer)
    reply_url = f"/consultations/{consultation.id}/comments/{closed_with_question.id}/reply"
    response = post_form(
        f"/consultations/{consultation.id}/comments",
        {"comment-body": "Only my view.", "comment-parent_id": str(closed_with_question.id)},
        token_page=reply_url,
    )
    assert 400 <= response.status_code < 500
    html = response.get_data(as_text=True)
    assert "Only my view." in html
    assert LATE_ANSWER_MUST_BE_OFFICIAL.replace("'", "&#39;") in html
