"""Checks on words: blocked terms (seeing through disguises) and custom expressions."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import ClassVar

from townhall.moderation.standards.checks.finding import Finding, Subject, as_span
from townhall.moderation.standards.checks.obfuscation import (
    may_hide_terms,
    term_key,
    term_pattern,
)
from townhall.moderation.standards.checks.options import OptionError, Options
from townhall.moderation.standards.model import Settings, Span


class BlockedTerm:
    """One term of a list: its skeleton for the filter, and its expression when first needed.

    A disguise-aware expression takes milliseconds to compile and most terms
    never appear, so each is compiled on the first post whose skeleton holds
    the term rather than at start-up (some 0.4 s for the default lists). The
    term itself is checked when the standards load; its expression is built
    from escaped characters and cannot fail to compile.
    """

    __slots__ = ("_pattern", "key", "term")

    def __init__(self, term: str) -> None:
        self.term = term
        self.key = term_key(term)
        self._pattern: re.Pattern[str] | None = None

    @property
    def pattern(self) -> re.Pattern[str]:
        """The compiled expression (see obfuscation.term_pattern)."""
        if self._pattern is None:
            self._pattern = re.compile(term_pattern(self.term))
        return self._pattern


class BlockedTerms:
    """Finds any of a clause's terms as a whole word, in any case or disguise."""

    name: ClassVar[str] = "blocked_terms"
    finds_text: ClassVar[bool] = True
    window: timedelta | None = None

    def __init__(self, terms: tuple[str, ...]) -> None:
        self._terms: list[BlockedTerm] = []
        for term in dict.fromkeys(terms):  # drop repeats, keep the file's order
            try:
                self._terms.append(BlockedTerm(term))
            except ValueError as error:
                raise OptionError(f"{self.name}: {error}") from None

    @classmethod
    def from_options(cls, options: Options, settings: Settings) -> BlockedTerms:
        """Build from `terms = [...]`."""
        return cls(options.strings("terms", required=True))

    def find(self, subject: Subject) -> Finding | None:
        """Return every blocked term in the post and where it is."""
        text = subject.text
        unfiltered = may_hide_terms(text)
        skeleton = "" if unfiltered else subject.skeleton
        reasons: list[str] = []
        spans: list[Span] = []
        for term in self._terms:
            if not unfiltered and term.key not in skeleton:
                continue
            # Matched in the folded text, which has the same offsets as the original.
            matches = [
                Span(m.start(), m.end(), text[m.start() : m.end()])
                for m in term.pattern.finditer(subject.folded)
            ]
            if matches:
                reasons.append(f'blocked term "{term.term}"')
                spans.extend(matches)
        return Finding(tuple(reasons), tuple(spans)) if reasons else None


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
