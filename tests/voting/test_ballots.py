"""Validation of election input: each fault raises its own typed error, naming it."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from townhall.voting import (
    ApprovalBallot,
    DuplicateChoice,
    ElectionError,
    InvalidCount,
    InvalidOption,
    InvalidProject,
    MalformedElection,
    RankedBallot,
    UnknownCandidate,
    UnknownMethod,
    WrongBallotShape,
    parse_election,
)

IRV: dict[str, Any] = {"method": "irv", "candidates": ["A", "B"], "ballots": []}
PB: dict[str, Any] = {
    "method": "pb_greedy",
    "budget": 10,
    "projects": [{"id": "P1", "cost": 4}],
    "ballots": [],
}
MOTION: dict[str, Any] = {"method": "majority", "ballots": []}
SCORE: dict[str, Any] = {"method": "score", "candidates": ["A"], "ballots": []}
TWO_P1 = [{"id": "P1", "cost": 1}, {"id": "P1", "cost": 2}]


def test_a_valid_election_is_parsed_with_defaults() -> None:
    election = parse_election({**IRV, "ballots": [{"ranking": ["B", "A"], "count": 2}]})
    assert election.ballots == (RankedBallot(("B", "A"), 2),)
    assert election.seats == 1
    assert election.options == {"seed": 0}


def test_stv_variant_fills_options_the_caller_left_out() -> None:
    election = parse_election(
        {**IRV, "method": "stv", "options": {"variant": "rctab", "decimals": 6}}
    )
    assert election.options["decimals"] == 6
    assert election.options["surplus_fraction"] == "truncated"


def test_identical_ballots_are_merged() -> None:
    election = parse_election(
        {
            **IRV,
            "ballots": [
                {"ranking": ["A", "B"]},
                {"ranking": ["B"], "count": 2},
                {"ranking": ["A", "B"], "count": 3},
                {"count": 4, "ranking": ["B"]},
                {"ranking": ["A"], "count": 0},
            ],
        }
    )
    assert sorted(election.ballots, key=lambda b: b.ranking) == [
        RankedBallot(("A", "B"), 4),
        RankedBallot(("B",), 6),
    ]


def test_pb_candidates_are_the_project_ids() -> None:
    election = parse_election({**PB, "ballots": [{"approve": ["P1"]}]})
    assert election.candidates == ("P1",)
    assert election.budget == 10
    assert election.projects[0].cost == Fraction(4)
    assert election.ballots == (ApprovalBallot(frozenset({"P1"}), 1),)


@pytest.mark.parametrize(
    ("raw", "error", "words"),
    [
        ([], MalformedElection, "JSON object"),
        ({**IRV, "method": "borda"}, UnknownMethod, "borda"),
        ({**IRV, "ballots": [{"ranking": ["C"]}]}, UnknownCandidate, "'C'"),
        ({**IRV, "ballots": [{"ranking": ["A", "A"]}]}, DuplicateChoice, "ranks 'A' twice"),
        ({**IRV, "ballots": [{"ranking": ["A"], "count": -2}]}, InvalidCount, "negative"),
        ({**IRV, "ballots": [{"ranking": ["A"], "count": True}]}, InvalidCount, "whole"),
        ({**IRV, "ballots": [{"approve": ["A"]}]}, WrongBallotShape, "need 'ranking'"),
        ({**IRV, "ballots": [{"ranking": "A"}]}, WrongBallotShape, "list"),
        ({**IRV, "ballots": [{"ranking": ["A"], "colour": 1}]}, WrongBallotShape, "colour"),
        ({**IRV, "ballots": ["A"]}, MalformedElection, "object"),
        ({**IRV, "seats": 2}, MalformedElection, "one seat"),
        ({**IRV, "candidates": ["A", "A"]}, MalformedElection, "twice"),
        ({**IRV, "candidates": []}, MalformedElection, "empty"),
        ({**IRV, "votes": []}, MalformedElection, "'votes'"),
        ({**IRV, "budget": 3}, MalformedElection, "pb methods"),
        ({**IRV, "options": {"seed": 1.5}}, InvalidOption, "seed"),
        ({**IRV, "options": {"quorum": 0.5}}, InvalidOption, "unknown option"),
        ({**IRV, "method": "stv", "seats": 3}, MalformedElection, "exceeds"),
        ({**IRV, "method": "stv", "options": {"decimals": 40}}, InvalidOption, "decimals"),
        ({**IRV, "method": "schulze", "options": {"variant": "x"}}, InvalidOption, "variant"),
        ({**MOTION, "options": {"quorum": 0.5}}, InvalidOption, "eligible"),
        ({**MOTION, "options": {"quorum": 2, "eligible": 1}}, InvalidOption, "0 to 1"),
        ({**SCORE, "ballots": [{"scores": {"A": "5"}}]}, WrongBallotShape, "number"),
        (
            {**SCORE, "ballots": [{"scores": {"A": 1}}, {"scores": {"A": True}}]},
            WrongBallotShape,
            "ballot 2",
        ),
        (
            {**IRV, "ballots": [{"ranking": ["A"]}, {"ranking": ["A"], "count": -1}]},
            InvalidCount,
            "ballot 2",
        ),
        ({**SCORE, "options": {"scale": [5, 1]}}, InvalidOption, "scale"),
        ({**PB, "projects": [{"id": "P1"}]}, InvalidProject, "no cost"),
        ({**PB, "projects": [{"id": "P1", "cost": -1}]}, InvalidProject, "cost"),
        ({**PB, "projects": [{"cost": 1}]}, InvalidProject, "'id'"),
        ({**PB, "projects": TWO_P1}, InvalidProject, "twice"),
        ({**PB, "projects": []}, InvalidProject, "non-empty"),
        ({**PB, "budget": "lots"}, MalformedElection, "budget"),
        ({**PB, "candidates": ["P2"]}, MalformedElection, "project ids"),
        ({**PB, "ballots": [{"approve": ["P1", "P1"]}]}, DuplicateChoice, "approves 'P1' twice"),
        ({**PB, "ballots": [{"ranking": ["P1"]}]}, WrongBallotShape, "need 'approve'"),
    ],
)
def test_each_fault_has_its_typed_error(raw: Any, error: type[ElectionError], words: str) -> None:
    with pytest.raises(error) as caught:
        parse_election(raw)
    assert words in str(caught.value)
    assert isinstance(caught.value, ValueError)  # callers may catch ValueError broadly
