"""Elections and ballots: the engine's input, and its validation.

`parse_election` turns a plain mapping (decoded JSON) into an `Election`, checking
everything a tally relies on, and raises an `ElectionError` subclass naming the
first fault it finds. The methods may then assume their input is well formed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

# Which ballot field each method reads: a ballot of the wrong shape is an error,
# not something to guess about.
BALLOT_SHAPES: dict[str, str] = {
    "majority": "choice",
    "approval": "approve",
    "score": "scores",
    "irv": "ranking",
    "stv": "ranking",
    "schulze": "ranking",
    "pb_greedy": "approve",
    "pb_equal_shares": "approve",
}
BUDGET_METHODS = frozenset({"pb_greedy", "pb_equal_shares"})
CHOICES = ("for", "against", "abstain")
# Descriptive keys a caller may add to an election; everything else unknown is a typo.
DESCRIPTIVE_KEYS = frozenset({"id", "title", "description"})
ELECTION_KEYS = frozenset(
    {"method", "seats", "candidates", "ballots", "options", "budget", "projects"}
)


class ElectionError(ValueError):
    """An election that cannot be tallied; the message names the fault."""


class MalformedElection(ElectionError):
    """The input is not an election object (bad JSON, missing or mistyped fields)."""


class UnknownMethod(ElectionError):
    """The method is not one the engine offers."""


class UnknownCandidate(ElectionError):
    """A ballot names a candidate or project that is not standing."""


class DuplicateChoice(ElectionError):
    """A ballot ranks, approves or scores the same candidate twice."""


class InvalidCount(ElectionError):
    """A ballot's count is negative or not a whole number."""


class WrongBallotShape(ElectionError):
    """A ballot does not have the shape its method reads (for example `approve` for irv)."""


class InvalidProject(ElectionError):
    """A participatory-budgeting project lacks an id or a valid cost."""


class InvalidOption(ElectionError):
    """An option is unknown for the method or has a value out of range."""


@dataclass(frozen=True, slots=True)
class RankedBallot:
    """Candidates in order of preference, most preferred first; may be partial."""

    ranking: tuple[str, ...]
    count: int = 1


@dataclass(frozen=True, slots=True)
class ApprovalBallot:
    """The set of candidates (or projects) a voter approves."""

    approve: frozenset[str]
    count: int = 1


@dataclass(frozen=True, slots=True)
class ScoreBallot:
    """Scores a voter gave; candidates left out were not scored."""

    scores: tuple[tuple[str, Fraction], ...]
    count: int = 1


@dataclass(frozen=True, slots=True)
class ChoiceBallot:
    """A vote on a motion: "for", "against" or "abstain"."""

    choice: str
    count: int = 1


Ballot = RankedBallot | ApprovalBallot | ScoreBallot | ChoiceBallot


@dataclass(frozen=True, slots=True)
class Project:
    """A participatory-budgeting project; its id is its candidate name."""

    id: str
    cost: Fraction


@dataclass(frozen=True)
class Election:
    """One validated election, ready to tally.

    `options` holds every option of the method with its default filled in, so the
    counting code never has to guess a default. `parse_election` merges identical
    ballots into one with their summed count: no result depends on the order of the
    ballots, and real elections repeat a few thousand ballots many times over, so
    counting each distinct ballot once is what keeps 100,000 ballots fast.
    """

    method: str
    candidates: tuple[str, ...]
    ballots: tuple[Ballot, ...]
    seats: int = 1
    options: Mapping[str, Any] = field(default_factory=dict)
    budget: Fraction | None = None
    projects: tuple[Project, ...] = ()

    def __post_init__(self) -> None:
        # An Election built in code (not parsed) may leave options out: fill defaults,
        # trusting the values it does give to be of the parsed types.
        if self.method in METHOD_OPTIONS:
            object.__setattr__(self, "options", default_options(self.method, self.options))


# --- options -------------------------------------------------------------------

Validator = Callable[[str, Any], Any]


def _one_of(*allowed: str) -> Validator:
    def check(name: str, value: Any) -> str:
        if value not in allowed:
            raise InvalidOption(f"option {name!r} must be one of {', '.join(allowed)}")
        return value

    return check


