"""Characters that look like Latin letters and digits, folded to them before the checks read a post.

People type "idiot" with Cyrillic i's, an NI number in full-width letters
and digits, a word in mathematical bold or "ìdiöt" with accents, and a word
list or a pattern for NI numbers reads straight past them. Every such character is mapped here to
the ASCII letter or digit it looks like, one character for one, so that an
offset found in the folded text is the same offset in the post.

Where a character looks like: Unicode's own confusables data (UTS #39), as the
confusable_homoglyphs package ships it; compatibility forms (NFKC: full width,
mathematical alphabets, circled letters); and accented Latin letters (the base
letter of NFKD). A few more that people use and the data does not map straight
to a letter are listed in `_EXTRA`.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from confusable_homoglyphs.confusables import confusables_data

# Look-alikes the data maps to something other than one ASCII letter (ø to
# "o" with a combining stroke, Cyrillic ka to the kra "ĸ") or not at all.
_EXTRA: dict[str, str] = {
    "\u00f8": "o",  # o with stroke
    "\u00d8": "O",
    "\u043a": "k",  # Cyrillic ka
    "\u041a": "K",
    "\u03ba": "k",  # Greek kappa
    "\u0138": "k",  # kra
    "\u00d7": "x",  # multiplication sign
    "\u03b5": "e",  # Greek epsilon
    "\u0131": "i",  # dotless i
    "\u0130": "I",  # dotted capital I (whose lower case is two characters)
    "\u0442": "t",  # Cyrillic te, as italics and handwriting show it
    "\u03c4": "t",  # Greek tau
    "\u0433": "r",  # Cyrillic ghe, as italics show it
    "\u0438": "u",  # Cyrillic i, as italics show it
    "\u043f": "n",  # Cyrillic pe, as italics show it
    "\u0432": "b",  # Cyrillic ve
    "\u043c": "m",  # Cyrillic em
    "\u043d": "h",  # Cyrillic en
    "\u0437": "3",  # Cyrillic ze
}

# Blocks where look-alikes live, so the table is complete without visiting
# every code point: Latin, IPA, Greek, Cyrillic, Armenian, Cherokee, phonetic
# extensions, letter-like symbols and number forms, enclosed letters, full width,
# mathematical alphanumerics, enclosed alphanumerics supplement.
_BLOCKS = (
    (0x80, 0x0590),
    (0x13A0, 0x1400),
    (0x1D00, 0x1F00),
    (0x2100, 0x2190),
    (0x2460, 0x2500),
    (0xFF00, 0xFF70),
    (0x1D400, 0x1D800),
    (0x1F100, 0x1F1AE),
)


def _ascii_alnum(text: str) -> str | None:
    """The one ASCII letter or digit a short string stands for, ignoring combining marks."""
    kept = [c for c in text if not unicodedata.combining(c)]
    if len(kept) == 1 and kept[0].isascii() and kept[0].isalnum():
        return kept[0]
    return None


def _from_data(char: str) -> str | None:
    """What Unicode's confusables data says a character looks like, as one ASCII letter or digit."""
    seen = {char}
    frontier = [char]
    # Follow a short chain: Cyrillic "к" -> "ĸ"; Greek "τ" -> small capital T -> "T".
    for _ in range(3):
        found: list[str] = []
        following: list[str] = []
        for current in frontier:
            for entry in confusables_data.get(current, ()):
                target = entry["c"]
                plain = _ascii_alnum(target)
                if plain is not None:
                    found.append(plain)
                elif len(target) == 1 and target not in seen:
                    seen.add(target)
                    following.append(target)
        if found:
            return _best(char, found)
        frontier = following
    return None


def _best(char: str, candidates: list[str]) -> str:
    """Choose among look-alikes: a letter for a letter and a digit for a digit, in its case."""
    is_digit = unicodedata.category(char) == "Nd"
    kind = [c for c in candidates if c.isdigit() == is_digit] or candidates
    cased = [c for c in kind if c.islower() == char.islower()] or kind
    return sorted(cased)[0]


def _plain(char: str) -> str | None:
    """The ASCII letter or digit a character looks like, or None when it looks like none."""
    if char in _EXTRA:
        return _EXTRA[char]
    compatible = _ascii_alnum(unicodedata.normalize("NFKC", char))
    if compatible is not None:
        return compatible
    decomposed = [c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)]
    if len(decomposed) != 1:  # a ligature ("ﬁ") is two letters, not one
        return None
    (base,) = decomposed
    if base.isascii():
        return base if base.isalnum() else None
    return _from_data(char) or _from_data(base)


@cache
def _table() -> dict[int, str]:
    """The translation table, built on the first text that needs it (some 0.2 s)."""
    table: dict[int, str] = {}
    codes = {code for low, high in _BLOCKS for code in range(low, high)}
    codes.update(ord(key) for key in confusables_data if len(key) == 1)
    codes.update(ord(key) for key in _EXTRA)
    for code in sorted(codes):
        char = chr(code)
        if char.isascii() or unicodedata.category(char).startswith(("Z", "C")):
            continue
        plain = _plain(char)
        if plain is not None:
            table[code] = plain
    return table


def unconfuse(text: str) -> str:
    """Replace look-alike characters with the ASCII letters and digits they look like.

    Case is kept where the look-alike has one (Cherokee GO, U+13AA, -> "A");
    the result has the same length as the text.
    """
    if text.isascii():
        return text
    return text.translate(_table())


def fold(text: str) -> str:
    """Lower-case the text with look-alike characters made plain, one character for one.

    The result has the same length as the text, so offsets found in it are
    offsets in the text.
    """
    folded = unconfuse(text).lower()
    if len(folded) != len(text):  # a letter whose lower case is longer, left as it was
        folded = "".join(c if len(c.lower()) > 1 else c.lower() for c in unconfuse(text))
    return folded
