"""Participatory budgeting over approval ballots: greedy, and the method of equal shares.

pb_greedy: projects in order of approvals, each funded if it still fits the budget
(`skip: false` stops at the first that does not fit, as Gdynia counts). Projects
below `min_approvals` are not eligible. Equal approvals are ordered by lot.

pb_equal_shares (MES, as on equalshares.net and in pabutools): the budget is split
equally among the voters. Repeatedly, the project that its supporters can pay for
at the lowest price per unit of utility is funded, supporters paying equal shares
or, when they have less left than the share, all they have. `utility: "cost"`
values a project at its cost (the voter's "money's worth"); `"approval"` values every
approved project at 1. A project its supporters can no longer afford drops out.
Ties go to the project with more approvals, then to a lot.
`completion: "add1"` then raises every voter's starting share by 1 (currency unit)
and reruns, while the outcome still fits the budget and some project could still be
added, keeping the last outcome that fits.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from typing import Any

from townhall.voting.approval import count_approvals
from townhall.voting.ballots import ApprovalBallot, Election, Project
from townhall.voting.results import Result
from townhall.voting.ties import TieBreaker


def tally_pb_greedy(election: Election) -> Result:
    """Fund projects in order of approvals while they fit the budget."""
    options = election.options
    assert election.budget is not None
    ties = TieBreaker(options["seed"], election.candidates)
    approvals = count_approvals(election)
    eligible = [p.id for p in election.projects if approvals[p.id] >= options["min_approvals"]]
    order = ties.rank(eligible, approvals, history=[], step=1, purpose="order of projects")
    cost = {p.id: p.cost for p in election.projects}
    left = election.budget
    winners: list[str] = []
    rounds: list[dict[str, Any]] = []
    for step, project in enumerate(order, start=1):
        fits = cost[project] <= left
        record: dict[str, Any] = {
            "round": step,
            "project": project,
            "approvals": approvals[project],
            "cost": cost[project],
            "budget_before": left,
        }
        rounds.append(record)
        if fits:
            left -= cost[project]
            winners.append(project)
            record["funded"] = True
        elif options["skip"]:
            record["funded"] = False
        else:
            record["funded"] = False
            record["stopped"] = True  # the no-skip rule ends the count here
            break
    return Result(
        method="pb_greedy",
        winners=winners,
        rounds=rounds,
        ties=ties.log,
        details={
            "budget": election.budget,
            "budget_used": election.budget - left,
            "approvals": approvals,
            "not_eligible": [p for p in approvals if p not in eligible],
        },
        seed=options["seed"],
    )


class _EqualShares:
    """One election's projects and voter groups, run at a given share per voter."""

    def __init__(self, election: Election) -> None:
        assert election.budget is not None
        self.budget = election.budget
        self.by_cost = election.options["utility"] == "cost"
        self.seed = election.options["seed"]
        self.names = election.candidates
        groups: Counter[frozenset[str]] = Counter()
        for ballot in election.ballots:
            assert isinstance(ballot, ApprovalBallot)
            groups[ballot.approve] += ballot.count
        # Voters with the same approvals always hold the same money, so each group of
        # identical ballots is one "voter" with a multiplicity.
        self.groups = [(approved, count) for approved, count in groups.items() if count]
        self.voters = sum(count for _, count in self.groups)
        self.approvals = count_approvals(election)
        self.supporters = {
            p.id: [g for g, (approved, _) in enumerate(self.groups) if p.id in approved]
            for p in election.projects
        }
        self.cost = {p.id: p.cost for p in election.projects}
        # Unsupported projects are never funded; supported free ones always are.
        self.free = [p.id for p in election.projects if p.cost == 0 and self.supporters[p.id]]
        self.priced: list[Project] = [
            p for p in election.projects if p.cost > 0 and self.supporters[p.id]
        ]

    def run(self, share: Fraction) -> tuple[list[str], list[dict[str, Any]], list[dict]]:
        """Run MES with `share` per voter; return the funded projects, steps and ties."""
        # Each run draws its own lots from the seed, so a rerun is independent of the last.
        ties = TieBreaker(self.seed, self.names)
        count = [c for _, c in self.groups]
        # Voters holding the same money behave alike, so each group of ballots points to
        # a "purse" (one amount of money, shared by every voter pointing to it) and the
        # exact arithmetic below runs over a few purses, not over every group. Funding a
        # project moves its supporters to purses holding what they have left. That
        # keeps add1 completion's hundreds of reruns fast.
        purse_of = [0] * len(self.groups)
        money: list[Fraction] = [share]
        purse_by_amount = {share: 0}
        chosen = list(self.free)
        steps: list[dict[str, Any]] = []
        remaining = [p.id for p in self.priced]
        # A project's price per utility can only rise as its supporters spend, so the
        # last price seen is a lower bound: projects are examined cheapest-bound first
        # and the search stops once a bound exceeds the best price found (as pabutools).
        bound = {p: Fraction(0) for p in remaining}
        step = 0
        while remaining:
            step += 1
            offers: dict[str, tuple[Fraction, Fraction, dict[int, int]]] = {}
            best: Fraction | None = None
            for project in sorted(remaining, key=bound.__getitem__):
                if best is not None and bound[project] > best:
                    break
                cost = self.cost[project]
                backers: dict[int, int] = {}  # purse -> supporters drawing on it
                for g in self.supporters[project]:
                    purse = purse_of[g]
                    backers[purse] = backers.get(purse, 0) + count[g]
                if sum(money[purse] * n for purse, n in backers.items()) < cost:
                    remaining.remove(project)  # its supporters can no longer afford it
                    continue
                # The poorest supporters pay all they have; the rest split what is left.
                paid = Fraction(0)
                payers = sum(backers.values())
                for purse in sorted(backers, key=money.__getitem__):
                    each = (cost - paid) / payers
                    if money[purse] >= each:
                        break
                    paid += money[purse] * backers[purse]
                    payers -= backers[purse]
                rho = each / cost if self.by_cost else each
                bound[project] = rho
                offers[project] = (rho, each, backers)
                if best is None or rho < best:
                    best = rho
            if best is None:
                break
            tied = [p for p in remaining if p in offers and offers[p][0] == best]
            project = ties.pick(
                tied,
                lowest=False,
                history=[],
                step=step,
                purpose="project to fund",
                first_by=("more approvals", self.approvals),
            )
            _, each, backers = offers[project]
            # Supporters of the funded project move to a purse with what they have left;
            # purses left holding the same amount are shared rather than duplicated.
            moved: dict[int, int] = {}
            for purse in backers:
                left = money[purse] - min(money[purse], each)
                if left not in purse_by_amount:
                    purse_by_amount[left] = len(money)
                    money.append(left)
                moved[purse] = purse_by_amount[left]
            for g in self.supporters[project]:
                purse_of[g] = moved[purse_of[g]]
            remaining.remove(project)
            chosen.append(project)
            steps.append(
                {
                    "round": step,
                    "project": project,
                    "cost": self.cost[project],
                    "share_per_supporter": each,
                    "price_per_utility": best,
                    "supporters": self.approvals[project],
                }
            )
        return chosen, steps, ties.log

    def spent(self, chosen: list[str]) -> Fraction:
        return sum((self.cost[p] for p in chosen), Fraction(0))

    def exhaustive(self, chosen: list[str]) -> bool:
        """True when no further supported project would fit in what is left."""
        left = self.budget - self.spent(chosen)
        return all(p.cost > left for p in self.priced if p.id not in chosen)


def tally_pb_equal_shares(election: Election) -> Result:
    """Select projects by the method of equal shares (with optional add1 completion)."""
    options = election.options
    mes = _EqualShares(election)
    if not mes.voters:
        share = Fraction(0)
        chosen, steps, ties = list(mes.free), [], []
    else:
        share = mes.budget / mes.voters
        chosen, steps, ties = mes.run(share)
    increments = 0
    if options["completion"] == "add1" and mes.voters:
        # pabutools' voter_budget_increment=1: stop at the first rerun that overspends
        # (keep the one before) or that leaves nothing else affordable.
        while not mes.exhaustive(chosen):
            trial = mes.run(share + 1)
            if mes.spent(trial[0]) > mes.budget:
                break
            share += 1
            increments += 1
            chosen, steps, ties = trial
    return Result(
        method="pb_equal_shares",
        winners=chosen,
        rounds=steps,
        ties=ties,
        details={
            "budget": mes.budget,
            "budget_used": mes.spent(chosen),
            "share_per_voter": share,
            "completion": options["completion"],
            "completion_increments": increments,
            "utility": options["utility"],
            "approvals": mes.approvals,
        },
        seed=options["seed"],
    )
