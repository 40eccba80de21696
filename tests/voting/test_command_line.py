"""`python -m townhall.voting`: every ballot shape in, every malformed input refused.

Each case runs the real command in a subprocess. Starting Python and importing the
`townhall` package (which imports Flask) takes over half a second, so all cases are
launched together once per module and each test then checks its own; reading from a
file rather than stdin is exercised on two shapes, not all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

GOOD: dict[str, dict[str, Any]] = {
    "ranking": {
        "method": "irv",
        "seats": 1,
        "candidates": ["A", "B", "C"],
        "ballots": [
            {"ranking": ["A", "C"], "count": 3},
            {"ranking": ["B"], "count": 2},
            {"ranking": ["C", "B"], "count": 2},
        ],
        "options": {"seed": 7},
    },
    "ranking_stv": {
        "method": "stv",
        "seats": 2,
        "candidates": ["A", "B", "C"],
        "ballots": [{"ranking": ["A", "B"], "count": 5}, {"ranking": ["C"], "count": 3}],
    },
    "ranking_schulze": {
        "method": "schulze",
        "candidates": ["A", "B"],
        "ballots": [{"ranking": ["B", "A"]}],
    },
    "approve": {
        "method": "approval",
        "candidates": ["A", "B"],
        "ballots": [{"approve": ["A", "B"]}, {"approve": ["B"], "count": 2}],
    },
    "scores": {
        "method": "score",
        "candidates": ["A", "B"],
        "ballots": [{"scores": {"A": 4, "B": 5}}, {"scores": {"A": 5}, "count": 2}],
    },
    "choice": {
        "method": "majority",
        "ballots": [{"choice": "for", "count": 3}, {"choice": "against"}, {"choice": "abstain"}],
        "options": {"quorum": 0.5, "eligible": 8},
    },
    "approve_pb_greedy": {
        "method": "pb_greedy",
        "budget": 1000,
        "projects": [{"id": "P1", "cost": 400}, {"id": "P2", "cost": 700}],
        "ballots": [{"approve": ["P1", "P2"], "count": 2}, {"approve": ["P2"]}],
    },
    "approve_pb_equal_shares": {
        "method": "pb_equal_shares",
        "budget": 1000,
        "projects": [{"id": "P1", "cost": 400}, {"id": "P2", "cost": 700}],
        "ballots": [{"approve": ["P1"], "count": 2}, {"approve": ["P2"]}],
        "options": {"completion": "add1"},
    },
}
EXPECTED_WINNERS = {
    "ranking": ["B"],
    "ranking_stv": ["A", "C"],
    "ranking_schulze": ["B"],
    "approve": ["B"],
    "scores": ["A"],
    "choice": ["for"],
    "approve_pb_greedy": ["P2"],
    "approve_pb_equal_shares": ["P1"],
}

FROM_FILE = ["ranking", "approve_pb_greedy"]


def _irv(**changes: Any) -> str:
    return json.dumps({**GOOD["ranking"], **changes})


BAD: dict[str, tuple[str, str]] = {
    # case: (stdin, words the one-line message must contain)
    "invalid_json": ('{"method": "irv",', "invalid JSON"),
    "not_an_object": ("[1, 2]", "JSON object"),
    "unknown_method": (_irv(method="borda"), "unknown method 'borda'"),
    "unknown_candidate": (_irv(ballots=[{"ranking": ["A", "Z"]}]), "unknown candidate 'Z'"),
    "ranked_twice": (_irv(ballots=[{"ranking": ["A", "B", "A"]}]), "ranks 'A' twice"),
    "negative_count": (_irv(ballots=[{"ranking": ["A"], "count": -1}]), "must not be negative"),
    "fractional_count": (_irv(ballots=[{"ranking": ["A"], "count": 1.5}]), "whole number"),
    "pb_project_without_cost": (
        json.dumps({**GOOD["approve_pb_greedy"], "projects": [{"id": "P1"}, {"id": "P2"}]}),
        "project 'P1' has no cost",
    ),
    "wrong_shape": (_irv(ballots=[{"approve": ["A"]}]), "irv ballots need 'ranking'"),
    "wrong_shape_scores": (
        json.dumps({**GOOD["scores"], "ballots": [{"ranking": ["A"]}]}),
        "score ballots need 'scores'",
    ),
    "wrong_shape_choice": (
        json.dumps({**GOOD["choice"], "ballots": [{"choice": "maybe"}]}),
        "'choice' must be one of",
    ),
    "score_out_of_range": (
        json.dumps({**GOOD["scores"], "ballots": [{"scores": {"A": 6}}]}),
        "from 0 to 5",
    ),
    "unknown_option": (_irv(options={"seeed": 1}), "unknown option 'seeed'"),
    "missing_method": (json.dumps({"candidates": ["A"], "ballots": []}), "'method' is missing"),
}


def _run(args: list[str], stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "townhall.voting", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    folder = tmp_path_factory.mktemp("elections")
    jobs: dict[str, tuple[list[str], str]] = {}
    for name, election in GOOD.items():
        jobs[f"stdin:{name}"] = ([], json.dumps(election))
    for name in FROM_FILE:
        path = folder / f"{name}.json"
        path.write_text(json.dumps(GOOD[name]), encoding="utf-8")
        jobs[f"file:{name}"] = ([str(path)], "")
    for name, (stdin, _) in BAD.items():
        jobs[f"bad:{name}"] = ([], stdin)
    jobs["bad:missing_file"] = ([str(folder / "absent.json")], "")
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        futures = {key: pool.submit(_run, *job) for key, job in jobs.items()}
        return {key: future.result() for key, future in futures.items()}


@pytest.mark.parametrize(
    "case", [f"stdin:{name}" for name in sorted(GOOD)] + [f"file:{name}" for name in FROM_FILE]
)
def test_every_ballot_shape_is_counted(runs, case: str) -> None:
    run = runs[case]
    name = case.split(":", 1)[1]
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    result = json.loads(run.stdout)
    assert result["winners"] == EXPECTED_WINNERS[name]
    assert result["method"] == GOOD[name]["method"]
    assert isinstance(result["rounds"], list) and result["rounds"]
    assert isinstance(result["ties"], list)


@pytest.mark.parametrize("name", sorted([*BAD, "missing_file"]))
def test_malformed_input_exits_2_with_one_line(runs, name: str) -> None:
    run = runs[f"bad:{name}"]
    assert run.returncode == 2
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("error: ")
    if name in BAD:
        assert BAD[name][1] in lines[0]
    else:
        assert "cannot read" in lines[0]
