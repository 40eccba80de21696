"""The pure tally engine: counting methods over ballots, with no Flask and no database.

`tally(election)` counts one election and returns a `Result` whose winners, rounds
and ties show how the decision was reached. `METHODS` names what is offered. The
command line `python -m townhall.voting [FILE]` reads an election as JSON.
"""

from townhall.voting.ballots import (
    ApprovalBallot,
    ChoiceBallot,
    DuplicateChoice,
    Election,
    ElectionError,
    InvalidCount,
    InvalidOption,
    InvalidProject,
    MalformedElection,
    Project,
    RankedBallot,
    ScoreBallot,
    UnknownCandidate,
    UnknownMethod,
    WrongBallotShape,
    parse_election,
)
from townhall.voting.methods import METHODS, tally
from townhall.voting.results import Result

__all__ = [
    "METHODS",
    "ApprovalBallot",
    "ChoiceBallot",
    "DuplicateChoice",
    "Election",
    "ElectionError",
    "InvalidCount",
    "InvalidOption",
    "InvalidProject",
    "MalformedElection",
    "Project",
    "RankedBallot",
    "Result",
    "ScoreBallot",
    "UnknownCandidate",
    "UnknownMethod",
    "WrongBallotShape",
    "parse_election",
    "tally",
]
