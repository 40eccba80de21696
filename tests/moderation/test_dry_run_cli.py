"""The dry run, `python -m townhall.moderation`, run as a separate process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


def dry_run(
    lines: list[str], *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the command line with the lines on stdin."""
    environment = {k: v for k, v in os.environ.items() if k != "TOWNHALL_STANDARDS"}
    return subprocess.run(
        [sys.executable, "-m", "townhall.moderation", *args],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=environment | (env or {}),
        timeout=60,
        check=False,
    )


def outputs(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def post(text: str, kind: str = "comment", **extra: Any) -> str:
    return json.dumps({"text": text, "kind": kind, **extra}, ensure_ascii=False)


def test_one_decision_per_post() -> None:
    result = dry_run(
        [
            post("I support the new cycle lane."),
            post("Call me on 07700 900123 about it"),
            post("What an 1d10t"),
            post("Only the café on Mill Road is open — ëveryone go there"),
        ]
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert outputs(result) == [
        {"action": "allow", "clauses": [], "text": "I support the new cycle lane."},
        {
            "action": "redact",
            "clauses": ["3.2"],
            "text": "Call me on [removed: personal details] about it",
        },
        {"action": "reject", "clauses": ["1.1"], "text": "What an 1d10t"},
        {
            "action": "allow",
            "clauses": [],
            "text": "Only the café on Mill Road is open — ëveryone go there",
        },
    ]


def test_invalid_lines_are_reported_and_the_run_goes_on() -> None:
    result = dry_run(
        [
            post("First, fine."),
            "this is not json",
            "",
            '["a list"]',
            '{"kind": "comment"}',
            post("hello", kind="tweet"),
            post("hello", author={"role": "king"}),
            post("hello", author={"now": "yesterday"}),
            post("Last, fine."),
        ]
    )
    assert result.returncode == 0
    lines = outputs(result)
    assert [line.get("line") for line in lines] == [None, 2, 4, 5, 6, 7, 8, None]
    errors = {line["line"]: line["error"] for line in lines if "error" in line}
    assert errors[2].startswith("line 2: not JSON")
    assert errors[4] == 'line 4: expected an object such as {"text": "...", "kind": "comment"}'
    assert errors[5] == 'line 5: "text" must be a string'
    assert errors[6].startswith("line 6: unknown kind 'tweet'")
    assert errors[7].startswith("line 7: author: unknown role 'king'")
    assert errors[8] == "line 8: \"author.now\" 'yesterday' is not an ISO date and time"
    assert lines[-1]["text"] == "Last, fine."


def test_author_context_is_read() -> None:
    now = "2026-04-10T09:00:00+01:00"
    earlier = {"text": "The 20mph limit should cover Church Street too.", "at": "2026-04-10T08:30"}
    result = dry_run(
        [
            post("Hello, I am new here.", author={"approved_posts": 0}),
            post(
                "Recycling centre opens Monday.",
                "announcement",
                author={"role": "officer", "now": now},
            ),
            post(earlier["text"], author={"now": "2026-04-10T09:00", "recent_posts": [earlier]}),
        ]
    )
    assert [(o["action"], o["clauses"]) for o in outputs(result)] == [
        ("hold", ["8.1"]),
        ("hold", ["9.1"]),
        ("reject", ["4.2"]),
    ]


def test_explain_adds_reasons() -> None:
    (line,) = outputs(dry_run([post("You m0r0n")], "--explain"))
    assert line["why"] == [
        {
            "clause": "1.1",
            "title": "Do not abuse, insult or harass anyone",
            "action": "reject",
            "reasons": ['blocked term "moron"'],
            "matched": ["m0r0n"],
        }
    ]


def test_own_standards_file(tmp_path: Path) -> None:
    path = tmp_path / "parish.toml"
    path.write_text(
        '[[clause]]\nnumber = "1"\ntitle = "No talk of turnips"\naction = "hold"\n'
        '[[clause.check]]\ntype = "blocked_terms"\nterms = ["turnip"]\n',
        encoding="utf-8",
    )
    lines = [post("Turnips again!"), post("What an idiot")]
    by_option = outputs(dry_run(lines, "--standards", str(path)))
    by_environment = outputs(dry_run(lines, env={"TOWNHALL_STANDARDS": str(path)}))
    expected = [
        {"action": "hold", "clauses": ["1"], "text": "Turnips again!"},
        {"action": "allow", "clauses": [], "text": "What an idiot"},
    ]
    assert by_option == by_environment == expected


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cannot read the standards file"),
        ("[[clause]\n", "not valid TOML"),
        (
            '[[clause]]\nnumber = "3.2"\ntitle = "t"\naction = "redact"\n'
            '[[clause.check]]\ntype = "emails"\n',
            "clause 3.2: unknown check 'emails'",
        ),
    ],
)
def test_bad_standards_file_exits_2_with_one_line(
    tmp_path: Path, content: str | None, expected: str
) -> None:
    path = tmp_path / "bad.toml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = dry_run([post("hello")], "--standards", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert expected in result.stderr
    assert str(path) in result.stderr
