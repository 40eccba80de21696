"""Proposal and vote pages through the Flask client: every rule and every bad input."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.proposals.conftest import option_ids
from tests.proposals.vote_forms import vote_form
from townhall.database import utcnow
from townhall.extensions import db
from townhall.proposals import service, votes
from townhall.proposals.models import Ballot, Eligibility, Method, Proposal, Vote
from townhall.proposals.votes import BallotInput


def text_of(response) -> str:
    return response.get_data(as_text=True)


def ballots_in(vote: Vote) -> int:
    return db.session.scalar(select(func.count()).where(Ballot.vote_id == vote.id)) or 0


def selected_in(html: str) -> list[str]:
    return re.findall(r'<option value="(\d+)" selected>', html)


# --- proposals -------------------------------------------------------------------


def test_consultation_page_shows_proposals_and_votes_sections(client, consultation, make_vote):
    make_vote(title="Which fruit?")
    html = text_of(client.get(f"/consultations/{consultation.id}"))
    assert 'id="proposals-heading"' in html and 'id="votes-heading"' in html
    assert "Which fruit?" in html
    assert "Sign in</a> to put forward and support proposals" in html


def test_submit_a_proposal(client, sign_in, post_form, consultation, citizens):
    sign_in(citizens[0])
    url = f"/consultations/{consultation.id}/proposals/new"
    assert client.get(url).status_code == 200
    response = post_form(url, {"title": "More benches", "body": "In the **park**.", "cost": "4500"})
    assert response.status_code == 303
    proposal = db.session.scalars(select(Proposal)).one()
    assert proposal.title == "More benches" and proposal.cost == 4500
    html = text_of(client.get(response.location))
    assert "<strong>park</strong>" in html and "£4,500" in html


def test_bad_proposal_keeps_the_input(client, sign_in, post_form, consultation, citizens):
    sign_in(citizens[0])
    url = f"/consultations/{consultation.id}/proposals/new"
    response = post_form(url, {"title": "", "body": "Keep this text", "cost": "-5"})
    assert response.status_code == 400
    html = text_of(response)
    assert "Give your proposal a title." in html and "Keep this text" in html
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_proposals_need_a_signed_in_person_in_the_phase(
    client, sign_in, post_form, create_consultation, citizens
):
    plain = create_consultation(uses_proposals=False)
    url = f"/consultations/{plain.id}/proposals/new"
    assert client.get(url).status_code == 302  # to sign in
    sign_in(citizens[0])
    response = post_form(url, {"title": "T", "body": "B"})
    assert response.status_code == 403
    assert "does not use that phase" in text_of(response)
    staff_only = create_consultation(audience="staff", uses_proposals=True)
    assert client.get(f"/consultations/{staff_only.id}/proposals/new").status_code == 404


def test_support_until_shortlisted(client, sign_in, post_form, consultation, citizens):
    service.set_support_threshold(consultation, 2)
    proposal = service.submit_proposal(
        consultation, citizens[0], service.ProposalDetails("Benches", "Please")
    )
    db.session.commit()
    url = f"/proposals/{proposal.id}/support"
    for person in citizens[1:3]:
        sign_in(person)
        response = post_form(url, {"action": "support"})
        assert response.status_code == 303
    response = post_form(url, {"action": "support"})  # again: still one support
    db.session.refresh(proposal)
    assert proposal.support_count == 2 and proposal.is_shortlisted
    html = text_of(client.get(f"/proposals/{proposal.id}"))
    assert "Shortlisted" in html and "Withdraw support" in html
    assert post_form(url, {"action": "withdraw"}).status_code == 303
    db.session.refresh(proposal)
    assert proposal.support_count == 1


def test_support_refused_after_close(client, sign_in, post_form, consultation, citizens):
    proposal = service.submit_proposal(consultation, citizens[0], service.ProposalDetails("B", "P"))
    from townhall.consultations.service import close_consultation

    close_consultation(consultation)
    db.session.commit()
    sign_in(citizens[1])
    response = post_form(f"/proposals/{proposal.id}/support", {"action": "support"})
    assert response.status_code == 403 and "not open" in text_of(response)


def test_threshold_is_for_officers(client, sign_in, post_form, consultation, citizens, officer):
    url = f"/consultations/{consultation.id}/proposals/threshold"
    sign_in(citizens[0])
    assert post_form(url, {"threshold": "3"}).status_code == 403
    sign_in(officer)
    assert post_form(url, {"threshold": "3"}).status_code == 303
    assert service.support_threshold(consultation) == 3
    post_form(url, {"threshold": "0"})
    assert service.support_threshold(consultation) == 3


# --- setting up and closing votes --------------------------------------------------


def test_officer_sets_up_a_vote(client, sign_in, post_form, consultation, officer, citizens):
    service.set_support_threshold(consultation, 1)
    proposal = service.submit_proposal(
        consultation, citizens[0], service.ProposalDetails("Benches", "P")
    )
    service.support_proposal(proposal, citizens[1])
    db.session.commit()
    url = f"/consultations/{consultation.id}/votes/new"
    sign_in(citizens[0])
    assert client.get(url).status_code == 403
    sign_in(officer)
    page = text_of(client.get(url))
    assert "Benches" in page and "checked" in page  # shortlisted proposals offered, ticked
    data = vote_form(proposal_ids=str(proposal.id), stated_options="Bins | 300\nLights")
    response = post_form(url, data)
    assert response.status_code == 303, text_of(response)
    vote = db.session.scalars(select(Vote)).one()
    assert [o.label for o in vote.options] == ["Benches", "Bins", "Lights"]
    assert vote.options[0].proposal_id == proposal.id


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"stated_options": "Only one"}, "at least two"),
        ({"method": "pb_greedy"}, "budget"),
        ({"stated_options": "A | lots\nB"}, "must be pounds"),
        ({"method": "nonsense"}, "Choose a counting method from the list."),
        ({"closes_at": ""}, "Say when the vote closes"),
    ],
)
def test_bad_vote_set_up_keeps_the_input(
    client, sign_in, post_form, consultation, officer, overrides, message
):
    sign_in(officer)
    response = post_form(
        f"/consultations/{consultation.id}/votes/new", vote_form(title="Keep me", **overrides)
    )
    assert response.status_code == 400
    html = text_of(response)
    assert message in html and 'value="Keep me"' in html
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 0


def test_close_a_vote(client, sign_in, post_form, make_vote, officer, citizens):
    vote = make_vote()
    sign_in(citizens[0])
    assert post_form(f"/votes/{vote.id}/close", {"action": "close"}).status_code == 403
    sign_in(officer)
    response = post_form(f"/votes/{vote.id}/close", {"action": "close", "confirm": "yes"})
    assert response.status_code == 303 and response.location.endswith(f"/votes/{vote.id}/results")
    db.session.refresh(vote)
    assert vote.closed_at is not None and vote.result_json


# --- ballots ---------------------------------------------------------------------


def test_cast_a_ballot_and_see_the_receipt_once(client, sign_in, post_form, make_vote, citizens):
    vote = make_vote()
    ids = option_ids(vote)
    sign_in(citizens[0])
    page = text_of(client.get(f"/votes/{vote.id}"))
    assert "<legend>Rank the options in order of preference</legend>" in page
    assert '<label class="label" for="rank-1">1st choice</label>' in page
    response = post_form(
        f"/votes/{vote.id}/ballot",
        {"rank": [ids["Cherries"], ids["Apples"], ""]},
        token_page=f"/votes/{vote.id}",
    )
    assert response.status_code == 303
    html = text_of(client.get(response.location))
    code = re.search(r"data-receipt>([A-Z2-7-]+)<", html).group(1)
    assert votes.verify_receipt(vote, code) is not None
    assert "Change my ballot" in html
    assert selected_in(html)[:2] == [ids["Cherries"], ids["Apples"]]  # own ballot to change
    assert "data-receipt" not in text_of(client.get(f"/votes/{vote.id}"))  # shown once
    # Checking the receipt says only that it is counted.
    found = post_form(f"/votes/{vote.id}/receipt", {"code": code})
    assert found.status_code == 200 and "matches a ballot counted" in text_of(found)
    missing = post_form(f"/votes/{vote.id}/receipt", {"code": "AAAA-BBBB-CCCC-DDDD"})
    assert missing.status_code == 404 and "No ballot in this vote" in text_of(missing)


def test_changing_a_ballot_replaces_it(client, sign_in, post_form, make_vote, citizens):
    vote = make_vote(Method.APPROVAL)
    ids = option_ids(vote)
    sign_in(citizens[0])
    url = f"/votes/{vote.id}/ballot"
    post_form(url, {"approve": [ids["Apples"]]})
    response = post_form(url, {"approve": [ids["Bananas"], ids["Cherries"]]})
    assert response.status_code == 303
    assert ballots_in(vote) == 1
    assert sorted(votes.own_marks(vote, citizens[0]).approve) == sorted(
        [ids["Bananas"], ids["Cherries"]]
    )


def test_unknown_option_is_refused_with_choices_shown_back(
    client, sign_in, post_form, make_vote, citizens
):
    vote = make_vote()
    ids = option_ids(vote)
    sign_in(citizens[0])
    response = post_form(f"/votes/{vote.id}/ballot", {"rank": [ids["Bananas"], "424242"]})
    assert response.status_code == 400
    html = text_of(response)
    assert "not in this vote" in html and 'role="alert"' in html
    assert selected_in(html) == [ids["Bananas"]]
    assert html.count("<title>Error: ") == 1
    assert ballots_in(vote) == 0


def test_ranking_one_twice_is_refused_with_choices_shown_back(
    client, sign_in, post_form, make_vote, citizens
):
    vote = make_vote(Method.STV, ["A", "B", "C", "D"], seats=2)
    ids = option_ids(vote)
    sign_in(citizens[0])
    response = post_form(f"/votes/{vote.id}/ballot", {"rank": [ids["B"], ids["C"], ids["B"]]})
    assert response.status_code == 400
    html = text_of(response)
    assert "You ranked “B” more than once" in html
    assert selected_in(html) == [ids["B"], ids["C"], ids["B"]]
    assert ballots_in(vote) == 0


def test_over_budget_is_refused_with_ticks_kept(client, sign_in, post_form, make_vote, citizens):
    vote = make_vote(
        Method.PB_EQUAL_SHARES,
        [("Park", 700), ("Path", 500)],
        budget=1000,
        ballot_within_budget=True,
    )
    ids = option_ids(vote)
    sign_in(citizens[0])
    response = post_form(f"/votes/{vote.id}/ballot", {"approve": [ids["Park"], ids["Path"]]})
    assert response.status_code == 400
    html = text_of(response)
    assert "more than the budget of £1,000" in html
    assert html.count(" checked>") == 2
    assert ballots_in(vote) == 0


def test_bad_score_is_refused_with_scores_kept(client, sign_in, post_form, make_vote, citizens):
    vote = make_vote(Method.SCORE)
    ids = option_ids(vote)
    sign_in(citizens[0])
    response = post_form(
        f"/votes/{vote.id}/ballot", {f"score-{ids['Apples']}": "4", f"score-{ids['Bananas']}": "9"}
    )
    assert response.status_code == 400
    html = text_of(response)
    assert "score from 0 to 5" in html and '<option value="4" selected>' in html
    assert ballots_in(vote) == 0


def test_empty_ballot_is_refused(client, sign_in, post_form, make_vote, citizens):
    vote = make_vote(Method.MAJORITY)
    sign_in(citizens[0])
    response = post_form(f"/votes/{vote.id}/ballot", {})
    assert response.status_code == 400 and "Your ballot is empty" in text_of(response)


def test_votes_before_opening_and_after_close_are_refused(
    client, sign_in, post_form, make_vote, citizens
):
    upcoming = make_vote(opens_in=timedelta(hours=2), title="Later")
    sign_in(citizens[0])
    ids = option_ids(upcoming)
    response = post_form(f"/votes/{upcoming.id}/ballot", {"rank": [ids["Apples"]]})
    assert response.status_code == 409
    html = text_of(response)
    assert "has not opened yet" in html and "This vote opens" in html
    closed = make_vote(title="Done")
    votes.close_vote(closed)
    db.session.commit()
    ids = option_ids(closed)
    response = post_form(f"/votes/{closed.id}/ballot", {"rank": [ids["Apples"]]})
    assert response.status_code == 409 and "has closed" in text_of(response)
    assert ballots_in(upcoming) == ballots_in(closed) == 0


def test_ineligible_voters_are_refused(
    client, sign_in, post_form, make_vote, citizens, create_user
):
    vote = make_vote(eligibility=Eligibility.STAFF)
    ids = option_ids(vote)
    sign_in(citizens[0])
    page = text_of(client.get(f"/votes/{vote.id}"))
    assert (
        "for council staff only" in page and 'action="/votes/' not in page.split("The options")[0]
    )
    response = post_form(f"/votes/{vote.id}/ballot", {"rank": [ids["Apples"]]})
    assert response.status_code == 403 and "staff only" in text_of(response)
    sign_in(create_user(verified=False))
    response = post_form(f"/votes/{vote.id}/ballot", {"rank": [ids["Apples"]]})
    assert response.status_code == 403
    assert ballots_in(vote) == 0


def test_ballot_without_csrf_keeps_the_choices(client, sign_in, make_vote, citizens):
    vote = make_vote()
    ids = option_ids(vote)
    sign_in(citizens[0])
    response = client.post(f"/votes/{vote.id}/ballot", data={"rank": [ids["Bananas"]]})
    assert response.status_code == 400
    html = text_of(response)
    assert "did not come from this site" in html and selected_in(html) == [ids["Bananas"]]
    assert ballots_in(vote) == 0


def test_anonymous_people_are_sent_to_sign_in(client, make_vote):
    vote = make_vote()
    assert "Sign in</a> to vote" in text_of(client.get(f"/votes/{vote.id}"))
    response = client.post(f"/votes/{vote.id}/ballot", data={"rank": ["1"]})
    assert response.status_code in (302, 400)


def test_live_tally_shown_only_when_the_vote_says_so(client, make_vote, citizens):
    hidden = make_vote(title="Hidden")
    live = make_vote(title="Live", live_tallies=True)
    for vote in (hidden, live):
        votes.cast_ballot(vote, citizens[0], BallotInput(ranking=[str(vote.options[0].id)]))
    db.session.commit()
    assert "Running tally" not in text_of(client.get(f"/votes/{hidden.id}"))
    html = text_of(client.get(f"/votes/{live.id}"))
    assert "Running tally" in html and "<svg" in html


# --- results and open data ----------------------------------------------------------


def cast(vote, people, rankings):
    for person, ranking in zip(people, rankings, strict=False):
        ids = option_ids(vote)
        votes.cast_ballot(vote, person, BallotInput(ranking=[ids[x] for x in ranking]))
    db.session.commit()


def test_results_wait_for_the_close(client, make_vote):
    vote = make_vote()
    response = client.get(f"/votes/{vote.id}/results")
    assert response.status_code == 409 and "not counted yet" in text_of(response)


def test_irv_results_show_rounds_chart_and_table(client, make_vote, citizens):
    vote = make_vote()
    cast(
        vote,
        citizens,
        [["Apples"], ["Apples"], ["Bananas", "Cherries"], ["Cherries", "Bananas"], ["Cherries"]],
    )
    votes.close_vote(vote)
    db.session.commit()
    html = text_of(client.get(f"/votes/{vote.id}/results"))
    assert "Round by round" in html and "Round 2" in html
    assert '<svg class="bar-chart"' in html and 'role="img"' in html
    assert '<th scope="row">Cherries</th>' in html
    assert re.search(
        r"<h2 id=\"winners-heading\">Winner</h2>\s*<ol class=\"winner-list\"><li>Cherries</li>",
        html,
    )
    for person in citizens:
        assert person.display_name not in html  # who voted what is never shown


def test_schulze_results_show_the_pairwise_matrix(client, make_vote, citizens):
    vote = make_vote(Method.SCHULZE)
    cast(vote, citizens, [["Apples", "Bananas"], ["Bananas", "Apples"], ["Apples"]])
    votes.close_vote(vote)
    db.session.commit()
    html = text_of(client.get(f"/votes/{vote.id}/results"))
    assert "Head-to-head preferences" in html and "Strongest paths" in html


def test_budget_results_show_funded_projects(client, make_vote, citizens):
    vote = make_vote(Method.PB_GREEDY, [("Park", 600), ("Path", 500), ("Play", 300)], budget=1000)
    ids = option_ids(vote)
    for person, ticks in zip(citizens, [["Park"], ["Park", "Play"], ["Path"]], strict=False):
        votes.cast_ballot(vote, person, BallotInput(approve=[ids[t] for t in ticks]))
    votes.close_vote(vote)
    db.session.commit()
    html = text_of(client.get(f"/votes/{vote.id}/results"))
    assert "Funded projects against the budget" in html
    assert "£900 of £1,000 allocated" in html


def test_results_link_to_publishing_the_outcome(client, sign_in, make_vote, officer, consultation):
    vote = make_vote()
    votes.close_vote(vote)
    db.session.commit()
    sign_in(officer)
    html = text_of(client.get(f"/votes/{vote.id}/results"))
    assert "Close the consultation to publish its outcome" in html
    from townhall.consultations.service import close_consultation

    close_consultation(consultation)
    db.session.commit()
    html = text_of(client.get(f"/votes/{vote.id}/results"))
    assert f'href="/consultations/{consultation.id}/outcome"' in html


def test_open_data_downloads(client, consultation, make_vote, citizens, create_consultation):
    vote = make_vote()
    cast(vote, citizens, [["Apples"], ["Bananas"], ["Apples"]])
    votes.close_vote(vote)
    db.session.commit()
    data = client.get(f"/consultations/{consultation.id}/open-data.json").get_json()
    assert data["votes"][0]["winners"] == ["Apples"]
    for table in ("proposals", "tallies", "rounds"):
        response = client.get(f"/consultations/{consultation.id}/open-data/{table}.csv")
        assert response.status_code == 200 and response.mimetype == "text/csv"
    assert client.get(f"/consultations/{consultation.id}/open-data/ballots.csv").status_code == 404
    hidden = create_consultation(status="draft", uses_voting=True)
    assert client.get(f"/consultations/{hidden.id}/open-data.json").status_code == 404


def test_home_location_page(client, sign_in, post_form, citizens):
    sign_in(citizens[0])
    assert client.get("/account/home-location").status_code == 200
    response = post_form("/account/home-location", {"latitude": "95", "longitude": "0"})
    assert response.status_code == 400 and "Latitude runs from -90 to 90" in text_of(response)
    assert (
        post_form("/account/home-location", {"latitude": "51.5", "longitude": "-0.1"}).status_code
        == 303
    )
    assert service.get_home_location(citizens[0]).latitude == 51.5
    assert post_form("/account/home-location", {"action": "forget"}).status_code == 303
    assert service.get_home_location(citizens[0]) is None


def test_staff_votes_are_hidden_with_their_consultation(
    client, sign_in, create_consultation, officer, citizens
):
    staff_consultation = create_consultation(audience="staff", uses_voting=True, author=officer)
    now = utcnow()
    details = votes.VoteDetails(
        title="Q", method=Method.APPROVAL, opens_at=now, closes_at=now + timedelta(days=1),
        stated_options=[("A", None), ("B", None)],
    )  # fmt: skip
    vote = votes.create_vote(staff_consultation, officer, details)
    db.session.commit()
    sign_in(citizens[0])
    assert client.get(f"/votes/{vote.id}").status_code == 404
    assert client.get(f"/votes/{vote.id}/results").status_code == 404


def test_a_proposal_the_standards_reject_keeps_the_input(
    client, sign_in, post_form, consultation, citizens
):
    sign_in(citizens[0])
    response = post_form(
        f"/consultations/{consultation.id}/proposals/new",
        {"title": "Bullshit budget", "body": "Cut it and keep this text."},
    )
    assert response.status_code == 422
    html = text_of(response)
    assert "cannot be published as it is" in html and "keep this text" in html
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_receipt_checks_are_rate_limited_and_keep_the_code_typed(app, client, post_form, make_vote):
    app.config["RATELIMIT_RECEIPT_CHECK"] = "3 per 10 minutes"
    vote = make_vote()
    url = f"/votes/{vote.id}/receipt"
    for _ in range(3):
        assert post_form(url, {"code": "AAAA-BBBB-CCCC-DDDD"}).status_code == 404

    refused = post_form(url, {"code": "ZZZZ-YYYY-XXXX-WWWW"})

    assert refused.status_code == 429
    html = text_of(refused)
    assert "ZZZZ-YYYY-XXXX-WWWW" in html
    assert "No ballot in this vote" not in html  # not checked at all
