"""Running tallies and results say what their numbers are (issue 15, findings 7 and 13).

While a vote is open options lead, nothing is won, and with no ballots nothing
leads; an IRV count shows every round and says what an exhausted ballot is.
The first tests are pure (the presentation over engine results); the last go
through the vote page.
"""

from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace

from tests.proposals.conftest import option_ids
from townhall.extensions import db
from townhall.proposals import votes
from townhall.proposals.models import Method
from townhall.proposals.presentation import EXHAUSTED, label_lines, present
from townhall.proposals.votes import BallotInput
from townhall.voting import Election, Project, RankedBallot, tally


def _vote(method: Method, labels: list[str], costs: list[int] | None = None):
    """A stand-in vote: only what `present` reads (options' keys, labels, costs)."""
    options = [
        SimpleNamespace(key=f"o{i}", label=label, cost=(costs or [None] * len(labels))[i])
        for i, label in enumerate(labels)
    ]
    return SimpleNamespace(method=method, options=options)


def _irv_result(rankings: list[tuple[tuple[str, ...], int]]) -> dict:
    election = Election(
        method="irv",
        candidates=("o0", "o1", "o2"),
        ballots=tuple(RankedBallot(r, n) for r, n in rankings),
        options={"seed": 1},
    )
    return tally(election).to_dict()


def test_an_empty_budget_vote_has_no_leader_and_funds_nothing():
    vote = _vote(Method.PB_GREEDY, ["Benches", "Bins"], costs=[100, 200])
    election = Election(
        method="pb_greedy",
        candidates=("o0", "o1"),
        ballots=(),
        options={"seed": 1},
        budget=Fraction(1000),
        projects=(Project("o0", Fraction(100)), Project("o1", Fraction(200))),
    )
    result = tally(election).to_dict()
    assert result["winners"], "the engine funds what fits, even unapproved"
    view = present(vote, result, running=True, ballots=0)
    assert view.no_ballots and view.winners == []
    assert not any(bar.highlight for bar in view.bars)
    assert view.outcome_heading == "Leading"


def test_an_open_vote_leads_and_never_wins():
    vote = _vote(Method.IRV, ["Apples", "Bananas", "Cherries"])
    result = _irv_result([(("o0",), 3), (("o1",), 1)])
    running = present(vote, result, running=True, ballots=4)
    assert running.outcome_heading == "Leading" and running.running
    assert [bar.highlight for bar in running.bars if bar.label == "Apples"] == [True]
    closed = present(vote, result)
    assert closed.outcome_heading == "Won" and not closed.running


def test_an_irv_count_keeps_every_round_and_explains_exhausted_ballots():
    vote = _vote(Method.IRV, ["Apples", "Bananas", "Cherries"])
    # Cherries goes first; one of its ballots ranks no one else and is exhausted.
    result = _irv_result([(("o0",), 5), (("o1",), 3), (("o2", "o1"), 1), (("o2",), 1)])
    view = present(vote, result, running=True, ballots=10)
    assert view.rounds is not None and view.rounds.rounds == [1, 2]
    assert view.rounds.exhausted == ["0", "1"]
    assert EXHAUSTED in view.explanations
    assert "exhausted when every option it ranks has been excluded" in EXHAUSTED


def test_each_column_is_named_for_what_it_counts():
    labels = ["Apples", "Bananas", "Cherries"]
    schulze = tally(
        Election(
            method="schulze",
            candidates=("o0", "o1", "o2"),
            ballots=(RankedBallot(("o0", "o1", "o2"), 2),),
            options={"seed": 1},
        )
    ).to_dict()
    assert present(_vote(Method.SCHULZE, labels), schulze).value_heading == (
        "Head-to-head contests won"
    )
    score = {"winners": ["o0"], "totals": {"o0": 9, "o1": 4, "o2": 0}, "rounds": []}
    assert present(_vote(Method.SCORE, labels), score).value_heading == "Total points"


def test_stv_explains_fractional_votes_and_its_quota():
    election = Election(
        method="stv",
        candidates=("o0", "o1", "o2"),
        ballots=(RankedBallot(("o0", "o1"), 5), RankedBallot(("o2",), 2)),
        seats=2,
        options={"seed": 1},
    )
    view = present(_vote(Method.STV, ["A", "B", "C"]), tally(election).to_dict())
    text = " ".join(view.explanations)
    assert "fractions" in text and "surplus" in text and "quota" in text


def test_transfers_quote_titles_instead_of_adding_an_apostrophe_s():
    vote = _vote(Method.IRV, ["Library open on Sundays", "Bananas", "Cherries"])
    result = _irv_result([(("o1",), 3), (("o2",), 2), (("o0", "o2"), 1)])
    notes = " ".join(present(vote, result).rounds.notes)
    assert "Sundays's" not in notes
    assert "Votes of “Library open on Sundays” transferred" in notes


def test_chart_labels_wrap_at_word_breaks_and_keep_every_word():
    label = "Keep the library open on Sundays and bank holidays"
    lines = label_lines(label)
    assert len(lines) > 1 and " ".join(lines) == label
    assert all(len(line) <= 26 for line in lines)
    view = present(_vote(Method.IRV, [label, "B", "C"]), _irv_result([(("o0",), 1)]))
    bar = next(b for b in view.bars if b.label == label)
    assert bar.lines == lines and bar.height > 34


# --- through the vote page ------------------------------------------------------


def test_the_running_tally_with_no_ballots_names_no_leader(client, make_vote):
    vote = make_vote(
        Method.PB_GREEDY,
        options=[("Benches", 100), ("Bins", 200)],
        budget=1000,
        live_tallies=True,
    )
    html = client.get(f"/votes/{vote.id}").get_data(as_text=True)
    assert "No ballots yet, so no option leads." in html
    assert "Won" not in html and "Yes</td>" not in html


def test_the_running_tally_says_leading_and_shows_every_round(client, make_vote, citizens):
    vote = make_vote(live_tallies=True)
    ids = option_ids(vote)
    for person, ranking in zip(
        citizens,
        [["Apples"], ["Apples"], ["Bananas"], ["Cherries", "Bananas"], ["Cherries"]],
        strict=True,
    ):
        votes.cast_ballot(vote, person, BallotInput(ranking=[ids[x] for x in ranking]))
    db.session.commit()
    html = client.get(f"/votes/{vote.id}").get_data(as_text=True)
    assert '<th scope="col">Leading</th>' in html
    assert '<th scope="col">Won</th>' not in html
    assert "Round 1</th>" in html and "Round 2</th>" in html
    assert "Exhausted ballots" in html and "no longer counts for anyone" in html


def test_a_closed_budget_vote_with_no_ballots_funds_nothing(client, make_vote):
    from datetime import timedelta

    vote = make_vote(
        Method.PB_GREEDY,
        options=[("Benches", 100), ("Bins", 200)],
        budget=1000,
        opens_in=timedelta(hours=-2),
        lasts=timedelta(hours=1),
    )
    html = client.get(f"/votes/{vote.id}/results").get_data(as_text=True)
    assert "No option won" in html
    assert '<th scope="col">Funded</th>' in html
    assert "Yes</td>" not in html
