"""Proposal, support and vote services against the real database."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.proposals.conftest import option_ids
from townhall.accounts.permissions import Role
from townhall.database import utcnow
from townhall.extensions import db
from townhall.proposals import export, service, votes
from townhall.proposals.errors import (
    BallotInvalid,
    NotAllowed,
    NotEligible,
    ProposalInvalid,
    VoteInvalid,
    VotingClosed,
    VotingNotOpen,
)
from townhall.proposals.models import (
    Ballot,
    BallotMark,
    Eligibility,
    Method,
    ProposalStatus,
    Support,
)
from townhall.proposals.votes import BallotInput, VoteDetails


def propose(consultation, author, title="More benches", **kw):
    proposal = service.submit_proposal(
        consultation,
        author,
        service.ProposalDetails(title=title, body=kw.pop("body", "Please."), **kw),
    )
    db.session.commit()
    return proposal


# --- proposals and supports ------------------------------------------------------


def test_submit_proposal_renders_markdown_through_the_sanitiser(consultation, citizens):
    proposal = propose(
        consultation,
        citizens[0],
        body="**Benches** <script>x</script>",
        cost=4500,
        location=" Park  Road ",
    )
    assert proposal.status is ProposalStatus.PUBLISHED
    assert "<strong>Benches</strong>" in proposal.body_html
    assert "<script>" not in proposal.body_html
    assert proposal.cost == 4500 and proposal.location == "Park Road"


@pytest.mark.parametrize(
    ("details", "message"),
    [
        ({"title": "  ", "body": "x"}, "title"),
        ({"title": "T", "body": " "}, "Describe"),
        ({"title": "T", "body": "x", "cost": -1}, "cost"),
        ({"title": "x" * 151, "body": "x"}, "150"),
    ],
)
def test_bad_proposals_are_refused(consultation, citizens, details, message):
    with pytest.raises(ProposalInvalid, match=message):
        service.submit_proposal(consultation, citizens[0], service.ProposalDetails(**details))


def test_proposals_only_in_a_consultation_using_them(create_consultation, citizens):
    plain = create_consultation(uses_proposals=False)
    with pytest.raises(NotAllowed, match="does not use that phase"):
        propose(plain, citizens[0])
    closed = create_consultation(uses_proposals=True, status="closed")
    with pytest.raises(NotAllowed, match="not open"):
        propose(closed, citizens[0])


def test_unverified_people_cannot_propose(consultation, create_user):
    with pytest.raises(NotAllowed, match="Confirm your email"):
        propose(consultation, create_user(verified=False))


def test_supports_reach_the_threshold_and_shortlist(consultation, citizens):
    service.set_support_threshold(consultation, 3)
    proposal = propose(consultation, citizens[0])
    assert service.support_proposal(proposal, citizens[1]) is True
    assert service.support_proposal(proposal, citizens[1]) is False  # once per person
    service.support_proposal(proposal, citizens[2])
    assert proposal.status is ProposalStatus.PUBLISHED
    service.support_proposal(proposal, citizens[3])
    db.session.commit()
    assert proposal.support_count == 3
    assert proposal.status is ProposalStatus.SHORTLISTED and proposal.shortlisted_at
    # Shortlisting is one-way: withdrawing does not take it off the shortlist.
    assert service.withdraw_support(proposal, citizens[3]) is True
    assert service.withdraw_support(proposal, citizens[3]) is False
    db.session.commit()
    assert proposal.support_count == 2 and proposal.is_shortlisted


def test_one_support_per_person_is_a_database_constraint(consultation, citizens):
    proposal = propose(consultation, citizens[0])
    db.session.add(Support(proposal_id=proposal.id, user_id=citizens[1].id))
    db.session.commit()
    db.session.add(Support(proposal_id=proposal.id, user_id=citizens[1].id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_lowering_the_threshold_shortlists_at_once(consultation, citizens):
    proposal = propose(consultation, citizens[0])
    service.support_proposal(proposal, citizens[1])
    db.session.commit()
    assert service.support_threshold(consultation) == 10
    shortlisted = service.set_support_threshold(consultation, 1)
    assert shortlisted == [proposal] and proposal.is_shortlisted
    with pytest.raises(ProposalInvalid):
        service.set_support_threshold(consultation, 0)


def test_list_puts_shortlisted_first(consultation, citizens):
    service.set_support_threshold(consultation, 1)
    first = propose(consultation, citizens[0], title="First")
    second = propose(consultation, citizens[0], title="Second")
    service.support_proposal(second, citizens[1])
    db.session.commit()
    assert service.list_proposals(consultation) == [second, first]
    assert service.shortlisted_proposals(consultation) == [second]


# --- setting up votes ------------------------------------------------------------


def test_vote_on_shortlisted_proposals(consultation, officer, citizens):
    service.set_support_threshold(consultation, 1)
    a = propose(consultation, citizens[0], title="Benches", cost=300)
    b = propose(consultation, citizens[0], title="Bins", cost=200)
    unlisted = propose(consultation, citizens[0], title="Not shortlisted")
    for p in (a, b):
        service.support_proposal(p, citizens[1])
    now = utcnow()
    details = VoteDetails(
        title="Fund which?", method=Method.PB_GREEDY, opens_at=now,
        closes_at=now + timedelta(days=1), budget=400, proposal_ids=[a.id, b.id],
        stated_options=[("Lights", 100)],
    )  # fmt: skip
    vote = votes.create_vote(consultation, officer, details)
    assert [o.label for o in vote.options] == ["Benches", "Bins", "Lights"]
    assert [o.cost for o in vote.options] == [300, 200, 100]
    details.proposal_ids = [unlisted.id]
    with pytest.raises(VoteInvalid, match="shortlisted"):
        votes.create_vote(consultation, officer, details)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"stated_options": [("Only one", None)]}, "at least two"),
        ({"stated_options": [("Same", None), ("same", None)]}, "same name"),
        ({"method": Method.PB_GREEDY}, "budget"),
        ({"method": Method.PB_GREEDY, "budget": 100}, "cost"),
        ({"budget": 100}, "Only budgeting"),
        ({"method": Method.IRV, "seats": 2}, "one seat"),
        ({"method": Method.STV, "seats": 3}, "more options than seats"),
        ({"method": Method.MAJORITY}, "own options"),
        ({"title": " "}, "title"),
        ({"closes_at_offset": timedelta(hours=-2)}, "close after it opens"),
    ],
)
def test_bad_vote_set_ups_are_refused(consultation, officer, changes, message):
    now = utcnow()
    offset = changes.pop("closes_at_offset", timedelta(days=1))
    details = VoteDetails(
        title="Which?", method=Method.APPROVAL, opens_at=now, closes_at=now + offset,
        stated_options=[("A", None), ("B", None), ("C", None)],
    )  # fmt: skip
    for name, value in changes.items():
        setattr(details, name, value)
    with pytest.raises(VoteInvalid, match=message):
        votes.create_vote(consultation, officer, details)


def test_only_officers_set_up_votes_where_voting_is_used(
    consultation, create_consultation, officer, citizens
):
    now = utcnow()
    details = VoteDetails(
        title="Q", method=Method.APPROVAL, opens_at=now, closes_at=now + timedelta(days=1),
        stated_options=[("A", None), ("B", None)],
    )  # fmt: skip
    with pytest.raises(NotAllowed, match="officers"):
        votes.create_vote(consultation, citizens[0], details)
    with pytest.raises(NotAllowed, match="does not use voting"):
        votes.create_vote(create_consultation(uses_voting=False), officer, details)


# --- ballots ---------------------------------------------------------------------


def test_cast_change_and_receipt(make_vote, citizens):
    vote = make_vote(Method.IRV)
    ids = option_ids(vote)
    first = votes.cast_ballot(
        vote, citizens[0], BallotInput(ranking=[ids["Apples"], ids["Cherries"]])
    )
    db.session.commit()
    assert not first.changed and len(first.code) == 19
    assert votes.verify_receipt(vote, first.code.lower()) == first.ballot
    second = votes.cast_ballot(vote, citizens[0], BallotInput(ranking=[ids["Bananas"]]))
    db.session.commit()
    assert second.changed and second.ballot.id == first.ballot.id
    assert votes.verify_receipt(vote, first.code) is None  # only the newest receipt counts
    assert votes.verify_receipt(vote, second.code) is not None
    assert votes.ballots_cast(vote) == 1
    assert votes.own_marks(vote, citizens[0]).ranking == [ids["Bananas"]]
    assert db.session.scalar(select(func.count()).select_from(BallotMark)) == 1


def test_one_ballot_per_person_is_a_database_constraint(make_vote, citizens):
    vote = make_vote()
    db.session.add(Ballot(vote_id=vote.id, voter_id=citizens[0].id, receipt_hash="a" * 64))
    db.session.commit()
    db.session.add(Ballot(vote_id=vote.id, voter_id=citizens[0].id, receipt_hash="b" * 64))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize(
    ("method", "ballot", "message"),
    [
        ("irv", lambda ids: BallotInput(ranking=["999999"]), "not in this vote"),
        ("irv", lambda ids: BallotInput(ranking=["abc"]), "not in this vote"),
        ("irv", lambda ids: BallotInput(ranking=[ids["Apples"], ids["Apples"]]), "more than once"),
        ("irv", lambda ids: BallotInput(ranking=["", ""]), "empty"),
        ("approval", lambda ids: BallotInput(approve=[ids["Apples"], ids["Apples"]]), "twice"),
        ("approval", lambda ids: BallotInput(approve=[]), "empty"),
        ("score", lambda ids: BallotInput(scores={ids["Apples"]: "6"}), "0 to 5"),
        ("score", lambda ids: BallotInput(scores={ids["Apples"]: "-1"}), "0 to 5"),
        ("score", lambda ids: BallotInput(scores={"77777": "3"}), "not in this vote"),
    ],
)
def test_bad_ballots_are_refused_and_nothing_is_recorded(
    make_vote, citizens, method, ballot, message
):
    vote = make_vote(method)
    with pytest.raises(BallotInvalid, match=message):
        votes.cast_ballot(vote, citizens[0], ballot(option_ids(vote)))
    db.session.rollback()
    assert votes.ballots_cast(vote) == 0


def test_budget_ballot_over_budget_refused_only_where_the_vote_says_so(make_vote, citizens):
    options = [("Park", 600), ("Path", 500)]
    strict = make_vote(Method.PB_GREEDY, options, budget=1000, ballot_within_budget=True, title="S")
    ids = option_ids(strict)
    with pytest.raises(BallotInvalid, match="more than the budget"):
        votes.cast_ballot(strict, citizens[0], BallotInput(approve=list(ids.values())))
    db.session.rollback()
    lenient = make_vote(Method.PB_GREEDY, options, budget=1000, title="L")
    votes.cast_ballot(lenient, citizens[0], BallotInput(approve=list(option_ids(lenient).values())))


def test_votes_outside_the_window_are_refused(make_vote, citizens):
    upcoming = make_vote(opens_in=timedelta(hours=1), title="Later")
    with pytest.raises(VotingNotOpen):
        votes.cast_ballot(upcoming, citizens[0], BallotInput(ranking=[str(upcoming.options[0].id)]))
    vote = make_vote(title="Now")
    votes.close_vote(vote)
    db.session.commit()
    with pytest.raises(VotingClosed):
        votes.cast_ballot(vote, citizens[0], BallotInput(ranking=[str(vote.options[0].id)]))


def test_eligibility_staff_only(make_vote, citizens, create_user):
    vote = make_vote(eligibility=Eligibility.STAFF)
    with pytest.raises(NotEligible, match="staff only"):
        votes.cast_ballot(vote, citizens[0], BallotInput(ranking=[str(vote.options[0].id)]))
    staff = create_user(role=Role.STAFF)
    votes.cast_ballot(vote, staff, BallotInput(ranking=[str(vote.options[0].id)]))


def test_eligibility_unverified_people_cannot_vote(make_vote, create_user):
    vote = make_vote()
    with pytest.raises(NotEligible, match="Confirm your email"):
        votes.cast_ballot(
            vote, create_user(verified=False), BallotInput(ranking=[str(vote.options[0].id)])
        )


def test_eligibility_by_home_location_declared_before_opening(
    create_consultation, officer, citizens
):
    # A consultation about a park, 500 m around it.
    consultation = create_consultation(
        uses_voting=True, latitude=51.5, longitude=-0.12, radius_m=500
    )
    near, far, late = citizens[:3]
    service.set_home_location(near, 51.502, -0.12)  # about 220 m away
    service.set_home_location(far, 51.52, -0.12)  # about 2.2 km away
    db.session.commit()
    now = utcnow()
    details = VoteDetails(
        title="Q", method=Method.APPROVAL, opens_at=now, closes_at=now + timedelta(days=1),
        stated_options=[("A", None), ("B", None)], eligibility=Eligibility.AREA_RESIDENTS,
    )  # fmt: skip
    vote = votes.create_vote(consultation, officer, details)
    db.session.commit()
    service.set_home_location(late, 51.5, -0.12)  # set after the vote opened
    db.session.commit()
    ballot = BallotInput(approve=[str(vote.options[0].id)])
    votes.cast_ballot(vote, near, ballot)
    with pytest.raises(NotEligible, match="do not"):
        votes.cast_ballot(vote, far, ballot)
    with pytest.raises(NotEligible, match="after the vote opened"):
        votes.cast_ballot(vote, late, ballot)
    with pytest.raises(NotEligible, match="Set your home location"):
        votes.cast_ballot(vote, citizens[3], ballot)


# --- counting --------------------------------------------------------------------


def cast_all(vote, people, ballots):
    for person, ballot in zip(people, ballots, strict=False):
        votes.cast_ballot(vote, person, ballot)
    db.session.commit()


def test_irv_counts_stored_ballots_with_rounds(make_vote, citizens):
    vote = make_vote(Method.IRV)
    a, b, c = (option_ids(vote)[k] for k in ("Apples", "Bananas", "Cherries"))
    cast_all(vote, citizens, [
        BallotInput(ranking=[a]), BallotInput(ranking=[a]),
        BallotInput(ranking=[b, c]), BallotInput(ranking=[c, b]), BallotInput(ranking=[c, b]),
    ])  # fmt: skip
    result = votes.close_vote(vote)
    db.session.commit()
    assert result["winners"] == [c]
    assert len(result["rounds"]) == 2
    assert result["rounds"][0]["tally"] == {a: 2, b: 1, c: 2}
    assert json.loads(vote.result_json) == result  # frozen


@pytest.mark.parametrize(
    ("method", "marks", "winner"),
    [
        ("approval", [{"approve": ["A", "B"]}, {"approve": ["B"]}, {"approve": ["C"]}], "Bananas"),
        ("score", [{"scores": {"A": "5", "B": "1"}}, {"scores": {"A": "2", "C": "4"}}], "Apples"),
        (
            "schulze",
            [{"ranking": ["C", "A"]}, {"ranking": ["C", "B"]}, {"ranking": ["A"]}],
            "Cherries",
        ),
        ("stv", [{"ranking": ["A"]}, {"ranking": ["A", "B"]}, {"ranking": ["B"]}], "Apples"),
    ],
)
def test_every_ranked_and_counted_method(make_vote, citizens, method, marks, winner):
    vote = make_vote(method)
    ids = option_ids(vote)
    short = {"A": ids["Apples"], "B": ids["Bananas"], "C": ids["Cherries"]}
    ballots = []
    for m in marks:
        if "approve" in m:
            ballots.append(BallotInput(approve=[short[k] for k in m["approve"]]))
        elif "scores" in m:
            ballots.append(BallotInput(scores={short[k]: v for k, v in m["scores"].items()}))
        else:
            ballots.append(BallotInput(ranking=[short[k] for k in m["ranking"]]))
    cast_all(vote, citizens, ballots)
    result = votes.close_vote(vote)
    labels = {o.key: o.label for o in vote.options}
    assert labels[result["winners"][0]] == winner
    if method == "approval":
        assert result["voters"] == 3  # ballots, not approvals
    if method == "score":
        assert result["totals"][short["A"]] == 7


def test_majority_and_budgeting(make_vote, citizens):
    motion = make_vote(Method.MAJORITY, title="Open on Sundays?")
    choice = {o.label: str(o.id) for o in motion.options}
    cast_all(
        motion,
        citizens,
        [BallotInput(choice=choice["For"])] * 3 + [BallotInput(choice=choice["Against"])],
    )
    result = votes.close_vote(motion)
    assert result["passed"] is True and result["rounds"][0]["tally"]["for"] == 3

    for method in (Method.PB_GREEDY, Method.PB_EQUAL_SHARES):
        vote = make_vote(
            method, [("Park", 600), ("Path", 500), ("Play", 300)], budget=1000, title=method.value
        )
        ids = option_ids(vote)
        cast_all(vote, citizens, [
            BallotInput(approve=[ids["Park"], ids["Play"]]), BallotInput(approve=[ids["Park"]]),
            BallotInput(approve=[ids["Path"]]), BallotInput(approve=[ids["Park"], ids["Play"]]),
        ])  # fmt: skip
        result = votes.close_vote(vote)
        assert result["budget_used"] <= 1000
        assert ids["Park"] in result["winners"]


def test_live_tallies_only_when_asked(make_vote, citizens):
    hidden = make_vote(title="Hidden")
    shown = make_vote(title="Shown", live_tallies=True)
    for vote in (hidden, shown):
        votes.cast_ballot(vote, citizens[0], BallotInput(ranking=[str(vote.options[0].id)]))
    assert votes.current_result(hidden) is None
    assert votes.current_result(shown)["rounds"][0]["tally"][str(shown.options[0].id)] == 1


def test_a_vote_past_its_time_freezes_on_first_read(make_vote, citizens):
    vote = make_vote()
    votes.cast_ballot(vote, citizens[0], BallotInput(ranking=[str(vote.options[1].id)]))
    db.session.commit()
    later = vote.closes_at + timedelta(seconds=1)
    assert votes.vote_state(vote, later) == "closed"
    result = votes.current_result(vote, later)
    assert vote.closed_at == later and result["winners"] == [str(vote.options[1].id)]


def test_ranked_ballots_load_in_one_query(make_vote, citizens, app):
    from sqlalchemy import event

    vote = make_vote(Method.SCHULZE)
    ids = list(option_ids(vote).values())
    cast_all(vote, citizens, [BallotInput(ranking=ids)] * 3 + [BallotInput(ranking=ids[::-1])] * 2)
    assert vote.id  # load the vote first: only the ballots' query is counted
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        grouped = votes.load_ballots(vote)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert grouped == {tuple(int(i) for i in ids): 3, tuple(int(i) for i in ids[::-1]): 2}


# --- open data -------------------------------------------------------------------


def test_open_data_carries_aggregates_only(consultation, make_vote, citizens):
    propose(consultation, citizens[0], title="=HYPERLINK(evil)")
    vote = make_vote(Method.IRV)
    ids = list(option_ids(vote).values())
    cast_all(vote, citizens, [BallotInput(ranking=ids)] * 2 + [BallotInput(ranking=ids[1:])])
    open_vote = make_vote(title="Still open")
    votes.cast_ballot(open_vote, citizens[0], BallotInput(ranking=[str(open_vote.options[0].id)]))
    votes.close_vote(vote)
    db.session.commit()
    data = export.open_data(consultation)
    text = json.dumps(data)
    for person in citizens:
        assert person.email not in text and person.display_name not in text
    assert "receipt" not in text and "voter" not in text
    closed, still_open = data["votes"]
    assert closed["ballots_cast"] == 3 and closed["winners"] == ["Apples"]
    assert still_open["result"] is None and still_open["ballots_cast"] is None
    proposals_csv = export.csv_table(consultation, "proposals")
    assert "'=HYPERLINK(evil)" in proposals_csv  # defused for spreadsheets
    tallies = export.csv_table(consultation, "tallies")
    assert "Apples,votes,2,True" in tallies
    rounds = export.csv_table(consultation, "rounds")
    assert rounds.startswith("vote_id,round,measure,option,other,value")
    assert ",tally,Bananas,,1" in rounds
