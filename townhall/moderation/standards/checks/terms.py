"""Checks on words: blocked terms (seeing through disguises) and custom expressions."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import ClassVar

from townhall.moderation.standards.checks.finding import Finding, Subject, as_span
from townhall.moderation.standards.checks.obfuscation import TermMatcher
from townhall.moderation.standards.checks.options import OptionError, Options
from townhall.moderation.standards.model import Settings, Span

#: Ordinary words that a term with an ending spells, for the default lists and
#: the terms councils commonly add (found by running them over a dictionary of
#: British English): "prating" is not "prat", nor "titter" "tit".
ORDINARY_WORDS: frozenset[str] = frozenset(
    [
        "prated",
        "prates",
        "prating",
        "titter",
        "titters",
        "tittered",
        "tittering",
        "cocked",
        "cocker",
        "cockers",
        "cocking",
        "cocky",
        "dicker",
        "dickers",
        "dicky",
        "sexes",
        "hoed",
        "hoes",
        "hoer",
        "tarter",
        "crapes",
        "bummer",
        "bummers",
    ]
)


class BlockedTerms:
    """Finds any of a clause's terms as a whole word, in any case, disguise or ending.

    `allowed_words` names ordinary words that a term with an ending spells
    and that are not meant ("titter" for "tit"); a few are built in.
    """

    name: ClassVar[str] = "blocked_terms"
    finds_text: ClassVar[bool] = True
    window: timedelta | None = None

    def __init__(self, terms: tuple[str, ...], allowed_words: tuple[str, ...] = ()) -> None:
        ordinary = ORDINARY_WORDS | {word.casefold() for word in allowed_words}
        try:
            self._matcher = TermMatcher(terms, frozenset(ordinary))
        except ValueError as error:
            raise OptionError(f"{self.name}: {error}") from None
        self._order = {term: index for index, term in enumerate(self._matcher.terms)}

    @classmethod
    def from_options(cls, options: Options, settings: Settings) -> BlockedTerms:
        """Build from `terms = [...]` and, optionally, `allowed_words = [...]`."""
        return cls(options.strings("terms", required=True), options.strings("allowed_words"))

    def find(self, subject: Subject) -> Finding | None:
        """Return every blocked term in the post and where it is."""
        if not self._matcher.may_find(subject.skeleton, coarse=subject.has_mask):
            return None
        text = subject.text
        found = list(self._matcher.find(subject.lettering, text))
        if not found:
            return None
        terms = sorted({match.term for match in found}, key=self._order.__getitem__)
        spans = tuple(Span(m.start, m.end, text[m.start : m.end]) for m in found)
        return Finding(tuple(f'blocked term "{term}"' for term in terms), spans)


class Patterns:
    """Finds a council's own regular expressions (any case), for what a word list cannot say."""

    name: ClassVar[str] = "patterns"
    finds_text: ClassVar[bool] = True
    window: timedelta | None = None

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self._patterns: list[tuple[str, re.Pattern[str]]] = []
        for source in patterns:
            try:
                compiled = re.compile(source, re.IGNORECASE)
            except re.error as error:
                raise OptionError(
                    f"{self.name}: bad regular expression {source!r}: {error}"
                ) from None
            if compiled.search(""):
                # An expression that matches nothing at all would hit every post.
                raise OptionError(f"{self.name}: {source!r} matches an empty text")
            self._patterns.append((source, compiled))

    @classmethod
    def from_options(cls, options: Options, settings: Settings) -> Patterns:
        """Build from `patterns = [...]` (Python regular expressions)."""
        return cls(options.strings("patterns", required=True))

    def find(self, subject: Subject) -> Finding | None:
        """Return every match of every expression."""
        spans = []
        for _, pattern in self._patterns:
            spans.extend(as_span(m) for m in pattern.finditer(subject.text) if m.end() > m.start())
        if not spans:
            return None
        return Finding(tuple(f'matches "{s.text}"' for s in spans), tuple(spans))
