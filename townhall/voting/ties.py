"""Breaking ties by a stated rule, reproducibly, and recording each one.

The rule, in order:

1. Look back: between tied candidates, the one who had fewer votes (for an
   elimination) or more votes (for an election or the order of surpluses) at the most
   recent earlier round where their totals differ. With three or more tied, the look
   back narrows the field round by round until one is left or the rounds run out.
2. Draw lots: `random.Random(seed)` picks among those still tied, listed in the
   order the candidates were given, so the same input and seed always draw the same.

Every tie is written to the log with the candidates, the rule that settled it and
the outcome, so a results page can show it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

Tally = Mapping[str, Fraction | int]


class TieBreaker:
    """Breaks ties for one tally and keeps the record of them."""

    def __init__(self, seed: int | str, candidates: Sequence[str]) -> None:
        # A string seed is hashed by random.Random deterministically (not by hash()).
        self._rng = random.Random(seed)
        self._order = {name: index for index, name in enumerate(candidates)}
        self.log: list[dict[str, Any]] = []

    def _in_given_order(self, names: Sequence[str]) -> list[str]:
        return sorted(names, key=lambda name: self._order.get(name, len(self._order)))

    def _draw(self, names: Sequence[str]) -> str:
        return self._rng.choice(self._in_given_order(names))

    def pick(
        self,
        tied: Sequence[str],
        *,
        lowest: bool,
        history: Sequence[Tally],
        step: int,
        purpose: str,
        first_by: tuple[str, Tally] | None = None,
    ) -> str:
        """Choose one of `tied`: the lowest (to eliminate) or the highest (to elect).

        `history` is the tallies of earlier rounds, oldest first, for the look back.
        `first_by` is a rule applied before the look back, as (its name, the values
        it prefers the highest of), such as the approvals of tied projects.
        """
        if len(tied) == 1:
            return tied[0]
        field_ = self._in_given_order(tied)
        if first_by is not None:
            rule, values = first_by
            best = max(values[name] for name in field_)
            field_ = [name for name in field_ if values[name] == best]
            if len(field_) == 1:
                self._record(tied, field_[0], step, purpose, rule, None)
                return field_[0]
        for earlier_round in range(len(history) - 1, -1, -1):
            totals = {name: history[earlier_round].get(name, 0) for name in field_}
            target = min(totals.values()) if lowest else max(totals.values())
            narrowed = [name for name in field_ if totals[name] == target]
            if len(narrowed) < len(field_):
                field_ = narrowed
                if len(field_) == 1:
                    self._record(tied, field_[0], step, purpose, "earlier round", earlier_round)
                    return field_[0]
        chosen = self._draw(field_)
        self._record(tied, chosen, step, purpose, "lot", None, drawn_from=field_)
        return chosen

    def rank(
        self,
        names: Sequence[str],
        totals: Tally,
        *,
        history: Sequence[Tally],
        step: int,
        purpose: str,
    ) -> list[str]:
        """Order `names` by `totals`, highest first, breaking equal totals by the rule."""
        ordered: list[str] = []
        for total in sorted({totals[name] for name in names}, reverse=True):
            level = [name for name in names if totals[name] == total]
            while level:
                chosen = self.pick(level, lowest=False, history=history, step=step, purpose=purpose)
                level.remove(chosen)
                ordered.append(chosen)
        return ordered

    def order(self, tied: Sequence[str], *, step: int, purpose: str) -> list[str]:
        """Put tied candidates in an order drawn by lot (for rankings and cut-offs)."""
        if len(tied) < 2:
            return list(tied)
        remaining = self._in_given_order(tied)
        ordered = []
        while remaining:
            chosen = self._rng.choice(remaining)
            remaining.remove(chosen)
            ordered.append(chosen)
        self.log.append(
            {
                "round": step,
                "purpose": purpose,
                "tied": self._in_given_order(tied),
                "rule": "lot",
                "order": ordered,
            }
        )
        return ordered

    def _record(
        self,
        tied: Sequence[str],
        chosen: str,
        step: int,
        purpose: str,
        rule: str,
        earlier_round: int | None,
        drawn_from: Sequence[str] = (),
    ) -> None:
        entry: dict[str, Any] = {
            "round": step,
            "purpose": purpose,
            "tied": self._in_given_order(tied),
            "rule": rule,
            "chosen": chosen,
        }
        if earlier_round is not None:
            entry["decided_at_round"] = earlier_round + 1
        if rule == "lot" and len(drawn_from) < len(tied):
            entry["drawn_from"] = list(drawn_from)
        self.log.append(entry)
