"""A proposal the standards hold waits for a moderator, visible to its author meanwhile."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import DEFAULT_PASSWORD
from townhall.extensions import db
from townhall.proposals.models import Proposal, ProposalStatus

# Clause 1.3 of the suite's standards holds threats for a moderator.
HELD_BODY = "I know where you live."


def test_the_author_sees_their_held_proposal_and_is_told_it_waits(
    client, sign_in, post_form, consultation, citizens
):
    sign_in(citizens[0])
    url = f"/consultations/{consultation.id}/proposals/new"
    response = post_form(url, {"title": "Benches", "body": HELD_BODY})
    assert response.status_code == 303
    proposal = db.session.scalars(select(Proposal)).one()
    assert proposal.status is ProposalStatus.HIDDEN

    page = client.get(response.location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "held for a moderator" in html
    assert "Support this proposal" not in html


def test_other_people_still_get_a_404_for_a_held_proposal(
    app, client, sign_in, post_form, consultation, citizens
):
    sign_in(citizens[0])
    post_form(f"/consultations/{consultation.id}/proposals/new", {"title": "B", "body": HELD_BODY})
    proposal = db.session.scalars(select(Proposal)).one()

    stranger = app.test_client()
    assert stranger.get(f"/proposals/{proposal.id}").status_code == 404
    neighbour = app.test_client()
    token_page = neighbour.get("/sign-in").get_data(as_text=True)
    token = token_page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    signed_in = neighbour.post(
        "/sign-in",
        data={"email": citizens[1].email, "password": DEFAULT_PASSWORD, "csrf_token": token},
    )
    assert signed_in.status_code == 302
    assert neighbour.get(f"/proposals/{proposal.id}").status_code == 404
