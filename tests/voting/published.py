"""Read the published elections in ../shared/elections and turn them into engine input.

The files are never copied into the project. Where they are is, in order: the
TOWNHALL_ELECTIONS_DIR environment variable, else `shared/elections` beside the
repository root. Missing files skip the tests that need them and say why, except
under CI=true, where they must be present and their absence fails the run.

The vectors speak the sources' languages: `approved` for `approve`, `pb_mes` for
`pb_equal_shares`, and ranks that may be blank (`null`) or overvoted (a list of
names, or `{"overvote": true}`), which the engine's ballots cannot be. Conversion
applies the vector's own rules, as RCTab and Burlington count them:

- overvote `exhaust` (RCTab exhaustImmediately): the ballot stops at that rank;
  `skip` (alwaysSkipToNextRank): that rank is passed over.
- blank ranks: skipped, but more than `maxSkippedRanksAllowed` in a row (a leading
  blank counts) stops the ballot there.
- a candidate ranked again later is passed over (exhaustOnDuplicateCandidate false).
- a ballot with no mark at all is an undervote: RCTab never counts it, so it is
  left out; a ballot whose marks all fall away this way stays, as an empty ranking
  that is exhausted from the first round (RCTab's "inactive" ballots).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def _configured_dir() -> Path:
    configured = os.environ.get("TOWNHALL_ELECTIONS_DIR")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "elections"


def elections_dir() -> Path:
    """Return the published elections folder, or skip (fail under CI) when it is absent."""
    folder = _configured_dir()
    if not (folder / "vectors").is_dir():
        reason = (
            f"published elections not found at {folder} "
            "(set TOWNHALL_ELECTIONS_DIR to the folder holding vectors/)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason + "; CI=true requires them")
        pytest.skip(reason)
    return folder


def vector_names() -> list[str]:
    """Names of the vectors present (empty when the folder is absent: tests then skip)."""
    return sorted(p.stem for p in (_configured_dir() / "vectors").glob("*.json"))


def load_vector(name: str) -> dict[str, Any]:
    """Load one vector by file stem."""
    path = elections_dir() / "vectors" / f"{name}.json"
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _is_overvote(position: Any) -> bool:
    return isinstance(position, dict) or (isinstance(position, list) and len(position) > 1)


def convert_ranking(positions: list[Any], overvote: str, max_skipped: int | None) -> list[str]:
    """Apply overvote, blank-rank and duplicate rules to one paper ranking."""
    ranking: list[str] = []
    blanks = 0
    for position in positions:
        if isinstance(position, list) and len(position) == 1:
            position = position[0]  # one name marked at a rank is an ordinary mark
        if position is None:
            blanks += 1
            if max_skipped is not None and blanks > max_skipped:
                break
            continue
        if _is_overvote(position):
            if overvote == "exhaust":
                break
            continue
        blanks = 0
        if position not in ranking:
            ranking.append(position)
    return ranking


def ranking_rules(rules: Mapping[str, Any]) -> tuple[str, int | None]:
    """Read (overvote rule, max consecutive blank ranks) from a vector's rules."""
    if "overvoteRule" in rules:  # RCTab's configuration keys
        overvote = {"exhaustImmediately": "exhaust", "alwaysSkipToNextRank": "skip"}[
            rules["overvoteRule"]
        ]
        return overvote, int(rules["maxSkippedRanksAllowed"])
    overvote = rules.get("overvote", "exhaust")
    return overvote, None if rules.get("skipped_ranks", "skip") == "skip" else 0


def ranked_ballots(vector: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The vector's ranked ballots as engine ballots (undervotes left out)."""
    overvote, max_skipped = ranking_rules(vector["rules"])
    ballots = []
    for ballot in vector["ballots"]:
        if all(position is None for position in ballot["ranking"]):
            continue
        ranking = convert_ranking(ballot["ranking"], overvote, max_skipped)
        ballots.append({"ranking": ranking, "count": ballot["count"]})
    return ballots


def is_rctab(vector: Mapping[str, Any]) -> bool:
    return "overvoteRule" in vector["rules"]


def to_engine(vector: Mapping[str, Any], method: str | None = None) -> dict[str, Any]:
    """Convert a vector to the engine's election input (optionally for another method)."""
    source = vector["method"]
    rules = vector["rules"]
    if source in {"irv", "stv"}:
        election = {
            "method": method or source,
            "seats": vector["seats"],
            "candidates": vector["candidates"],
            "ballots": ranked_ballots(vector),
        }
        if (method or source) == "stv":
            election["options"] = {"variant": "rctab" if is_rctab(vector) else "scottish"}
        return election
    if source == "approval":
        return {
            "method": "approval",
            "seats": vector["seats"],
            "candidates": vector["candidates"],
            "ballots": [{"approve": b["approved"], "count": b["count"]} for b in vector["ballots"]],
        }
    if source == "score":
        return {
            "method": "score",
            "seats": vector["seats"],
            "candidates": vector["candidates"],
            "ballots": [{"scores": b["scores"], "count": b["count"]} for b in vector["ballots"]],
            # Częstochowa's points run 1..10 per marked project.
            "options": {"scale": [1, 10]},
        }
    election = {
        "budget": vector["budget"],
        "projects": [{"id": p["id"], "cost": p["cost"]} for p in vector["projects"]],
        "ballots": [{"approve": b["approved"], "count": b["count"]} for b in vector["ballots"]],
    }
    if source == "pb_greedy":
        options = {"skip": rules["skip_unaffordable"]}
        if "min_project_score_threshold" in rules:
            options["min_approvals"] = rules["min_project_score_threshold"]
        return {"method": "pb_greedy", "options": options, **election}
    if source == "pb_mes":
        options = {"utility": rules["utilities"], "completion": rules["completion"]}
        return {"method": "pb_equal_shares", "options": options, **election}
    raise ValueError(f"no conversion for method {source!r}")


def decimal(value: Any) -> Decimal:
    """Read a published number (RCTab writes decimal strings)."""
    return Decimal(str(value))


def close(ours: Any, theirs: Any, places: int = 4) -> bool:
    """Equal to `places` decimal places (RCTab prints 4)."""
    exact = theirs if isinstance(theirs, Fraction | int) else Fraction(decimal(theirs))
    return abs(Fraction(ours) - exact) < Fraction(5, 10 ** (places + 1))
