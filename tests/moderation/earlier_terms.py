"""The blocked-terms expression as it was before it was made linear, kept as a yardstick.

It backtracks (a long text of "*a" took seconds), so tests run it only on
short texts, to show that the linear matcher still finds whatever it found.
"""

from __future__ import annotations

import re
from functools import cache

from townhall.moderation.standards.checks.look_alikes import fold

_SUBSTITUTES = {
    "a": "4@^",
    "b": "8",
    "c": "(<¢",
    "e": "3€",
    "g": "9",
    "h": "#",
    "i": "1!|",
    "l": "1!|",
    "o": "0°",
    "s": "5$§",
    "t": "7+",
    "u": "v",
}
_VOWELS = "aeiou"
_DISGUISE_CHARS = "".join(sorted(set("".join(_SUBSTITUTES.values()) + "*")))
_GAP = "(?:[^\\w\\s" + re.escape(_DISGUISE_CHARS) + "]|_)"


def _class(letter: str) -> str:
    chars = letter + _SUBSTITUTES.get(letter, "") + ("*" if letter in _VOWELS else "")
    return f"[{re.escape(chars)}]" if len(chars) > 1 else re.escape(chars)


def _joined(word: str) -> str:
    parts = []
    for run in re.finditer(r"(.)\1*", word):
        letter, length = run.group(1), len(run.group())
        cls = _class(letter)
        parts.append(f"{cls}(?:{cls}{{2,}})?" if length == 1 else f"{cls}{{{length},}}")
    return f"{_GAP}{{0,2}}".join(parts)


@cache
def earlier_pattern(term: str) -> re.Pattern[str]:
    """The earlier expression for a term, over folded text."""
    words = ["".join(re.findall(r"[^\W_]+", word)) for word in fold(term).split()]
    words = [w for w in words if w]
    letters = "".join(words)
    gap = f"(?:\\s|{_GAP})"
    joined = f"{gap}{{0,3}}".join(_joined(w) for w in words)
    spaced = f"{gap}{{1,3}}".join(_class(c) for c in letters)
    return re.compile(rf"(?={_class(letters[0])})(?<![^\W_])(?:{joined}|{spaced})[sz5$]?(?![^\W_])")