def _boolean(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidOption(f"option {name!r} must be true or false")
    return value


def _whole(minimum: int) -> Validator:
    def check(name: str, value: Any) -> int:
        if not _is_int(value) or value < minimum:
            raise InvalidOption(f"option {name!r} must be a whole number >= {minimum}")
        return value

    return check


def _seed(name: str, value: Any) -> int | str:
    if not (_is_int(value) or isinstance(value, str)):
        raise InvalidOption(f"option {name!r} must be a whole number or a string")
    return value


def _share(name: str, value: Any) -> Fraction:
    number = _to_fraction(value)
    if number is None or not 0 <= number <= 1:
        raise InvalidOption(f"option {name!r} must be a number from 0 to 1")
    return number


def _decimals(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if not _is_int(value) or not 0 <= value <= 12:
        raise InvalidOption(f"option {name!r} must be null or a whole number from 0 to 12")
    return value


def _scale(name: str, value: Any) -> tuple[Fraction, Fraction]:
    bounds = [_to_fraction(v) for v in value] if isinstance(value, list) else []
    if len(bounds) != 2 or None in bounds or bounds[0] >= bounds[1]:
        raise InvalidOption(f"option {name!r} must be [lowest, highest] with lowest < highest")
    return bounds[0], bounds[1]


# STV presets: the Scottish statutory count, and RCTab's as configured for US cities.
STV_VARIANTS: dict[str, dict[str, Any]] = {
    "scottish": {
        "decimals": 5,
        "surplus_fraction": "exact",
        "surpluses": "largest_first",
        "transfer_final_surplus": False,
    },
    "rctab": {
        "decimals": 4,
        "surplus_fraction": "truncated",
        "surpluses": "all_per_round",
        "transfer_final_surplus": True,
    },
}

# option name -> (validator, default) per method; "seed" applies to every method.
METHOD_OPTIONS: dict[str, dict[str, tuple[Validator, Any]]] = {
    "majority": {
        "eligible": (_whole(0), None),
        "quorum": (_share, None),
        "threshold": (_one_of("simple", "two_thirds"), "simple"),
    },
    "approval": {},
    "score": {
        "scale": (_scale, (Fraction(0), Fraction(5))),
        "rank_by": (_one_of("sum", "mean"), "sum"),
    },
    "irv": {},
    "stv": {
        "variant": (_one_of(*STV_VARIANTS), "scottish"),
        "decimals": (_decimals, None),
        "surplus_fraction": (_one_of("exact", "truncated"), None),
        "surpluses": (_one_of("largest_first", "all_per_round"), None),
        "transfer_final_surplus": (_boolean, None),
    },
    "schulze": {},
    "pb_greedy": {
        "skip": (_boolean, True),
        "min_approvals": (_whole(0), 0),
    },
    "pb_equal_shares": {
        "utility": (_one_of("cost", "approval"), "cost"),
        "completion": (_one_of("none", "add1"), "none"),
    },
}


def default_options(method: str, given: Mapping[str, Any]) -> dict[str, Any]:
    """Return `given` completed with the method's defaults (and the STV variant's preset)."""
    options: dict[str, Any] = {"seed": 0}
    options.update((name, default) for name, (_, default) in METHOD_OPTIONS[method].items())
    options.update(given)
    if method == "stv":
        preset = STV_VARIANTS[options["variant"]]
        # A preset fills whatever the caller did not set explicitly.
        options.update((k, v) for k, v in preset.items() if k not in given)
    return options


def _parse_options(method: str, raw: Any) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise MalformedElection("'options' must be an object")
    specs = METHOD_OPTIONS[method]
    checked: dict[str, Any] = {}
    for name, value in raw.items():
        if name == "seed":
            checked["seed"] = _seed(name, value)
        elif name in specs:
            checked[name] = specs[name][0](name, value)
        else:
            known = ", ".join(["seed", *specs])
            raise InvalidOption(f"unknown option {name!r} for {method} (known: {known})")
    options = default_options(method, checked)
    if method == "majority" and options["quorum"] is not None and options["eligible"] is None:
        raise InvalidOption("option 'quorum' needs 'eligible' (the number of eligible voters)")
    return options


# --- parsing -------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _to_fraction(value: Any) -> Fraction | None:
    """Read a JSON number exactly (a float by its shortest decimal form), or None."""
    if _is_int(value):
        return Fraction(value)
    if isinstance(value, float) and math.isfinite(value):
        return Fraction(repr(value))
    return None


def _parse_count(where: str, raw: Mapping[str, Any]) -> int:
    count = raw.get("count", 1)
    if not _is_int(count):
        raise InvalidCount(f"{where}: 'count' must be a whole number")
    if count < 0:
        raise InvalidCount(f"{where}: 'count' must not be negative (got {count})")
    return count


def _known(where: str, name: Any, candidates: frozenset[str]) -> str:
    if not isinstance(name, str):
        raise MalformedElection(f"{where}: candidate names must be strings, got {name!r}")
    if name not in candidates:
        raise UnknownCandidate(f"{where}: unknown candidate {name!r}")
    return name


def _parse_ballot(
    where: str,
    raw: Any,
    method: str,
    candidates: frozenset[str],
    scale: tuple[Fraction, Fraction] | None,
) -> Ballot:
    if not isinstance(raw, Mapping):
        raise MalformedElection(f"{where}: a ballot must be an object")
    shape = BALLOT_SHAPES[method]
    shapes_given = sorted(k for k in raw if k in {"ranking", "approve", "scores", "choice"})
    if shapes_given != [shape]:
        got = ", ".join(repr(s) for s in shapes_given) or "no ballot field"
        raise WrongBallotShape(f"{where}: {method} ballots need {shape!r}, got {got}")
    extra = set(raw) - {shape, "count"}
    if extra:
        raise WrongBallotShape(f"{where}: unexpected field {sorted(extra)[0]!r}")
    count = _parse_count(where, raw)
    value = raw[shape]

    if shape == "choice":
        if value not in CHOICES:
            raise WrongBallotShape(f"{where}: 'choice' must be one of {', '.join(CHOICES)}")
        return ChoiceBallot(value, count)

    if shape == "scores":
        if not isinstance(value, Mapping):
            raise WrongBallotShape(f"{where}: 'scores' must be an object of candidate -> score")
        assert scale is not None
        scores = []
        for name, score in value.items():
            _known(where, name, candidates)
            number = _to_fraction(score)
            if number is None or not scale[0] <= number <= scale[1]:
                low, high = (_plain(b) for b in scale)
                raise WrongBallotShape(
                    f"{where}: score for {name!r} must be a number from {low} to {high}"
                )
            scores.append((name, number))
        # Sorted, so the same scores given in another order are the same ballot.
        return ScoreBallot(tuple(sorted(scores)), count)

    if not isinstance(value, list):
        raise WrongBallotShape(f"{where}: {shape!r} must be a list of candidates")
    names = [_known(where, name, candidates) for name in value]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            verb = "ranks" if shape == "ranking" else "approves"
            raise DuplicateChoice(f"{where}: {verb} {name!r} twice")
        seen.add(name)
    if shape == "ranking":
        return RankedBallot(tuple(names), count)
    return ApprovalBallot(frozenset(names), count)


def _plain(number: Fraction) -> str:
    return str(number.numerator) if number.denominator == 1 else str(float(number))


def _parse_projects(raw: Mapping[str, Any]) -> tuple[Fraction, tuple[Project, ...]]:
    budget = _to_fraction(raw.get("budget"))
    if budget is None or budget < 0:
        raise MalformedElection("'budget' must be a number >= 0")
    projects_raw = raw.get("projects")
    if not isinstance(projects_raw, list) or not projects_raw:
        raise InvalidProject("'projects' must be a non-empty list")
    projects = []
    seen: set[str] = set()
    for index, item in enumerate(projects_raw, start=1):
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            raise InvalidProject(f"project {index}: needs a string 'id'")
        project_id = item["id"]
        if project_id in seen:
            raise InvalidProject(f"project {project_id!r} is listed twice")
        seen.add(project_id)
        if "cost" not in item:
            raise InvalidProject(f"project {project_id!r} has no cost")
        cost = _to_fraction(item["cost"])
        if cost is None or cost < 0:
            raise InvalidProject(f"project {project_id!r}: cost must be a number >= 0")
        projects.append(Project(project_id, cost))
    return budget, tuple(projects)


def _raw_key(marks: Any) -> Hashable | None:
    """A hashable stand-in for a ballot's raw marks, or None when there is none."""
    try:
        if isinstance(marks, list):
            return tuple(marks)
        if isinstance(marks, dict):
            # The type is part of the key: a score of true must not pass as 1.
            return tuple(sorted((k, type(v).__name__, v) for k, v in marks.items()))
        if isinstance(marks, str):
            return marks
    except TypeError:  # unhashable or unsortable marks: validation will say what is wrong
        return None
    return None


def _parse_ballots(
    raw: list[Any],
    method: str,
    candidates: frozenset[str],
    scale: tuple[Fraction, Fraction] | None,
) -> tuple[Ballot, ...]:
    """Validate and merge the ballots, checking each distinct ballot once.

    Identical raw ballots are grouped before validation, so 100,000 ballots that
    repeat 800 rankings cost 100,000 dictionary look-ups and 800 validations. A ballot
    that is not in the plain form (`{shape: marks, "count": n}`) is validated on its own.
    """
    shape = BALLOT_SHAPES[method]
    first_seen: dict[Hashable, tuple[int, Any]] = {}
    totals: dict[Hashable, int] = {}
    parsed: list[Ballot] = []
    for index, item in enumerate(raw, start=1):
        if type(item) is dict and shape in item and len(item) <= 2:
            count = item.get("count", 1)
            key = _raw_key(item[shape])
            if (
                key is not None
                and type(count) is int
                and count >= 0
                and len(item) == 1 + ("count" in item)
            ):
                if key in totals:
                    totals[key] += count
                else:
                    first_seen[key] = (index, item)
                    totals[key] = count
                continue
        parsed.append(_parse_ballot(f"ballot {index}", item, method, candidates, scale))
    for key, (index, item) in first_seen.items():
        ballot = _parse_ballot(f"ballot {index}", item, method, candidates, scale)
        parsed.append(replace(ballot, count=totals[key]))
    return _merge(parsed)


def _merge(ballots: Iterable[Ballot]) -> tuple[Ballot, ...]:
    """Merge identical ballots (same marks) into one, summing counts; drop zero counts."""
    counts: dict[Ballot, int] = {}
    for ballot in ballots:
        if ballot.count:
            marks = replace(ballot, count=1)
            counts[marks] = counts.get(marks, 0) + ballot.count
    return tuple(replace(marks, count=count) for marks, count in counts.items())


def parse_election(raw: Any) -> Election:
    """Validate a decoded JSON election and return it as an `Election`.

    Raises an `ElectionError` subclass whose message names the first fault: an unknown
    method or candidate, a candidate ranked twice, a negative count, a project without
    a cost, a ballot of the wrong shape for the method, an unknown option.
    """
    if not isinstance(raw, Mapping):
        raise MalformedElection("an election must be a JSON object")
    unknown = set(raw) - ELECTION_KEYS - DESCRIPTIVE_KEYS
    if unknown:
        raise MalformedElection(f"unknown field {sorted(unknown)[0]!r}")
    method = raw.get("method")
    if not isinstance(method, str):
        raise MalformedElection("'method' is missing (a string such as \"irv\")")
    if method not in BALLOT_SHAPES:
        raise UnknownMethod(
            f"unknown method {method!r} (known: {', '.join(sorted(BALLOT_SHAPES))})"
        )
    options = _parse_options(method, raw.get("options"))

    budget: Fraction | None = None
    projects: tuple[Project, ...] = ()
    if method in BUDGET_METHODS:
        budget, projects = _parse_projects(raw)
        ids = tuple(p.id for p in projects)
        given = raw.get("candidates")
        if given is not None and (not isinstance(given, list) or set(given) != set(ids)):
            raise MalformedElection("'candidates' must be the project ids (or be left out)")
        candidates = ids
    else:
        for key in ("budget", "projects"):
            if key in raw:
                raise MalformedElection(f"{key!r} belongs to pb methods, not {method}")
        given = raw.get("candidates", [] if method == "majority" else None)
        if not isinstance(given, list) or not all(isinstance(c, str) for c in given):
            raise MalformedElection("'candidates' must be a list of names")
        if len(set(given)) != len(given):
            raise MalformedElection("'candidates' lists a name twice")
        if not given and method != "majority":
            raise MalformedElection("'candidates' must not be empty")
        candidates = tuple(given)

    seats = raw.get("seats", 1)
    if not _is_int(seats) or seats < 1:
        raise MalformedElection("'seats' must be a whole number >= 1")
    if method == "irv" and seats != 1:
        raise MalformedElection("irv fills one seat; use stv for more")
    if method in {"stv", "schulze", "approval", "score"} and seats > len(candidates):
        raise MalformedElection(f"'seats' ({seats}) exceeds the {len(candidates)} candidates")

    ballots_raw = raw.get("ballots")
    if not isinstance(ballots_raw, list):
        raise MalformedElection("'ballots' must be a list")
    ballots = _parse_ballots(ballots_raw, method, frozenset(candidates), options.get("scale"))
    return Election(
        method=method,
        candidates=candidates,
        ballots=ballots,
        seats=seats,
        options=options,
        budget=budget,
        projects=projects,
    )
