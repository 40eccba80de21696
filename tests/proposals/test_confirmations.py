"""Closing a vote asks first, on a page that says what will happen; a closed
consultation offers no "Set up a vote" and refuses one (issue 15, finding 8)."""

from __future__ import annotations

import pytest

from tests.proposals.test_views import text_of
from tests.proposals.vote_forms import vote_form
from townhall.consultations import service as consultations
from townhall.extensions import db


def test_closing_a_vote_asks_first_and_changes_nothing(
    client, sign_in, post_form, make_vote, officer
):
    vote = make_vote(title="Library hours")
    sign_in(officer)
    response = post_form(f"/votes/{vote.id}/close", {"action": "close"})
    assert response.status_code == 200
    page = text_of(response)
    assert "<h1>Close the vote “Library hours” now?</h1>" in page
    assert (
        "Closing the vote now ends voting for everyone and publishes the result. "
        "This cannot be undone." in page
    )
    assert f'href="/votes/{vote.id}">Cancel</a>' in page
    assert 'name="confirm" value="yes"' in page and 'name="action" value="close"' in page
    db.session.refresh(vote)
    assert vote.closed_at is None

    response = post_form(f"/votes/{vote.id}/close", {"action": "close", "confirm": "yes"})
    assert response.status_code == 303
    db.session.refresh(vote)
    assert vote.closed_at is not None


def test_a_citizen_is_refused_before_any_question(client, sign_in, post_form, make_vote, citizens):
    vote = make_vote()
    sign_in(citizens[0])
    assert post_form(f"/votes/{vote.id}/close", {"action": "close"}).status_code == 403


def test_a_closed_consultation_offers_no_vote_set_up(
    client, sign_in, post_form, consultation, officer
):
    sign_in(officer)
    path = f"/consultations/{consultation.id}"
    assert "Set up a vote" in text_of(client.get(path))
    consultations.close_consultation(consultation)
    db.session.commit()

    assert "Set up a vote" not in text_of(client.get(path))
    page = client.get(f"{path}/votes/new")
    assert page.status_code == 409
    assert "has closed, so no new vote can be set up on it" in text_of(page)
    response = post_form(f"{path}/votes/new", vote_form(title="Too late"))
    assert response.status_code == 409
    assert "has closed, so no new vote can be set up on it" in text_of(response)


def test_the_service_refuses_a_vote_on_a_closed_consultation(consultation, officer, make_vote):
    from townhall.proposals.errors import VotingClosed

    consultations.close_consultation(consultation)
    with pytest.raises(VotingClosed, match="has closed"):
        make_vote()
