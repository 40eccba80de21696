"""The rule engine's cost grows linearly with a post, whatever the post holds.

A comment of "*a" repeated used to cost seconds in the blocked-terms
expressions, which backtracked (issue 14). Each text below is built to make
some check work as hard as it can; the time per character at 50,000
characters must stay within four times the time per character at 5,000.
A ratio within one test, best of several runs, so a busy shared machine
slows both sides alike; a super-linear check fails it by far (ten times the
text, a hundred times the time).
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime

import pytest

from townhall.moderation.standards import (
    AuthorContext,
    Post,
    RecentPost,
    Standards,
    check_post,
    parse_standards,
)
from townhall.moderation.standards.loader import DEFAULT_STANDARDS

SMALL, LARGE = 5_000, 50_000
BOUND = 4.0
NOW = datetime(2025, 11, 12, 10, 0, tzinfo=UTC)

# Repeated to the length wanted: each stresses a check (named after the shape).
SHAPES = {
    "star and letter": "*a",
    "letter and dot": "a.",
    "letters and dots": "a.a.a.",
    "a term's letters dotted": "i.d.i.o.t.",
    "a term's letters spaced": "s h i t ",
    "a phrase's letters spaced": "k i l l y o u ",
    "a term's letters dashed": "m-o-r-o-n-",
    "a term stretched": "idiooooot",
    "a stretched letter": "a",
    "letters and symbols for them": "sss555$$$",
    "a star before each letter": "*d*",
    "ones and bangs": "1!|",
    "look-alike letters": "\u0456\u043e\u0430",
    "digits": "0",
    "spaced digits": "0 ",
    "dotted digits": "0.",
    "phone-like groups": "07700 ",
    "international prefixes": "+44 ",
    "number separators": "1-",
    "at signs": "a@",
    "dotted local parts": "a.a@",
    "domains": "a.com/",
    "www": "www.",
    "capitals": "A",
    "NI-like": "AB12",
    "house numbers": "1 A ",
    "postcodes": "ZZ1 1ZZ ",
    "flats": "flat 1 ",
    "birth dates": "born 01/02/1980 ",
    "dates": "01/",
    "sort codes": "12-34-56 ",
    "account words": "account ",
    "money": "£1,",
    "earn a day": "earn 5 ",
}


def _everything_everywhere() -> Standards:
    """The default standards with every clause applying to every kind and role."""
    text = re.sub(r"(?m)^(kinds|roles) = .*$", "", DEFAULT_STANDARDS.read_text(encoding="utf-8"))
    text = re.sub(r"(?m)^\[settings\]$", '[settings]\nkinds = ["comment"]', text)
    return parse_standards(text)


@pytest.fixture(scope="module")
def standards() -> Standards:
    return _everything_everywhere()


class TooSlow(Exception):
    """A run took far longer than a linear check would."""


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Stop a run that overruns (the regular-expression engine checks for signals)."""

    def stop(signum: int, frame: object) -> None:
        raise TooSlow

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _best(run: Callable[[], object], times: int, limit: float | None = None) -> float:
    """The fastest of several runs; a run over `limit` seconds is stopped and counts as slow."""
    best = float("inf")
    for _ in range(times):
        start = time.perf_counter()
        try:
            with _deadline(limit) if limit else nullcontext():
                run()
        except TooSlow:
            continue
        best = min(best, time.perf_counter() - start)
    return best


def _text(unit: str, length: int) -> str:
    return (unit * (length // len(unit) + 1))[:length]


def _post(text: str) -> Post:
    recent = (RecentPost(text[:200], NOW), RecentPost("An ordinary earlier comment", NOW))
    author = AuthorContext(role="citizen", approved_posts=10, recent_posts=recent, now=NOW)
    return Post(text, "comment", author)


@pytest.mark.parametrize("unit", SHAPES.values(), ids=SHAPES.keys())
def test_cost_per_character_stays_flat(standards: Standards, unit: str) -> None:
    small, large = _post(_text(unit, SMALL)), _post(_text(unit, LARGE))
    check_post(standards, small)  # warm up: compile, build tables
    per_char_small = _best(lambda: check_post(standards, small), 7) / SMALL
    per_char_large = _best(lambda: check_post(standards, large), 3) / LARGE
    ratio = per_char_large / per_char_small
    assert ratio <= BOUND, (
        f"time per character at {LARGE:,} is {ratio:.1f} times that at {SMALL:,} "
        f"({per_char_small * SMALL * 1000:.2f} ms; "
        f"{LARGE:,}: {per_char_large * LARGE * 1000:.2f} ms)"
    )
