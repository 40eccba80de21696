"""Score (range) voting: voters give candidates points on a scale; totals decide.

The scale defaults to 0..5 and is an option (`scale: [1, 10]` for Częstochowa's
points). A candidate a voter left out was not scored by them: it adds nothing to the
sum and does not count in that candidate's mean. `rank_by` chooses sum (default) or
mean.
"""

from __future__ import annotations

from fractions import Fraction

from townhall.voting.ballots import Election, ScoreBallot
from townhall.voting.results import Result
from townhall.voting.ties import TieBreaker


def tally_score(election: Election) -> Result:
    """Rank candidates by total (or mean) score; the first `seats` win."""
    options = election.options
    ties = TieBreaker(options["seed"], election.candidates)
    totals = {name: Fraction(0) for name in election.candidates}
    raters = dict.fromkeys(election.candidates, 0)
    for ballot in election.ballots:
        assert isinstance(ballot, ScoreBallot)
        for name, score in ballot.scores:
            totals[name] += score * ballot.count
            raters[name] += ballot.count
    means = {
        name: (totals[name] / raters[name] if raters[name] else Fraction(0))
        for name in election.candidates
    }
    key = totals if options["rank_by"] == "sum" else means
    ranking = ties.rank(list(election.candidates), key, history=[], step=1, purpose="ranking")
    low, high = options["scale"]
    return Result(
        method="score",
        winners=ranking[: election.seats],
        rounds=[
            {"round": 1, "totals": totals, "means": means, "raters": raters, "ranking": ranking}
        ],
        ties=ties.log,
        details={
            "totals": totals,
            "means": means,
            "raters": raters,
            "scale": [low, high],
            "rank_by": options["rank_by"],
        },
        seats=election.seats,
        seed=options["seed"],
    )
