"""Dry run: hold posts read as JSON lines to the channel standards, without the app.

    python -m townhall.moderation [--standards FILE] [--explain] < posts.jsonl

Each input line is a post: {"text": "...", "kind": "comment"}, with optional
"author": {"role": "citizen", "approved_posts": 3, "now": "2026-04-01T10:00",
"recent_posts": [{"text": "...", "at": "2026-04-01T09:55"}]}. Without an
author, the post is treated as from an established citizen (enough approved
posts, no recent ones), so the run shows what the text alone would get.

Each output line is {"action": ..., "clauses": [...], "text": ...}: the text is
as it would be published, with redactions. An invalid line gets
{"error": "line N: ...", "line": N} and the run goes on; blank lines are
skipped. Exit status: 0 when the run finished (even with invalid lines),
2 when the standards file is unusable.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

from townhall.moderation.standards import (
    DEFAULT_STANDARDS,
    AuthorContext,
    Decision,
    Post,
    RecentPost,
    Standards,
    StandardsError,
    UnknownKind,
    check_post,
    load_standards,
)


class InvalidLine(ValueError):
    """An input line that is not a post; the message says what is wrong."""


def _when(value: Any, what: str) -> datetime:
    if not isinstance(value, str):
        raise InvalidLine(f"{what} must be an ISO date and time such as 2026-04-01T10:00")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidLine(f"{what} {value!r} is not an ISO date and time") from None
    # Naive times are read as UTC, so that naive and aware times can be compared.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def read_author(data: Any, standards: Standards) -> AuthorContext:
    """Build the author context from a line's "author" object (or its absence)."""
    if data is None:
        return AuthorContext(approved_posts=standards.settings.new_account_hold)
    if not isinstance(data, dict):
        raise InvalidLine('"author" must be an object')
    unknown = sorted(set(data) - {"role", "approved_posts", "recent_posts", "now"})
    if unknown:
        raise InvalidLine(f'unknown key "author.{unknown[0]}"')
    role = data.get("role", "citizen")
    approved = data.get("approved_posts", standards.settings.new_account_hold)
    if isinstance(approved, bool) or not isinstance(approved, int):
        raise InvalidLine('"author.approved_posts" must be a whole number')
    now = _when(data["now"], '"author.now"') if "now" in data else datetime.now(UTC)
    recent = data.get("recent_posts", [])
    if not isinstance(recent, list):
        raise InvalidLine('"author.recent_posts" must be a list')
    posts = []
    for index, item in enumerate(recent):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise InvalidLine(f'"author.recent_posts[{index}]" needs "text" and "at"')
        posts.append(RecentPost(item["text"], _when(item.get("at"), f"recent_posts[{index}].at")))
    try:
        return AuthorContext(role, approved, tuple(posts), now)
    except ValueError as error:
        raise InvalidLine(f"author: {error}") from None


def read_post(line: str, standards: Standards) -> Post:
    """Parse one input line into a post; raise InvalidLine when it is not one."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise InvalidLine(f"not JSON: {error.msg} at column {error.colno}") from None
    if not isinstance(data, dict):
        raise InvalidLine('expected an object such as {"text": "...", "kind": "comment"}')
    text = data.get("text")
    if not isinstance(text, str):
        raise InvalidLine('"text" must be a string')
    kind = data.get("kind", "comment")
    if not isinstance(kind, str):
        raise InvalidLine('"kind" must be a string')
    return Post(text, kind, read_author(data.get("author"), standards))


def describe(decision: Decision, explain: bool) -> dict[str, Any]:
    """The output object for one decision."""
    result: dict[str, Any] = {
        "action": str(decision.action),
        "clauses": decision.clause_numbers,
        "text": decision.text,
    }
    if explain:
        result["why"] = [
            {
                "clause": hit.number,
                "title": hit.title,
                "action": str(hit.action),
                "reasons": list(hit.reasons),
                "matched": [span.text for span in hit.spans],
            }
            for hit in decision.clauses
        ]
    return result


def run(standards: Standards, lines: Iterable[bytes], out: TextIO, explain: bool = False) -> None:
    """Check each line as a post and write one JSON line per input line that is not blank."""
    for number, raw in enumerate(lines, start=1):
        result: Mapping[str, Any]
        try:
            line = raw.decode("utf-8")
            if not line.strip():
                continue
            decision = check_post(standards, read_post(line, standards))
            result = describe(decision, explain)
        except UnicodeDecodeError:
            result = {"error": f"line {number}: not UTF-8 text", "line": number}
        except (InvalidLine, UnknownKind) as error:
            result = {"error": f"line {number}: {error}", "line": number}
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()


def main(argv: list[str] | None = None) -> int:
    """Run the dry run; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m townhall.moderation",
        description="Hold posts (JSON lines on stdin) to the channel standards; "
        "write one decision per line.",
    )
    parser.add_argument(
        "--standards",
        metavar="FILE",
        default=os.environ.get("TOWNHALL_STANDARDS") or str(DEFAULT_STANDARDS),
        help="the standards file (default: $TOWNHALL_STANDARDS, else the shipped default)",
    )
    parser.add_argument(
        "--explain", action="store_true", help="add each clause's title, reasons and matches"
    )
    args = parser.parse_args(argv)
    try:
        standards = load_standards(args.standards)
    except StandardsError as error:
        print(f"error: {error}".replace("\n", " "), file=sys.stderr)
        return 2
    sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    try:
        run(standards, sys.stdin.buffer, sys.stdout, explain=args.explain)
    except BrokenPipeError:
        # The reader stopped early (`| head`): not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
