"""Numbers in the proposals and voting forms: costs, winners, budgets, ids and positions
out of range (or no numbers at all) come back beside their field with what was typed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.form_ranges import assert_sent_back
from tests.proposals.test_views import vote_form
from townhall.database import MAX_ID
from townhall.extensions import db
from townhall.proposals import service
from townhall.proposals.models import HomeLocation, Proposal, Vote

TOO_BIG = str(MAX_ID + 1)
SEATS = "Use 1 to 49 winners: a vote has at most 50 options, and more options than winners."
HUGE = "99999999999999999999"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("cost", [HUGE, "1000000001", "-5", "lots", "4,500.50"])
def test_a_proposal_costing_out_of_range_comes_back(
    client, sign_in, post_form, consultation, citizens, cost
):
    sign_in(citizens[0])
    response = post_form(
        f"/consultations/{consultation.id}/proposals/new",
        {"title": "A reading garden", "body": "Behind the library.", "cost": cost},
    )
    assert_sent_back(
        response,
        "cost",
        "Give a cost in whole pounds, from £0 to £1,000,000,000.",
        kept=(f'value="{cost}"', 'value="A reading garden"', "Behind the library."),
    )
    assert count(Proposal) == 0


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"seats": HUGE}, "seats", SEATS),
        ({"seats": "50"}, "seats", SEATS),
        ({"seats": "two"}, "seats", SEATS),
        (
            {"method": "pb_greedy", "budget": HUGE},
            "budget",
            "Give a budget in whole pounds, from £1 to £1,000,000,000.",
        ),
        (
            {"method": "pb_greedy", "budget": "£20k"},
            "budget",
            "Give a budget in whole pounds, from £1 to £1,000,000,000.",
        ),
    ],
)
def test_a_vote_with_a_number_out_of_range_comes_back(
    client, sign_in, post_form, consultation, officer, changes, field, message
):
    sign_in(officer)
    response = post_form(
        f"/consultations/{consultation.id}/votes/new",
        vote_form(title="Keep me", description="Spend the grant.", **changes),
    )
    assert_sent_back(
        response,
        field,
        message,
        kept=(f'value="{changes[field]}"', 'value="Keep me"', "Spend the grant.", "Bananas"),
    )
    assert count(Vote) == 0


@pytest.mark.parametrize("value", [HUGE, TOO_BIG, "benches"])
def test_a_vote_on_proposals_not_on_the_shortlist_comes_back(
    client, sign_in, post_form, consultation, officer, citizens, value
):
    service.set_support_threshold(consultation, 1)
    proposal = service.submit_proposal(
        consultation, citizens[0], service.ProposalDetails("Benches", "By the river.")
    )
    service.support_proposal(proposal, citizens[1])
    db.session.commit()
    sign_in(officer)
    response = post_form(
        f"/consultations/{consultation.id}/votes/new",
        vote_form(title="Keep me", proposal_ids=[str(proposal.id), value]),
    )
    assert_sent_back(
        response,
        "proposal_ids",
        "Choose from the shortlisted proposals.",
        kept=('value="Keep me"', "Bananas"),
    )
    assert count(Vote) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("latitude", "sNaN", "Latitude runs from -90 to 90."),
        ("latitude", "NaN", "Latitude runs from -90 to 90."),
        ("longitude", "Infinity", "Longitude runs from -180 to 180."),
        ("longitude", "west", "Longitude runs from -180 to 180."),
    ],
)
def test_a_home_location_that_is_no_position_comes_back(
    client, sign_in, post_form, citizens, field, value, message
):
    sign_in(citizens[0])
    typed = {"latitude": "51.7521", "longitude": "-1.2579", field: value}
    response = post_form("/account/home-location", typed)
    assert_sent_back(response, field, message, kept=tuple(f'value="{v}"' for v in typed.values()))
    assert count(HomeLocation) == 0
