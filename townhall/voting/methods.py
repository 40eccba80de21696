"""The registry of counting methods and the one entry point, `tally`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from townhall.voting.approval import tally_approval
from townhall.voting.ballots import Election, parse_election
from townhall.voting.budgeting import tally_pb_equal_shares, tally_pb_greedy
from townhall.voting.irv import tally_irv
from townhall.voting.majority import tally_majority
from townhall.voting.results import Result
from townhall.voting.schulze import tally_schulze
from townhall.voting.score import tally_score
from townhall.voting.stv import tally_stv

METHODS: dict[str, Callable[[Election], Result]] = {
    "majority": tally_majority,
    "approval": tally_approval,
    "score": tally_score,
    "irv": tally_irv,
    "stv": tally_stv,
    "schulze": tally_schulze,
    "pb_greedy": tally_pb_greedy,
    "pb_equal_shares": tally_pb_equal_shares,
}


def tally(election: Election | Mapping[str, Any]) -> Result:
    """Count an election (an `Election`, or a decoded JSON mapping to validate first).

    Raises `ElectionError` (a `ValueError`) when a mapping is malformed.
    """
    if not isinstance(election, Election):
        election = parse_election(election)
    return METHODS[election.method](election)
