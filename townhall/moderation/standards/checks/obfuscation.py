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

Matching runs on the text with accented and look-alike letters folded to
plain ones, one character for one, so offsets still point into the original.
"""

from __future__ import annotations

import re
import unicodedata

# Letters from other alphabets that look like Latin ones, folded before matching.
_LOOK_ALIKES: dict[str, str] = {
    "a": "\u0430\u03b1",  # Cyrillic a, Greek alpha
    "c": "\u0441",  # Cyrillic es
    "e": "\u0435",  # Cyrillic ie
    "h": "\u04bb",  # Cyrillic shha
    "i": "\u0456\u0131",  # Cyrillic i, dotless i
    "k": "\u043a",  # Cyrillic ka
    "o": "\u00f8\u043e\u03bf",  # o with stroke, Cyrillic o, Greek omicron
    "p": "\u0440",  # Cyrillic er
    "s": "\u0455",  # Cyrillic dze
    "x": "\u00d7\u0445",  # multiplication sign, Cyrillic ha
    "y": "\u0443",  # Cyrillic u
}
# Characters people type in place of a letter. Several letters share "1", "!"
# and "|", so the skeleton folds "l" into "i" (and "v" into "u") to stay a
# superset of what the precise expressions accept.
_SUBSTITUTES: dict[str, str] = {
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
_FOLDED_LETTERS = {"l": "i", "v": "u"}
_VOWELS = "aeiou"
#: A star hides a vowel: "id*ot". Stars are rare, so a post with one skips the filter.
MASK = "*"


def _fold_table() -> dict[int, str]:
    """Map accented Latin letters and look-alikes (both cases) to a plain letter: É -> e."""
    table: dict[int, str] = {}
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = unicodedata.normalize("NFKD", char)[:1].lower()
        if char.isalpha() and base.isascii() and base.isalpha() and base != char.lower():
            table[code] = base
    for letter, chars in _LOOK_ALIKES.items():
        for char in chars:
            table[ord(char)] = letter
            table[ord(char.upper())] = letter
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """Lower-case the text and make accented and look-alike letters plain, one for one.

    The result has the same length as the text, so offsets found in it are
    offsets in the text. (The one letter whose lower case is two characters,
    the dotted capital I, is folded to "i" first.)
    """
    if text.isascii():  # most posts: nothing to fold, and lower() is much faster
        return text.lower()
    folded = text.translate(_FOLD).lower()
    if len(folded) != len(text):  # pragma: no cover - a letter Unicode may add later
        folded = "".join(c if len(c.lower()) > 1 else c.lower() for c in text.translate(_FOLD))
    return folded


def _skeleton_table() -> dict[int, str | None]:
    # ASCII punctuation and spaces are dropped here, where str.translate is fast.
    table: dict[int, str | None] = {code: None for code in range(128) if not chr(code).isalnum()}
    for letter, subs in _SUBSTITUTES.items():
        for char in subs:
            table[ord(char)] = _FOLDED_LETTERS.get(letter, letter)
    for letter, folded in _FOLDED_LETTERS.items():
        table[ord(letter)] = folded
    return table


_SKELETON = _skeleton_table()
_DISGUISE_CHARS = "".join(sorted(set("".join(_SUBSTITUTES.values()) + MASK)))
# Punctuation that may sit between letters: not letters, digits or spaces, and
# not a character that itself stands for a letter (else "!" would be both).
_GAP = "(?:[^\\w\\s" + re.escape(_DISGUISE_CHARS) + "]|_)"
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")
# Repeats of the letter before; the lookbehind lets sub() drop them without a template.
_RUNS = re.compile(r"(?<=(.))\1+")
_TERM_WORD = re.compile(r"[^\W_]+")


def skeleton(folded: str) -> str:
    """Reduce folded text to letters and digits, disguises undone, runs collapsed."""
    reduced = folded.translate(_SKELETON)
    if not reduced.isascii():  # punctuation beyond ASCII, such as a dash or curly quote
        reduced = _NOT_LETTER_OR_DIGIT.sub("", reduced)
    return _RUNS.sub("", reduced)


def term_words(term: str) -> list[str]:
    """Split a blocked term into its words of letters and digits ("you're" -> "youre")."""
    return ["".join(_TERM_WORD.findall(word)) for word in fold(term).split()]


def _class(letter: str) -> str:
    chars = letter + _SUBSTITUTES.get(letter, "") + (MASK if letter in _VOWELS else "")
    return f"[{re.escape(chars)}]" if len(chars) > 1 else re.escape(chars)


def _joined(word: str) -> str:
    """Pattern for one word written joined up, perhaps with punctuation between letters."""
    parts = []
    for run in re.finditer(r"(.)\1*", word):
        letter, length = run.group(1), len(run.group())
        cls = _class(letter)
        # One letter may be stretched to three or more; a run keeps its length or grows.
        parts.append(f"{cls}(?:{cls}{{2,}})?" if length == 1 else f"{cls}{{{length},}}")
    return f"{_GAP}{{0,2}}".join(parts)


def term_key(term: str) -> str:
    """Return a term's skeleton, which the filter looks for in a post's skeleton.

    Raises ValueError when the term has fewer than two letters or digits.
    """
    words = [w for w in term_words(term) if w]
    if len("".join(words)) < 2:
        raise ValueError(f"term {term!r} needs at least two letters")
    return skeleton(" ".join(words))


def term_pattern(term: str) -> str:
    """Return the regular expression that finds a term, in disguise, in folded text."""
    words = [w for w in term_words(term) if w]
    letters = "".join(words)
    gap = f"(?:\\s|{_GAP})"
    joined = f"{gap}{{0,3}}".join(_joined(w) for w in words)
    spaced = f"{gap}{{1,3}}".join(_class(c) for c in letters)
    # The leading lookahead on the first letter lets the engine skip ahead by
    # character set instead of trying the whole expression at every position.
    return rf"(?={_class(letters[0])})(?<![^\W_])(?:{joined}|{spaced})[sz5$]?(?![^\W_])"


def compile_term(term: str) -> tuple[str, re.Pattern[str]]:
    """Return a term's skeleton and its compiled expression; ValueError as for term_key."""
    return term_key(term), re.compile(term_pattern(term))


def may_hide_terms(text: str) -> bool:
    """Whether the text uses a disguise the skeleton cannot see through (a star)."""
    return MASK in text
