"""A yes/no decision on a motion: for, against, abstain.

Abstentions count towards turnout (and so the quorum) but not towards the majority.
- `threshold: "simple"`: passes when votes for exceed votes against.
- `threshold: "two_thirds"`: passes when votes for are at least two thirds of for + against.
- `quorum`: a share of `eligible` voters who must take part (abstaining counts);
  without it the motion fails whatever the votes.
An equal split fails: the status quo stands, which is the stated rule, not a lot.
"""

from __future__ import annotations

from fractions import Fraction

from townhall.voting.ballots import CHOICES, ChoiceBallot, Election
from townhall.voting.results import Result


def tally_majority(election: Election) -> Result:
    """Decide a motion; the winner is "for" when it passes, else "against"."""
    options = election.options
    counts = dict.fromkeys(CHOICES, 0)
    for ballot in election.ballots:
        assert isinstance(ballot, ChoiceBallot)
        counts[ballot.choice] += ballot.count
    turnout = sum(counts.values())
    decisive = counts["for"] + counts["against"]

    quorum_needed: Fraction | None = None
    quorum_met = True
    if options["quorum"] is not None:
        quorum_needed = options["quorum"] * options["eligible"]
        quorum_met = turnout >= quorum_needed

    if options["threshold"] == "two_thirds":
        needed = Fraction(2, 3) * decisive
        majority_met = decisive > 0 and counts["for"] >= needed
    else:
        needed = Fraction(decisive, 2)
        majority_met = counts["for"] > counts["against"]
    passed = quorum_met and majority_met

    ties = []
    if decisive and counts["for"] == counts["against"]:
        ties.append(
            {
                "round": 1,
                "purpose": "decision",
                "tied": ["for", "against"],
                "rule": "an equal split fails the motion (status quo)",
                "chosen": "against",
            }
        )
    record = {
        "round": 1,
        "tally": counts,
        "turnout": turnout,
        "for_needed": needed,
        "quorum_needed": quorum_needed,
        "quorum_met": quorum_met,
        "majority_met": majority_met,
    }
    if options["eligible"] is not None:
        record["eligible"] = options["eligible"]
    return Result(
        method="majority",
        winners=["for" if passed else "against"],
        rounds=[record],
        ties=ties,
        details={"passed": passed, "threshold": options["threshold"]},
        seed=options["seed"],
    )
