"""How people disguise a blocked word, and one expression per word list that sees through it.

A term is matched as a whole word in any case, through the disguises people
use to slip past a word list:

- digits and symbols for letters ("1d10t", "m0r0n", "$cum"), accented letters
  and look-alikes from other scripts ("ìdiöt", or "idiot" with Cyrillic i's;
  see look_alikes);
- a star for a vowel ("id*ot");
- a letter stretched to three or more ("idiooooot"); a doubled letter is left
  alone, because doubling is ordinary spelling ("Pratt" is a surname);
- punctuation between letters ("i.d.i.o.t", "m-o-r-o-n"), or every letter
  spaced out ("i d i o t"). A space inside an otherwise joined word is not
  accepted, so "as S. Smith said" cannot spell a term across two words;
- an ending: -s, -es, -ed, -ing, -er, -ers, -y ("idiots", "prats", "scummy",
  "pissed off", "numpties"). Words of a phrase shorter than four letters take
  none, so "they accused" is not "the accused".

Whole words keep "Scunthorpe", "class", "Essex" and "therapist" clean.

Why the cost is linear in the text: every repetition in the expressions is
bounded. A stretched letter would need an unbounded one, so the text is first
reduced to its `Lettering`, in which a run of four or more of the same
character is cut to three (a map leads back to the text's offsets); then
"three or more" is "three". Each starting position is tried against a fixed
amount of expression, and all of a check's terms are one expression, so a
post is read once per check however long it is and whatever it holds.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from townhall.moderation.standards.checks.look_alikes import fold

__all__ = [
    "Lettering",
    "TermMatch",
    "TermMatcher",
    "fold",
    "skeleton",
    "term_key",
    "term_pattern",
    "term_words",
]

# Characters people type in place of a letter.
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
_VOWELS = "aeiou"
#: A star hides a vowel: "id*ot".
MASK = "*"
_DISGUISE_CHARS = "".join(sorted(set("".join(_SUBSTITUTES.values()) + MASK)))
# Punctuation that may sit between letters: not letters, digits or spaces, and
# not a character that itself stands for a letter (else "!" would be both).
_GAP = "(?:[^\\w\\s" + re.escape(_DISGUISE_CHARS) + "]|_)"
_TERM_WORD = re.compile(r"[^\W_]+")
# Four or more of one letter (or a character standing for one): cut to three.
_LONG_RUN = re.compile(rf"([^\W_]|[{re.escape(_DISGUISE_CHARS)}])\1{{3,}}")


def _same_letter_table() -> dict[int, str]:
    """Map each symbol that stands for one letter only to that letter ("$" -> "s").

    Runs are found in the text mapped so, and "sss555" is one stretched s.
    Symbols that stand for several letters ("1" for i or l, a star) stay as
    they are: a run of them mixed with letters is not cut.
    """
    owners: dict[str, set[str]] = {}
    for letter, symbols in _SUBSTITUTES.items():
        for symbol in symbols:
            owners.setdefault(symbol, set()).add(letter)
    return {
        ord(symbol): letters.pop()
        for symbol, letters in owners.items()
        if len(letters) == 1 and not symbol.isalpha()
    }


_SAME_LETTER = _same_letter_table()
_NOT_AFTER_LETTER = r"(?<![^\W_])"
_NOT_BEFORE_LETTER = r"(?![^\W_])"

# Endings a word may take, and those that may follow a doubled last consonant.
_ENDINGS = ("ers", "ing", "er", "es", "ed", "s", "y")
_DOUBLED_ENDINGS = ("ers", "ing", "er", "ed", "y")
_E_ENDINGS = ("rs", "r", "d", "s", "y")  # after a final e: "shited", "tossers"
_Y_ENDINGS = ("ers", "er", "es", "ed")  # in place of a final y: "numpties"
#: Words of a phrase shorter than this take no ending ("the", "you", "my").
_INFLECTED_IN_PHRASE = 4
#: A one-word term shorter than this takes no ending.
_INFLECTED_ALONE = 3


class Lettering:
    """A folded text with every run of four or more of one letter cut to three.

    A run may mix a letter with the symbols that stand only for it ("sss555").

    `text` is what the term expressions read; `offset(i)` turns an offset in
    it back into an offset in the post. A post without such runs (nearly
    every post) is its own lettering.
    """

    __slots__ = ("_cut", "_starts", "text")

    def __init__(self, folded: str) -> None:
        self._starts: list[int] = []  # where each cut run ends, in `text`
        self._cut: list[int] = []  # characters removed up to and including that run
        letters = folded.translate(_SAME_LETTER)
        if not _LONG_RUN.search(letters):
            self.text = folded
            return
        pieces: list[str] = []
        position = removed = 0
        for run in _LONG_RUN.finditer(letters):
            pieces.append(folded[position : run.start() + 3])
            removed += len(run.group()) - 3
            self._starts.append(run.start() + 3 - (removed - (len(run.group()) - 3)))
            self._cut.append(removed)
            position = run.end()
        pieces.append(folded[position:])
        self.text = "".join(pieces)

    def offset(self, index: int) -> int:
        """The offset in the post of offset `index` in the lettering."""
        if not self._starts:
            return index
        passed = bisect_right(self._starts, index)
        return index + (self._cut[passed - 1] if passed else 0)


def term_words(term: str) -> list[str]:
    """Split a blocked term into its words of letters and digits ("you're" -> "youre")."""
    words = ["".join(_TERM_WORD.findall(word)) for word in fold(term).split()]
    return [word for word in words if word]


def _class(letter: str) -> str:
    chars = letter + _SUBSTITUTES.get(letter, "") + (MASK if letter in _VOWELS else "")
    return f"[{re.escape(chars)}]" if len(chars) > 1 else re.escape(chars)


def _run(letter: str, length: int) -> str:
    """A run of one letter as written in the term; in the lettering, a stretch is three."""
    cls = _class(letter)
    if length == 1:
        return f"{cls}(?:{cls}{cls})?"  # one, or stretched to three; never two
    if length == 2:
        return f"{cls}{cls}{cls}?"
    return f"{cls}{cls}{{{length - 1}}}"


def _spelled(word: str) -> str:
    """The letters of a suffix, each in any of its disguises."""
    return "".join(_class(letter) for letter in word)


def _either(options: Sequence[str]) -> str:
    return "(?:" + "|".join(options) + ")"


def _joined(word: str, inflected: bool) -> str:
    """Pattern for one word written joined up, perhaps with punctuation between letters."""
    runs = [(run.group(1), len(run.group())) for run in re.finditer(r"(.)\1*", word)]
    gap = f"{_GAP}{{0,2}}"
    body = gap.join(_run(letter, length) for letter, length in runs[:-1])
    last, length = runs[-1]
    if not inflected:
        return body + (gap if body else "") + _run(last, length)
    endings = [_spelled(e) for e in (_E_ENDINGS if last == "e" else _ENDINGS)]
    alternatives = [_run(last, length) + f"(?:{_either(endings)})?"]
    before = runs[-2][0] if len(runs) > 1 else ""
    if length == 1 and last not in _VOWELS + "lwxy" and before in _VOWELS:
        # A short vowel and a consonant double it before most endings: "scummy".
        # Not an l, whose double and a y make adverbs ("officially").
        doubled = _either([_spelled(e) for e in _DOUBLED_ENDINGS])
        alternatives.append(_class(last) + _class(last) + doubled)
    if last == "y" and length == 1 and before and before not in _VOWELS:
        alternatives.append(_class("i") + _either([_spelled(e) for e in _Y_ENDINGS]))
    if last == "e" and length == 1 and body:
        alternatives.append(_either([_spelled(e) for e in ("ing", "ers", "er", "ed")]))
    ending = alternatives[0] if len(alternatives) == 1 else _either(alternatives)
    return body + (gap if body else "") + ending


def term_pattern(term: str) -> str:
    """Return the expression that finds a term, in disguise, in a post's lettering.

    Raises ValueError when the term has fewer than two letters or digits.
    """
    first, rest = _first_and_rest(term)
    return _class(first) + rest


def _inflects(word: str, alone: bool) -> bool:
    """Whether a word of a term may take an ending."""
    return len(word) >= (_INFLECTED_ALONE if alone else _INFLECTED_IN_PHRASE) and word.isalpha()


def _first_and_rest(term: str) -> tuple[str, str]:
    """A term's first letter, and the expression for what follows it (see term_pattern).

    Both ways of writing a term start with its first letter, which the
    matcher reads once for all the terms that share it.
    """
    words = term_words(term)
    letters = "".join(words)
    if len(letters) < 2:
        raise ValueError(f"term {term!r} needs at least two letters")
    alone = len(words) == 1
    inflects = [_inflects(word, alone) for word in words]
    between = f"(?:\\s|{_GAP}){{0,3}}"
    joined = between.join(_joined(w, i) for w, i in zip(words, inflects, strict=True))
    spaced = f"(?:\\s|{_GAP}){{1,3}}".join(_class(c) for c in letters)
    first = _class(letters[0])
    if not (joined.startswith(first) and spaced.startswith(first)):  # pragma: no cover
        raise AssertionError(f"the expression for {term!r} does not start with its first letter")
    rest = f"(?:{joined[len(first) :]}|{spaced[len(first) :]})"
    return letters[0], rest + _NOT_BEFORE_LETTER


@dataclass(frozen=True, slots=True)
class TermMatch:
    """One term found in a post: which, and where in the post."""

    term: str
    start: int
    end: int


def _skeleton_table(coarse: bool) -> dict[int, str | None]:
    """The translation to a skeleton: disguises undone, punctuation and spaces dropped.

    Several letters share "1", "!" and "|", so l reads as i (and v as u) to
    keep the skeleton a superset of what the expressions accept. The coarse
    table, for texts with a star (which may be any vowel), also reads every
    vowel, and y, as "a".
    """
    merged = dict.fromkeys(_VOWELS + "lvy", "a") if coarse else {"l": "i", "v": "u"}
    # ASCII punctuation and spaces are dropped here, where str.translate is fast.
    table: dict[int, str | None] = {code: None for code in range(128) if not chr(code).isalnum()}
    for letter, symbols in _SUBSTITUTES.items():
        for symbol in symbols:
            table[ord(symbol)] = merged.get(letter, letter)
    for letter, into in merged.items():
        table[ord(letter)] = into
    if coarse:
        table[ord(MASK)] = "a"
    return table


_SKELETON = _skeleton_table(coarse=False)
_COARSE_SKELETON = _skeleton_table(coarse=True)
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")
# Repeats of the character before; the lookbehind lets sub() drop them without a template.
_RUNS = re.compile(r"(?<=(.))\1+")


def skeleton(folded: str, coarse: bool = False) -> str:
    """Reduce folded text to an outline for the quick test of whether a term may be there.

    Disguises are undone, everything but letters and digits is dropped, and
    runs are collapsed. Whenever a term's expression finds it, each part of
    the term's key is in the skeleton (term_key); the converse need not hold.
    A text with a star needs the coarse skeleton, in which every vowel is "a".
    """
    reduced = folded.translate(_COARSE_SKELETON if coarse else _SKELETON)
    if not reduced.isascii():  # punctuation beyond ASCII, such as a dash or curly quote
        reduced = _NOT_LETTER_OR_DIGIT.sub("", reduced)
    return _RUNS.sub("", reduced)


def term_key(term: str, coarse: bool = False) -> tuple[str, ...]:
    """The parts of a term's skeleton that every text in which it is found holds.

    A word that may take an ending ends a part ("pissed off" holds "pis"
    and "of"), and counts without a last e or y ("hoping", "numpties").
    """
    words = term_words(term)
    alone = len(words) == 1
    parts: list[str] = []
    current = ""
    for word in words:
        if _inflects(word, alone):
            # An ending may follow the word (or replace its e or y): the part ends here.
            parts.append(current + (word[:-1] if word[-1] in "ey" else word))
            current = ""
        else:
            current += word
    parts.append(current)
    return tuple(skeleton(part, coarse) for part in parts if part)


class _Keys:
    """Terms' keys, tested against a skeleton with as little Python as possible per post."""

    def __init__(self, keys: Iterable[tuple[str, ...]]) -> None:
        unique = set(keys)
        self._whole = tuple(sorted({key[0] for key in unique if len(key) == 1}, key=len))
        self._parted = tuple(key for key in unique if len(key) > 1)

    def any_in(self, skeleton: str) -> bool:
        """Whether every part of some key is in the skeleton."""
        if any(map(skeleton.__contains__, self._whole)):
            return True
        return any(all(map(skeleton.__contains__, key)) for key in self._parted)


