"""Single transferable vote for several seats, as counted in Scottish local elections.

The count, by the Scottish Local Government Elections Order 2007 (weighted inclusive
Gregory method), with the variants RCTab applies for US cities as options:

- Quota (Droop, whole number): floor(V / (seats + 1)) + 1, where V is the number of
  ballots with a first preference. It stays fixed for the count.
- Every continuing candidate whose votes reach the quota is elected.
- Surplus: all of an elected candidate's ballots (inclusive) move on to their next
  continuing preference, each at `value * surplus / total`, truncated to `decimals`
  places ("any remainder being ignored"). What truncation leaves behind is the
  "residual" and the elected candidate keeps exactly the quota.
  `surplus_fraction: "truncated"` (RCTab) truncates `surplus / total` first and then
  each ballot's `value * fraction`.
- `surpluses: "largest_first"` (Scottish) transfers one surplus per round, the largest
  pending first; `"all_per_round"` (RCTab) transfers the surpluses of everyone elected
  in a round within that round.
- When no surplus is waiting, the continuing candidate with the fewest votes is
  excluded and all their ballots move on at their current value.
- When the continuing candidates are no more than the seats left, they are all elected.
- `transfer_final_surplus` (RCTab) still transfers the surpluses of the last round's
  winners and adds a final round showing the totals after it.

`variant` picks a preset that the options above override one by one: "scottish"
(default: 5 decimals, exact fraction, largest surplus first, no final transfer) or
"rctab" (4 decimals, truncated fraction, all surpluses per round, final transfer).
`decimals: null` counts with exact fractions throughout.

Arithmetic is exact (`Fraction`); the only rounding is the stated truncation, so
candidates' votes + exhausted + residual always equal the ballots cast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from townhall.voting.ballots import Election
from townhall.voting.irv import group_rankings
from townhall.voting.results import Result
from townhall.voting.ties import TieBreaker


@dataclass(slots=True)
class Parcel:
    """Ballots with the same ranking, at the same value, at the same place in it."""

    ranking: tuple[str, ...]
    position: int
    value: Fraction
    count: int


def truncate(number: Fraction, places: int | None) -> Fraction:
    """Cut a non-negative number down to `places` decimals (None leaves it exact)."""
    if places is None:
        return number
    scale = 10**places
    return Fraction(math.floor(number * scale), scale)


class _Count:
    """The state of one STV count: piles of parcels, votes, and the log of rounds."""

    def __init__(self, election: Election) -> None:
        options = election.options
        self.places: int | None = options["decimals"]
        self.truncate_fraction = options["surplus_fraction"] == "truncated"
        self.candidates = election.candidates
        self.seats = election.seats
        self.ties = TieBreaker(options["seed"], self.candidates)
        self.piles: dict[str, list[Parcel]] = {name: [] for name in self.candidates}
        self.votes: dict[str, Fraction] = {name: Fraction(0) for name in self.candidates}
        self.exhausted = Fraction(0)
        self.residual = Fraction(0)
        for ranking, count in group_rankings(election.ballots).items():  # type: ignore[arg-type]
            if ranking:
                self.piles[ranking[0]].append(Parcel(ranking, 0, Fraction(1), count))
                self.votes[ranking[0]] += count
            else:
                self.exhausted += count
        self.valid = sum(self.votes.values(), Fraction(0))
        self.quota = Fraction(math.floor(self.valid / (self.seats + 1)) + 1)
        self.continuing = set(self.candidates)
        self.elected: list[str] = []
        self.history: list[dict[str, Fraction]] = []

    def tally(self) -> dict[str, Fraction]:
        return {
            name: self.votes[name]
            for name in self.candidates
            if name in self.continuing or name in self.elected
        }

    def _move(self, parcel: Parcel, received: dict[str, Fraction]) -> Fraction:
        """Pass a parcel to its next continuing preference; return the value exhausted."""
        ranking = parcel.ranking
        at = parcel.position + 1
        while at < len(ranking) and ranking[at] not in self.continuing:
            at += 1
        amount = parcel.value * parcel.count
        if at == len(ranking):
            self.exhausted += amount
            return amount
        receiver = ranking[at]
        parcel.position = at
        self.piles[receiver].append(parcel)
        self.votes[receiver] += amount
        received[receiver] = received.get(receiver, Fraction(0)) + amount
        return Fraction(0)

    def _transfer(self, source: str, received: dict[str, Fraction], lost: Fraction, **extra: Any):
        return {
            "from": source,
            **extra,
            "to": {name: received[name] for name in self.candidates if name in received},
            "exhausted": lost,
        }

    def transfer_surplus(self, winner: str) -> dict[str, Any]:
        """Move a winner's surplus on, leaving them exactly the quota."""
        total = self.votes[winner]
        surplus = total - self.quota
        if self.truncate_fraction:
            fraction = truncate(surplus / total, self.places)

            def new_value(value: Fraction) -> Fraction:
                return truncate(value * fraction, self.places)
        else:
            fraction = surplus / total

            def new_value(value: Fraction) -> Fraction:
                return truncate(value * surplus / total, self.places)

        received: dict[str, Fraction] = {}
        lost = Fraction(0)
        moved = Fraction(0)
        for parcel in self.piles.pop(winner):
            parcel.value = new_value(parcel.value)
            moved += parcel.value * parcel.count
            lost += self._move(parcel, received)
        self.piles[winner] = []
        left_behind = surplus - moved
        self.residual += left_behind
        self.votes[winner] = self.quota
        return self._transfer(
            winner,
            received,
            lost,
            kind="surplus",
            surplus=surplus,
            transfer_value=fraction,
            residual=left_behind,
        )

    def exclude(self, loser: str) -> dict[str, Any]:
        """Remove the candidate and move all their ballots on at their current value."""
        self.continuing.discard(loser)
        received: dict[str, Fraction] = {}
        lost = Fraction(0)
        for parcel in self.piles.pop(loser):
            lost += self._move(parcel, received)
        self.piles[loser] = []
        self.votes[loser] = Fraction(0)
        return self._transfer(loser, received, lost, kind="exclusion")

    def elect(self, names: list[str]) -> None:
        for name in names:
            self.continuing.discard(name)
            self.elected.append(name)


