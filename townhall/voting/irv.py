"""Instant-runoff voting (the alternative vote): one seat, ranked ballots.

Each round every ballot counts for its highest-ranked continuing candidate. A
candidate with more than half of the votes still in the count wins; otherwise the
candidate with the fewest votes is eliminated and their ballots move on to the next
continuing preference. Ballots with no continuing preference are exhausted and leave
the count, so the majority needed can fall from round to round.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from townhall.voting.ballots import Election, RankedBallot
from townhall.voting.results import Result
from townhall.voting.ties import TieBreaker


def group_rankings(ballots: Iterable[RankedBallot]) -> Counter[tuple[str, ...]]:
    """Merge identical rankings into one entry with their summed count.

    Real elections repeat a few thousand rankings many times over; counting each
    distinct ranking once is what keeps a count of 100,000 ballots fast.
    """
    groups: Counter[tuple[str, ...]] = Counter()
    for ballot in ballots:
        if ballot.count:
            groups[ballot.ranking] += ballot.count
    return groups


def tally_irv(election: Election) -> Result:
    """Count an instant-runoff election and return the winner with every round."""
    candidates = election.candidates
    ties = TieBreaker(election.options["seed"], candidates)
    groups = group_rankings(election.ballots)  # type: ignore[arg-type]
    rankings = list(groups)
    counts = [groups[r] for r in rankings]
    # position[g] is the index in rankings[g] of the candidate it counts for now.
    position = [0] * len(rankings)
    piles: dict[str, list[int]] = {name: [] for name in candidates}
    votes = dict.fromkeys(candidates, 0)
    exhausted = 0
    for group, ranking in enumerate(rankings):
        if ranking:
            piles[ranking[0]].append(group)
            votes[ranking[0]] += counts[group]
        else:
            exhausted += counts[group]

    continuing = set(candidates)
    history: list[dict[str, int]] = []
    rounds: list[dict] = []
    winners: list[str] = []
    step = 0
    while True:
        step += 1
        tally = {name: votes[name] for name in candidates if name in continuing}
        active = sum(tally.values())
        record: dict = {
            "round": step,
            "tally": tally,
            "continuing_votes": active,
            "threshold": active // 2 + 1,
            "exhausted": exhausted,
        }
        rounds.append(record)
        leader_votes = max(tally.values())
        if 2 * leader_votes > active or len(tally) == 1:
            # Only one candidate can hold a strict majority, so no tie is possible here.
            winner = next(name for name in tally if tally[name] == leader_votes)
            record["elected"] = [winner]
            winners.append(winner)
            break

        fewest = min(tally.values())
        loser = ties.pick(
            [name for name in tally if tally[name] == fewest],
            lowest=True,
            history=history,
            step=step,
            purpose="elimination",
        )
        continuing.discard(loser)
        moved: dict[str, int] = {}
        lost = 0
        for group in piles.pop(loser):
            ranking = rankings[group]
            at = position[group] + 1
            while at < len(ranking) and ranking[at] not in continuing:
                at += 1
            position[group] = at
            if at < len(ranking):
                receiver = ranking[at]
                piles[receiver].append(group)
                votes[receiver] += counts[group]
                moved[receiver] = moved.get(receiver, 0) + counts[group]
            else:
                lost += counts[group]
        exhausted += lost
        record["eliminated"] = [loser]
        record["transfers"] = [
            {
                "from": loser,
                "to": {name: moved[name] for name in candidates if name in moved},
                "exhausted": lost,
            }
        ]
        history.append(tally)

    return Result(
        method="irv",
        winners=winners,
        rounds=rounds,
        ties=ties.log,
        seats=1,
        seed=election.options["seed"],
    )
