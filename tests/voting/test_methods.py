"""Hand-worked examples for every counting method, and the tie rules."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from townhall.voting import METHODS, tally


def ranked(*groups: tuple[int, list[str]]) -> list[dict[str, Any]]:
    return [{"ranking": ranking, "count": count} for count, ranking in groups]


def test_registry_offers_every_method() -> None:
    assert set(METHODS) == {
        "majority",
        "approval",
        "score",
        "irv",
        "stv",
        "schulze",
        "pb_greedy",
        "pb_equal_shares",
    }


# --- majority -------------------------------------------------------------------


def motion(for_: int, against: int, abstain: int = 0, **options: Any) -> dict[str, Any]:
    return {
        "method": "majority",
        "ballots": [
            {"choice": "for", "count": for_},
            {"choice": "against", "count": against},
            {"choice": "abstain", "count": abstain},
        ],
        "options": options,
    }


def test_majority_simple_ignores_abstentions() -> None:
    result = tally(motion(10, 9, 30))
    assert result.winners == ["for"]
    assert result.details["passed"] is True
    assert result.rounds[0]["turnout"] == 49


def test_majority_equal_split_fails_and_is_recorded() -> None:
    result = tally(motion(5, 5))
    assert result.winners == ["against"]
    assert result.ties[0]["rule"].startswith("an equal split fails")


def test_majority_two_thirds() -> None:
    assert tally(motion(10, 5, threshold="two_thirds")).winners == ["for"]  # 10 >= 10
    assert tally(motion(9, 5, threshold="two_thirds")).winners == ["against"]  # 9 < 9.33


def test_majority_quorum_counts_abstentions() -> None:
    # 40% of 50 eligible is 20 voters; abstaining counts as taking part.
    assert tally(motion(12, 2, 5, quorum=0.4, eligible=50)).winners == ["against"]
    passed = tally(motion(12, 2, 6, quorum=0.4, eligible=50))
    assert passed.winners == ["for"]
    assert passed.rounds[0]["quorum_needed"] == 20


# --- approval and score ---------------------------------------------------------


def test_approval_takes_the_most_approved_and_draws_the_cut_by_lot() -> None:
    election = {
        "method": "approval",
        "seats": 2,
        "candidates": ["A", "B", "C"],
        "ballots": [
            {"approve": ["A", "B"], "count": 2},
            {"approve": ["A", "C"], "count": 2},
            {"approve": ["A"]},
        ],
        "options": {"seed": 3},
    }
    result = tally(election)
    assert result.details["approvals"] == {"A": 5, "B": 2, "C": 2}
    assert result.winners[0] == "A"
    assert result.winners[1] in {"B", "C"}
    assert result.ties == [
        {
            "round": 1,
            "purpose": "ranking",
            "tied": ["B", "C"],
            "rule": "lot",
            "chosen": result.winners[1],
        }
    ]
    assert tally(election).winners == result.winners  # the same seed draws the same


def test_score_sum_and_mean() -> None:
    election = {
        "method": "score",
        "candidates": ["A", "B", "C"],
        "ballots": [
            {"scores": {"A": 5, "B": 3}, "count": 2},
            {"scores": {"B": 5, "C": 4}},
            {"scores": {"C": 4}},
        ],
    }
    result = tally(election)
    assert result.details["totals"] == {"A": 10, "B": 11, "C": 8}
    assert result.details["raters"] == {"A": 2, "B": 3, "C": 2}
    assert result.details["means"]["B"] == Fraction(11, 3)
    assert result.winners == ["B"]
    by_mean = tally({**election, "options": {"rank_by": "mean"}})
    assert by_mean.winners == ["A"]  # A's mean is 5


# --- instant-runoff -------------------------------------------------------------


def test_irv_eliminates_and_transfers_until_a_majority() -> None:
    election = {
        "method": "irv",
        "candidates": ["A", "B", "C"],
        "ballots": ranked((8, ["A"]), (5, ["B"]), (4, ["C", "B"])),
    }
    result = tally(election)
    assert result.winners == ["B"]
    first, second = result.rounds
    assert first["tally"] == {"A": 8, "B": 5, "C": 4}
    assert first["threshold"] == 9
    assert first["eliminated"] == ["C"]
    assert first["transfers"] == [{"from": "C", "to": {"B": 4}, "exhausted": 0}]
    assert second["tally"] == {"A": 8, "B": 9}
    assert second["elected"] == ["B"]


def test_irv_exhausted_ballots_leave_the_count() -> None:
    # After C goes, 1 ballot exhausts: B's 6 are a majority of the 11 still counting
    # (though not of the 12 cast).
    election = {
        "method": "irv",
        "candidates": ["A", "B", "C"],
        "ballots": ranked((5, ["A"]), (4, ["B"]), (1, ["C"]), (2, ["C", "B"])),
    }
    result = tally(election)
    assert result.rounds[0]["threshold"] == 7
    assert result.rounds[1]["tally"] == {"A": 5, "B": 6}
    assert result.rounds[1]["exhausted"] == 1
    assert result.rounds[1]["threshold"] == 6
    assert result.winners == ["B"]


def test_irv_first_round_majority_wins_at_once() -> None:
    result = tally(
        {
            "method": "irv",
            "candidates": ["A", "B"],
            "ballots": ranked((3, ["A"]), (2, ["B"])),
        }
    )
    assert result.winners == ["A"]
    assert len(result.rounds) == 1


def test_irv_tie_for_last_goes_back_to_the_earlier_round() -> None:
    # Round 2: B and C both have 6; in round 1 C had 5 to B's 6, so C is eliminated.
    election = {
        "method": "irv",
        "candidates": ["A", "B", "C", "D"],
        "ballots": ranked((10, ["A"]), (6, ["B"]), (5, ["C", "B"]), (1, ["D", "C", "B"])),
    }
    result = tally(election)
    assert result.rounds[1]["tally"] == {"A": 10, "B": 6, "C": 6}
    assert result.rounds[1]["eliminated"] == ["C"]
    assert result.ties == [
        {
            "round": 2,
            "purpose": "elimination",
            "tied": ["B", "C"],
            "rule": "earlier round",
            "chosen": "C",
            "decided_at_round": 1,
        }
    ]
    assert result.winners == ["B"]


def test_irv_tie_with_no_earlier_difference_is_drawn_by_seeded_lot() -> None:
    def run(seed: int) -> Any:
        return tally(
            {
                "method": "irv",
                "candidates": ["A", "B", "C"],
                "ballots": ranked((3, ["C"]), (2, ["A", "C"]), (2, ["B", "A"])),
                "options": {"seed": seed},
            }
        )

    outcomes = {seed: run(seed) for seed in range(8)}
    for seed, result in outcomes.items():
        tie = result.ties[0]
        assert tie["rule"] == "lot"
        assert tie["tied"] == ["A", "B"]
        assert result.rounds[0]["eliminated"] == [tie["chosen"]]
        assert run(seed).to_dict() == result.to_dict()  # reproducible
    # The lot really is drawn: over a few seeds both A and B are eliminated.
    assert {r.ties[0]["chosen"] for r in outcomes.values()} == {"A", "B"}


# --- single transferable vote ---------------------------------------------------

FOOD = {
    "method": "stv",
    "seats": 3,
    "candidates": ["Oranges", "Pears", "Chocolate", "Strawberries", "Bonbons", "Hamburgers"],
    "ballots": ranked(
        (4, ["Oranges"]),
        (3, ["Pears", "Oranges"]),
        (8, ["Chocolate", "Strawberries"]),
        (4, ["Chocolate", "Bonbons"]),
        (1, ["Strawberries"]),
        (1, ["Hamburgers"]),
    ),
}


def test_stv_scottish_count_by_hand() -> None:
    # 21 ballots, 3 seats: quota floor(21/4)+1 = 6. Chocolate's 12 leave a surplus
    # of 6, so each of its ballots moves on at 6/12 = 0.5.
    result = tally(FOOD)
    assert result.details["quota"] == 6
    r1, r2, r3, r4, r5 = result.rounds
    assert r1["elected"] == ["Chocolate"]
    assert r1["transfers"][0]["to"] == {"Strawberries": 4, "Bonbons": 2}
    assert r1["transfers"][0]["transfer_value"] == Fraction(1, 2)
    assert r2["tally"]["Strawberries"] == 5 and r2["tally"]["Chocolate"] == 6
    assert r2["eliminated"] == ["Hamburgers"]
    assert r3["eliminated"] == ["Bonbons"]
    assert r3["transfers"][0]["exhausted"] == 2  # 4 ballots at 0.5, no further choice
    assert r4["eliminated"] == ["Pears"]
    assert r4["transfers"][0]["to"] == {"Oranges": 3}
    # Oranges reach the quota; Strawberries are the only one left for the last seat.
    assert r5["tally"] == {"Oranges": 7, "Chocolate": 6, "Strawberries": 5}
    assert r5["elected"] == ["Oranges", "Strawberries"]
    assert result.winners == ["Chocolate", "Oranges", "Strawberries"]
    for record in result.rounds:
        assert sum(record["tally"].values()) + record["exhausted"] + record["residual"] == 21


def test_stv_rctab_variant_truncates_and_transfers_the_final_surplus() -> None:
    result = tally({**FOOD, "options": {"variant": "rctab"}})
    assert result.winners == ["Chocolate", "Oranges", "Strawberries"]
    final = result.rounds[-1]
    assert final["final"] is True
    assert final["tally"]["Oranges"] == 6
    # Oranges' surplus 1 of 7: fraction 1/7 truncated to 0.1428, times 7 ballots.
    transfer = result.rounds[-2]["transfers"][0]
    assert transfer["transfer_value"] == Fraction("0.1428")
    assert transfer["exhausted"] == Fraction("0.9996")
    assert transfer["residual"] == Fraction("0.0004")


def test_stv_exact_arithmetic_when_decimals_is_null() -> None:
    election = {
        "method": "stv",
        "seats": 2,
        "candidates": ["A", "B", "C"],
        "ballots": ranked((7, ["A", "B"]), (2, ["C"]), (1, ["B"])),
        "options": {"decimals": None},
    }
    # quota floor(10/3)+1 = 4; A's surplus 3 of 7 moves at 3/7 each: B gets 3.
    result = tally(election)
    assert result.rounds[0]["transfers"][0]["to"] == {"B": 3}
    assert result.rounds[1]["tally"]["B"] == 4
    assert result.winners == ["A", "B"]


def test_stv_largest_surplus_first() -> None:
    election = {
        "method": "stv",
        "seats": 3,
        "candidates": ["A", "B", "C", "D"],
        "ballots": ranked((10, ["A", "C"]), (8, ["B", "D"]), (1, ["C"]), (1, ["D"])),
    }
    # quota 6: A (surplus 4) and B (surplus 2) both elected at round 1; Scottish rules
    # transfer A's first, then B's in the next round.
    result = tally(election)
    assert result.rounds[0]["elected"] == ["A", "B"]
    assert [t["from"] for t in result.rounds[0]["transfers"]] == ["A"]
    assert [t["from"] for t in result.rounds[1]["transfers"]] == ["B"]


# --- Schulze --------------------------------------------------------------------

WIKIPEDIA_SCHULZE = {
    "method": "schulze",
    "candidates": ["A", "B", "C", "D", "E"],
    "ballots": [
        {"ranking": list(order), "count": count}
        for count, order in [
            (5, "ACBED"),
            (5, "ADECB"),
            (8, "BEDAC"),
            (3, "CABED"),
            (7, "CAEBD"),
            (2, "CBADE"),
            (7, "DCEBA"),
            (8, "EBADC"),
        ]
    ],
}


def test_schulze_wikipedia_example() -> None:
    result = tally(WIKIPEDIA_SCHULZE)
    step = result.rounds[0]
    assert step["pairwise"]["A"] == {"B": 20, "C": 26, "D": 30, "E": 22}
    assert step["pairwise"]["E"] == {"A": 23, "B": 27, "C": 21, "D": 31}
    assert step["strongest_paths"]["A"] == {"B": 28, "C": 28, "D": 30, "E": 24}
    assert step["strongest_paths"]["E"] == {"A": 25, "B": 28, "C": 28, "D": 31}
    assert result.details["ranking"] == ["E", "A", "C", "B", "D"]
    assert result.winners == ["E"]
    assert result.details["condorcet_winner"] is None


def test_schulze_unranked_candidates_rank_below_ranked_ones() -> None:
    result = tally(
        {
            "method": "schulze",
            "seats": 2,
            "candidates": ["A", "B", "C"],
            "ballots": ranked((3, ["A"]), (2, ["B", "C"])),
        }
    )
    assert result.rounds[0]["pairwise"] == {
        "A": {"B": 3, "C": 3},
        "B": {"A": 2, "C": 2},
        "C": {"A": 2, "B": 0},
    }
    assert result.winners == ["A", "B"]


# --- participatory budgeting ----------------------------------------------------


def pb(method: str, budget: int, costs: dict[str, int], ballots, **options) -> dict[str, Any]:
    return {
        "method": method,
        "budget": budget,
        "projects": [{"id": name, "cost": cost} for name, cost in costs.items()],
        "ballots": [{"approve": approve, "count": count} for count, approve in ballots],
        "options": options,
    }


GREEDY = (1000, {"P1": 600, "P2": 500, "P3": 300}, [(5, ["P1"]), (4, ["P2"]), (3, ["P3"])])


def test_pb_greedy_skips_what_does_not_fit() -> None:
    result = tally(pb("pb_greedy", *GREEDY))
    assert result.winners == ["P1", "P3"]
    assert result.details["budget_used"] == 900
    assert [r["funded"] for r in result.rounds] == [True, False, True]


def test_pb_greedy_without_skipping_stops_at_the_first_misfit() -> None:
    result = tally(pb("pb_greedy", *GREEDY, skip=False))
    assert result.winners == ["P1"]
    assert result.rounds[-1]["stopped"] is True


def test_pb_greedy_minimum_approvals() -> None:
    result = tally(pb("pb_greedy", *GREEDY, min_approvals=4))
    assert result.winners == ["P1"]
    assert result.details["not_eligible"] == ["P3"]


def test_equal_shares_cost_utility() -> None:
    # 4 voters with 25 each. X (80) costs each of its 4 backers 20 for 80 of value:
    # 0.25 per unit, cheaper than Y or Z (10 each for 20: 0.5), so X goes first and
    # leaves too little for Y or Z.
    election = pb(
        "pb_equal_shares",
        100,
        {"X": 80, "Y": 20, "Z": 20},
        [(2, ["X", "Y"]), (2, ["X", "Z"])],
    )
    result = tally(election)
    assert result.winners == ["X"]
    assert result.rounds[0]["share_per_supporter"] == 20
    assert result.details["budget_used"] == 80


def test_equal_shares_approval_utility_and_a_tie_by_lot() -> None:
    # Counting each approval as 1, Y and Z cost their backers 10 each against X's 20.
    election = pb(
        "pb_equal_shares",
        100,
        {"X": 80, "Y": 20, "Z": 20},
        [(2, ["X", "Y"]), (2, ["X", "Z"])],
        utility="approval",
    )
    result = tally(election)
    assert sorted(result.winners) == ["Y", "Z"]
    assert result.ties[0]["tied"] == ["Y", "Z"]
    assert result.ties[0]["rule"] == "lot"


def test_equal_shares_add1_completion() -> None:
    # With 25 each, X is funded and Y cannot be afforded; raising every share by 1 at a
    # time, at 35 Y's two backers have 20 each left after X, and X + Y spend exactly 100.
    election = pb(
        "pb_equal_shares",
        100,
        {"X": 60, "Y": 40},
        [(2, ["X", "Y"]), (2, ["X"])],
        completion="add1",
    )
    assert tally({**election, "options": {}}).winners == ["X"]
    result = tally(election)
    assert result.winners == ["X", "Y"]
    assert result.details["share_per_voter"] == 35
    assert result.details["completion_increments"] == 10
    assert result.details["budget_used"] == 100


def test_equal_shares_never_funds_an_unsupported_project() -> None:
    result = tally(pb("pb_equal_shares", 100, {"X": 10, "Y": 10}, [(3, ["X"])]))
    assert result.winners == ["X"]


@pytest.mark.parametrize("method", sorted(METHODS))
def test_results_are_json_ready(method: str) -> None:
    import json

    elections = {
        "majority": motion(3, 1),
        "approval": {"method": "approval", "candidates": ["A"], "ballots": [{"approve": ["A"]}]},
        "score": {"method": "score", "candidates": ["A"], "ballots": [{"scores": {"A": 2.5}}]},
        "irv": FOOD | {"method": "irv", "seats": 1},
        "stv": FOOD,
        "schulze": WIKIPEDIA_SCHULZE,
        "pb_greedy": pb("pb_greedy", *GREEDY),
        "pb_equal_shares": pb("pb_equal_shares", *GREEDY),
    }
    data = tally(elections[method]).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert {"winners", "rounds", "ties", "method", "seed"} <= set(data)


def test_an_election_built_in_code_gets_default_options() -> None:
    from townhall.voting import Election, RankedBallot

    election = Election(
        method="stv",
        candidates=("A", "B", "C"),
        seats=2,
        ballots=(RankedBallot(("A", "B"), 5), RankedBallot(("C",), 3)),
    )
    assert election.options["decimals"] == 5  # the Scottish preset
    assert tally(election).winners == ["A", "C"]