def tally_stv(election: Election) -> Result:
    """Count a multi-seat STV election; return winners in order elected and every round."""
    options = election.options
    all_per_round = options["surpluses"] == "all_per_round"
    count = _Count(election)
    ties = count.ties
    pending: list[str] = []  # elected, surplus not yet transferred, in order elected
    rounds: list[dict[str, Any]] = []
    step = 0

    def snapshot(number: int) -> dict[str, Any]:
        return {
            "round": number,
            "threshold": count.quota,
            "tally": count.tally(),
            "exhausted": count.exhausted,
            "residual": count.residual,
        }

    while True:
        step += 1
        record = snapshot(step)
        rounds.append(record)
        votes = count.votes

        seats_left = count.seats - len(count.elected)
        reached = [name for name in count.candidates if name in count.continuing]
        reached = [name for name in reached if votes[name] >= count.quota]
        newly = ties.rank(reached, votes, history=count.history, step=step, purpose="election")
        newly = newly[:seats_left]
        count.elect(newly)
        pending.extend(name for name in newly if votes[name] > count.quota)
        seats_left -= len(newly)
        rest = [name for name in count.candidates if name in count.continuing]
        if 0 < len(rest) <= seats_left:
            # No one else can be elected: the remaining candidates fill the seats.
            rest = ties.rank(rest, votes, history=count.history, step=step, purpose="election")
            count.elect(rest)
            newly += rest
            seats_left = 0
        if newly:
            record["elected"] = newly

        transfers: list[dict[str, Any]] = []
        if seats_left == 0:
            if options["transfer_final_surplus"] and pending:
                transfers = [count.transfer_surplus(name) for name in pending]
                record["transfers"] = transfers
                count.history.append(record["tally"])
                rounds.append(snapshot(step + 1) | {"final": True})
            break

        if pending:
            if all_per_round:
                chosen = list(pending)
            else:
                surpluses = {name: votes[name] - count.quota for name in pending}
                chosen = ties.rank(
                    pending,
                    surpluses,
                    history=count.history,
                    step=step,
                    purpose="surplus order",
                )[:1]
            for name in chosen:
                pending.remove(name)
                transfers.append(count.transfer_surplus(name))
        elif not newly:
            standing = [name for name in count.candidates if name in count.continuing]
            fewest = min(votes[name] for name in standing)
            loser = ties.pick(
                [name for name in standing if votes[name] == fewest],
                lowest=True,
                history=count.history,
                step=step,
                purpose="exclusion",
            )
            transfers.append(count.exclude(loser))
            record["eliminated"] = [loser]
        if transfers:
            record["transfers"] = transfers
        count.history.append(record["tally"])

    return Result(
        method="stv",
        winners=list(count.elected),
        rounds=rounds,
        ties=ties.log,
        details={
            "quota": count.quota,
            "valid_votes": count.valid,
            "rules": {
                key: options[key]
                for key in (
                    "variant",
                    "decimals",
                    "surplus_fraction",
                    "surpluses",
                    "transfer_final_surplus",
                )
            },
        },
        seats=election.seats,
        seed=options["seed"],
    )
