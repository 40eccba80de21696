"""Properties every count must keep, checked on generated elections (hypothesis)."""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from townhall.voting import tally

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = ["A", "B", "C", "D", "E"]


@st.composite
def ranked_elections(draw: st.DrawFn, method: str = "irv", max_seats: int = 1) -> dict[str, Any]:
    size = draw(st.integers(min_value=2, max_value=len(NAMES)))
    candidates = NAMES[:size]
    rankings = st.permutations(candidates).flatmap(
        lambda order: st.integers(min_value=0, max_value=len(order)).map(
            lambda cut: list(order[:cut])
        )
    )
    ballots = draw(
        st.lists(
            st.fixed_dictionaries(
                {"ranking": rankings, "count": st.integers(min_value=0, max_value=20)}
            ),
            min_size=1,
            max_size=12,
        )
    )
    seats = draw(st.integers(min_value=1, max_value=min(max_seats, size)))
    return {
        "method": method,
        "seats": seats,
        "candidates": candidates,
        "ballots": ballots,
        "options": {"seed": draw(st.integers(min_value=0, max_value=9))},
    }


def pairwise(election: dict[str, Any]) -> dict[tuple[str, str], int]:
    """Count head-to-head preferences the slow, obvious way (unranked = last)."""
    d = {(a, b): 0 for a in election["candidates"] for b in election["candidates"]}
    for ballot in election["ballots"]:
        order = ballot["ranking"]
        for a in election["candidates"]:
            for b in election["candidates"]:
                a_at = order.index(a) if a in order else len(order)
                b_at = order.index(b) if b in order else len(order)
                if a_at < b_at:
                    d[a, b] += ballot["count"]
    return d


@SETTINGS
@given(ranked_elections(method="schulze"))
def test_a_condorcet_winner_wins_schulze(election: dict[str, Any]) -> None:
    d = pairwise(election)
    names = election["candidates"]
    winners = [a for a in names if all(d[a, b] > d[b, a] for b in names if b != a)]
    assume(winners)
    result = tally(election)
    assert result.winners[0] == winners[0]
    assert result.details["condorcet_winner"] == winners[0]


@SETTINGS
@given(ranked_elections(method="irv"))
def test_a_first_round_majority_wins_irv_at_once(election: dict[str, Any]) -> None:
    firsts: dict[str, int] = {}
    for ballot in election["ballots"]:
        if ballot["ranking"]:
            firsts[ballot["ranking"][0]] = firsts.get(ballot["ranking"][0], 0) + ballot["count"]
    total = sum(firsts.values())
    leaders = [name for name, votes in firsts.items() if 2 * votes > total]
    assume(leaders)
    result = tally(election)
    assert result.winners == leaders
    assert len(result.rounds) == 1


@SETTINGS
@given(
    ranked_elections(method="stv", max_seats=3),
    st.sampled_from(["scottish", "rctab"]),
    st.sampled_from([None, 0, 2, 5]),
)
def test_stv_conserves_votes_at_every_stage(
    election: dict[str, Any], variant: str, decimals: int | None
) -> None:
    election["options"] |= {"variant": variant, "decimals": decimals}
    result = tally(election)
    cast = sum(ballot["count"] for ballot in election["ballots"])
    # What truncation leaves behind is bounded: under 1 unit of the last decimal per
    # ballot for each rounding applied (RCTab rounds twice: the fraction, then the value).
    slack = Fraction(2 * cast, 10**decimals) if decimals is not None else Fraction(0)
    for record in result.rounds:
        assert sum(record["tally"].values()) + record["exhausted"] + record["residual"] == cast
        for transfer in record.get("transfers", []):
            assert transfer["exhausted"] >= 0
            assert 0 <= transfer.get("residual", 0) <= slack
    assert len(result.winners) == election["seats"]
    assert len(set(result.winners)) == len(result.winners)


@st.composite
def pb_elections(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(min_value=1, max_value=6))
    ids = [f"P{i}" for i in range(count)]
    costs = draw(st.lists(st.integers(min_value=0, max_value=60), min_size=count, max_size=count))
    ballots = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "approve": st.lists(st.sampled_from(ids), unique=True),
                    "count": st.integers(min_value=0, max_value=5),
                }
            ),
            max_size=8,
        )
    )
    return {
        "method": "pb_greedy",
        "budget": draw(st.integers(min_value=0, max_value=100)),
        "projects": [{"id": i, "cost": c} for i, c in zip(ids, costs, strict=True)],
        "ballots": ballots,
    }


@SETTINGS
@given(
    pb_elections(),
    st.sampled_from(
        [
            ("pb_greedy", {}),
            ("pb_greedy", {"skip": False}),
            ("pb_equal_shares", {}),
            ("pb_equal_shares", {"utility": "approval"}),
            ("pb_equal_shares", {"completion": "add1"}),
            ("pb_equal_shares", {"utility": "approval", "completion": "add1"}),
        ]
    ),
)
def test_pb_never_exceeds_the_budget(election: dict[str, Any], rule: tuple[str, dict]) -> None:
    election["method"], election["options"] = rule
    result = tally(election)
    costs = {p["id"]: p["cost"] for p in election["projects"]}
    assert sum(costs[p] for p in result.winners) <= election["budget"]
    assert result.details["budget_used"] == sum(costs[p] for p in result.winners)
    assert len(set(result.winners)) == len(result.winners)


def _shuffled(election: dict[str, Any], seed: int) -> dict[str, Any]:
    ballots = list(election["ballots"])
    random.Random(seed).shuffle(ballots)
    return {**election, "ballots": ballots}


@SETTINGS
@given(
    st.one_of(
        ranked_elections(method="irv"),
        ranked_elections(method="stv", max_seats=3),
        ranked_elections(method="schulze", max_seats=2),
    ),
    st.integers(min_value=0, max_value=1000),
)
def test_ballot_order_never_changes_a_ranked_result(election: dict[str, Any], seed: int) -> None:
    assert tally(_shuffled(election, seed)).to_dict() == tally(election).to_dict()


@SETTINGS
@given(
    pb_elections(),
    st.sampled_from(["pb_greedy", "pb_equal_shares", "approval"]),
    st.integers(min_value=0, max_value=1000),
)
def test_ballot_order_never_changes_an_approval_result(
    election: dict[str, Any], method: str, seed: int
) -> None:
    if method == "approval":
        ids = [p["id"] for p in election.pop("projects")]
        del election["budget"]
        election |= {"candidates": ids}
    election["method"] = method
    assert tally(_shuffled(election, seed)).to_dict() == tally(election).to_dict()


@SETTINGS
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "scores": st.dictionaries(
                    st.sampled_from(NAMES), st.integers(min_value=0, max_value=5)
                ),
                "count": st.integers(min_value=0, max_value=5),
            }
        ),
        max_size=8,
    ),
    st.lists(
        st.fixed_dictionaries({"choice": st.sampled_from(["for", "against", "abstain"])}),
        max_size=8,
    ),
    st.integers(min_value=0, max_value=1000),
)
def test_ballot_order_never_changes_score_or_majority(
    scores: list[dict[str, Any]], choices: list[dict[str, Any]], seed: int
) -> None:
    for election in (
        {"method": "score", "candidates": NAMES, "ballots": scores},
        {"method": "majority", "ballots": choices},
    ):
        assert tally(_shuffled(election, seed)).to_dict() == tally(election).to_dict()
