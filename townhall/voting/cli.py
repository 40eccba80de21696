"""`python -m townhall.voting [FILE]`: count one election given as JSON.

Reads FILE (or standard input), prints the result as JSON on standard output and
exits 0. Input that cannot be counted exits 2 with one line on standard error that
names the fault, never a traceback: the command is meant for officers and scripts.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from townhall.voting.ballots import ElectionError, parse_election
from townhall.voting.methods import tally

EXIT_BAD_INPUT = 2


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m townhall.voting",
        description="Count an election given as JSON and print the result as JSON.",
    )
    parser.add_argument("file", nargs="?", help="election JSON file (default: stdin)")
    args = parser.parse_args(argv)
    try:
        if args.file is None:
            text = sys.stdin.read()
        else:
            with open(args.file, encoding="utf-8") as handle:
                text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"cannot read {args.file or 'standard input'}: {exc}")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        return _fail(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
    except RecursionError:
        return _fail("invalid JSON: nested too deeply")
    try:
        result = tally(parse_election(raw))
    except ElectionError as exc:
        return _fail(str(exc))
    json.dump(result.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0
