"""Approval voting: each approval is one vote; the most approved take the seats."""

from __future__ import annotations

from townhall.voting.ballots import ApprovalBallot, Election
from townhall.voting.results import Result
from townhall.voting.ties import TieBreaker


def count_approvals(election: Election) -> dict[str, int]:
    """Return the approvals of every candidate (or project), in the given order."""
    approvals = dict.fromkeys(election.candidates, 0)
    for ballot in election.ballots:
        assert isinstance(ballot, ApprovalBallot)
        for name in ballot.approve:
            approvals[name] += ballot.count
    return approvals


def tally_approval(election: Election) -> Result:
    """Elect the `seats` most approved candidates; a tie at the cut is drawn by lot."""
    ties = TieBreaker(election.options["seed"], election.candidates)
    approvals = count_approvals(election)
    ranking = ties.rank(list(approvals), approvals, history=[], step=1, purpose="ranking")
    voters = sum(ballot.count for ballot in election.ballots)
    return Result(
        method="approval",
        winners=ranking[: election.seats],
        rounds=[{"round": 1, "tally": approvals, "voters": voters, "ranking": ranking}],
        ties=ties.log,
        details={"approvals": approvals, "voters": voters},
        seats=election.seats,
        seed=election.options["seed"],
    )
