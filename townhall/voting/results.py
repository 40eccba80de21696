"""The outcome of a tally, and how it is written out as JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any


@dataclass
class Result:
    """What a tally decided and how.

    `winners` are in the order they were elected (or funded). `rounds` are the steps
    a results page shows: tallies, who was elected or eliminated, the transfers.
    `ties` lists every tie met and the rule that broke it. `details` holds what is
    particular to the method (a pairwise matrix, the quota, the budget used).
    Numbers stay exact (`Fraction`) until `to_dict` writes them out.
    """

    method: str
    winners: list[str]
    rounds: list[dict[str, Any]] = field(default_factory=list)
    ties: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    seats: int = 1
    seed: int | str = 0

    def to_dict(self) -> dict[str, Any]:
        """Return the result as plain JSON-ready data (numbers as int or float)."""
        data: dict[str, Any] = {
            "method": self.method,
            "seats": self.seats,
            "winners": list(self.winners),
            "rounds": self.rounds,
            "ties": self.ties,
            "seed": self.seed,
            **self.details,
        }
        return jsonable(data)


def as_number(value: Fraction | Decimal | int) -> int | float:
    """Write an exact number for JSON: an int when whole, else the nearest float."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return float(value)


def jsonable(value: Any) -> Any:
    """Convert nested results (Fractions, tuples, sets) to JSON-friendly values."""
    if isinstance(value, Fraction | Decimal | int) and not isinstance(value, bool):
        return as_number(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(jsonable(v) for v in value)
    return value
