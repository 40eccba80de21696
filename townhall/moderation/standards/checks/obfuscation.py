"""How people disguise a blocked word, and how a term is compiled to see through it.

A term is matched as a whole word in any case, through the disguises people
use to slip past a word list:

- digits and symbols for letters ("1d10t", "m0r0n", "$cum"), accented letters
  and look-alike Cyrillic letters ("ìdiöt", or "idiot" typed with a Cyrillic i);
- a star for a vowel ("id*ot");
- a letter stretched to three or more ("idiooooot"); a doubled letter is left
  alone, because doubling is ordinary spelling ("Pratt" is a surname);
- punctuation between letters ("i.d.i.o.t", "m-o-r-o-n"), or every letter
  spaced out ("i d i o t"). A space inside an otherwise joined word is not
  accepted, so "as S. Smith said" cannot spell a term across two words.

Whole words keep "Scunthorpe", "class", "Essex" and "therapist" clean. Running
one such regular expression per term over every post would be slow, so each
post is first reduced to a `skeleton` (lower case, disguises mapped back to
letters, everything but letters and digits dropped, runs collapsed) and a
term's regular expression runs only when the term's own skeleton occurs in it.
The skeleton only ever over-matches, never misses, so the filter is safe.
"""

from __future__ import annotations

import re
import unicodedata

# Characters people type in place of a letter. Several letters share "1", "!"
# and "|", so the skeleton folds "l" into "i" (and "v" into "u") to stay a
# superset of what the precise expressions accept.
_SUBSTITUTES: dict[str, str] = {
    "a": "4@^\u0430\u03b1",  # look-alikes U+0430, U+03B1
    "b": "8",
    "c": "(<¢\u0441",  # look-alikes U+0441
    "e": "3€\u0435",  # look-alikes U+0435
    "g": "9",
    "h": "#\u04bb",  # look-alikes U+04BB
    "i": "1!|\u0456\u0131",  # look-alikes U+0456, U+0131
    "k": "\u043a",  # look-alikes U+043A
    "l": "1!|",
    "o": "0°ø\u043e\u03bf",  # look-alikes U+043E, U+03BF
    "p": "\u0440",  # look-alikes U+0440
    "s": "5$§\u0455",  # look-alikes U+0455
    "t": "7+",
    "u": "v",
    "x": "\u00d7\u0445",  # look-alikes U+0445
    "y": "\u0443",  # look-alikes U+0443
}
_FOLDED_LETTERS = {"l": "i", "v": "u"}
_VOWELS = "aeiou"
#: A star hides a vowel: "id*ot". Stars are rare, so a post with one skips the filter.
MASK = "*"


def _accented() -> dict[str, str]:
    """Map accented Latin letters (both cases) to their base letter: é -> e."""
    found: dict[str, str] = {}
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = unicodedata.normalize("NFKD", char)[:1].lower()
        if char.isalpha() and base.isascii() and base.isalpha() and base != char.lower():
            found[char] = base
    return found


_ACCENTED = _accented()


def _letter_chars(letter: str) -> str:
    """Every character that may stand for `letter` in a disguised term."""
    chars = letter + _SUBSTITUTES.get(letter, "")
    chars += "".join(c for c, base in _ACCENTED.items() if base == letter)
    if letter in _VOWELS:
        chars += MASK
    return chars


def _skeleton_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for letter, subs in _SUBSTITUTES.items():
        for char in subs:
            table[ord(char)] = _FOLDED_LETTERS.get(letter, letter)
    for char, base in _ACCENTED.items():
        if char.islower():  # the text is lower-cased before the table applies
            table[ord(char)] = _FOLDED_LETTERS.get(base, base)
    for letter, folded in _FOLDED_LETTERS.items():
        table[ord(letter)] = folded
    return table


_TABLE = _skeleton_table()
_DISGUISE_CHARS = frozenset("".join(_SUBSTITUTES.values()) + MASK)
# Punctuation that may sit between letters: not letters, digits or spaces, and
# not a character that itself stands for a letter (else "!" would be both).
_GAP = "[^\\w\\s" + "".join(re.escape(c) for c in sorted(_DISGUISE_CHARS)) + "]|_"
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")
_RUNS = re.compile(r"(.)\1+")
_TERM_WORD = re.compile(r"[^\W_]+")


def skeleton(text: str) -> str:
    """Reduce text to lower-case letters and digits with disguises undone and runs collapsed."""
    reduced = _NOT_LETTER_OR_DIGIT.sub("", text.lower().translate(_TABLE))
    return _RUNS.sub(r"\1", reduced)


def term_words(term: str) -> list[str]:
    """Split a blocked term into its words of letters and digits ("you're" -> "youre")."""
    return ["".join(_TERM_WORD.findall(word)) for word in term.lower().split()]


def _class(letter: str) -> str:
    chars = _letter_chars(letter)
    return "[" + "".join(re.escape(c) for c in chars) + "]" if len(chars) > 1 else re.escape(chars)


def _joined(word: str) -> str:
    """Pattern for one word written joined up, perhaps with punctuation between letters."""
    parts = []
    for run in re.finditer(r"(.)\1*", word):
        letter, length = run.group(1), len(run.group())
        cls = _class(letter)
        # One letter may be stretched to three or more; a run keeps its length or grows.
        parts.append(f"{cls}(?:{cls}{cls}+)?" if length == 1 else f"{cls}{{{length},}}")
    return f"(?:{_GAP}){{0,2}}".join(parts)


def compile_term(term: str) -> tuple[str, re.Pattern[str]]:
    """Compile a blocked term; return its skeleton (for the filter) and its expression.

    Raises ValueError when the term has fewer than two letters or digits.
    """
    words = [w for w in term_words(term) if w]
    letters = "".join(words)
    if len(letters) < 2:
        raise ValueError(f"term {term!r} needs at least two letters")
    gap = f"(?:\\s|{_GAP})"
    joined = f"{gap}{{0,3}}".join(_joined(w) for w in words)
    spaced = f"{gap}{{1,3}}".join(_class(c) for c in letters)
    pattern = rf"(?<![^\W_])(?:{joined}|{spaced})[sz5$]?(?![^\W_])"
    return skeleton(" ".join(words)), re.compile(pattern, re.IGNORECASE)


def may_hide_terms(text: str) -> bool:
    """Whether the text uses a disguise the skeleton cannot see through (a star)."""
    return MASK in text
