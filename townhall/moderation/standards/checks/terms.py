"""Checks on words: blocked terms (seeing through disguises) and custom expressions."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import ClassVar

from townhall.moderation.standards.checks.finding import Finding, Subject, as_span
from townhall.moderation.standards.checks.obfuscation import compile_term, may_hide_terms
from townhall.moderation.standards.checks.options import OptionError, Options
from townhall.moderation.standards.model import Settings


class BlockedTerms:
    """Finds any of a clause's terms as a whole word, in any case or disguise."""

    name: ClassVar[str] = "blocked_terms"
    finds_text: ClassVar[bool] = True
    window: timedelta | None = None

    def __init__(self, terms: tuple[str, ...]) -> None:
        self._terms: list[tuple[str, str, re.Pattern[str]]] = []
        for term in dict.fromkeys(terms):  # drop repeats, keep the file's order
            try:
                key, pattern = compile_term(term)
            except ValueError as error:
                raise OptionError(f"{self.name}: {error}") from None
            self._terms.append((term, key, pattern))

    @classmethod
    def from_options(cls, options: Options, settings: Settings) -> BlockedTerms:
        """Build from `terms = [...]`."""
        return cls(options.strings("terms", required=True))

    def find(self, subject: Subject) -> Finding | None:
        """Return every blocked term in the post and where it is."""
        unfiltered = may_hide_terms(subject.text)
        skeleton = "" if unfiltered else subject.skeleton
        reasons: list[str] = []
        spans = []
        for term, key, pattern in self._terms:
            if not unfiltered and key not in skeleton:
                continue
            matches = [as_span(m) for m in pattern.finditer(subject.text)]
            if matches:
                reasons.append(f'blocked term "{term}"')
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