class TermMatcher:
    """All of a word list as one expression, read once over a post's lettering.

    Terms are grouped by their first letter, so that at each place a word
    starts only the terms that could begin there are tried. Where two terms
    match at the same place, the longer is reported. The expression runs
    only when some term's key is in the post's skeleton, which most posts
    are spared.
    """

    def __init__(self, terms: Sequence[str], ordinary_words: frozenset[str] = frozenset()) -> None:
        self.terms = tuple(dict.fromkeys(terms))
        self._ordinary = ordinary_words
        self._keys = _Keys(term_key(term) for term in self.terms)
        self._coarse_keys = _Keys(term_key(term, coarse=True) for term in self.terms)
        by_letter: dict[str, list[tuple[int, str]]] = {}
        for index, term in enumerate(self.terms):
            first, rest = _first_and_rest(term)  # ValueError for a term without letters
            by_letter.setdefault(first, []).append((index, rest))
        groups = []
        for letter, entries in by_letter.items():
            entries.sort(key=lambda entry: -len(self.terms[entry[0]]))
            branches = "|".join(f"(?P<t{index}>{rest})" for index, rest in entries)
            # Each group starts with a character set, which the engine tests
            # before entering it: at a word's start, only one group is entered.
            groups.append(f"{_class(letter)}(?:{branches})")
        self._pattern = re.compile(_NOT_AFTER_LETTER + _either(groups))

    def may_find(self, skeleton: str, coarse: bool = False) -> bool:
        """Whether a text with this skeleton may hold a term: False means it holds none."""
        return (self._coarse_keys if coarse else self._keys).any_in(skeleton)

    def find(self, lettering: Lettering, text: str) -> Iterator[TermMatch]:
        """Yield every term in the text (whose lettering is given), in order of position.

        Matches may overlap: after each, the search goes on from the next
        character rather than from the match's end.
        """
        position = 0
        search = self._pattern.search
        while found := search(lettering.text, position):
            position = found.start() + 1
            start, end = lettering.offset(found.start()), lettering.offset(found.end())
            term = self.terms[int(found.lastgroup[1:])]  # type: ignore[index]
            if _plain_word(text[start:end]) in self._ordinary:
                continue
            yield TermMatch(term, start, end)


def _plain_word(text: str) -> str:
    return "".join(_TERM_WORD.findall(fold(text)))
