"""What every check shares: the post under examination, the check protocol, a finding."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property, lru_cache
from typing import ClassVar, Protocol

from townhall.moderation.standards.checks.look_alikes import fold, unconfuse
from townhall.moderation.standards.checks.obfuscation import MASK, Lettering, skeleton
from townhall.moderation.standards.checks.urls import find_links
from townhall.moderation.standards.model import Post, Span

_WORD = re.compile(r"[^\W_]+")
_PUNCTUATION_TO_SPACE = {code: " " for code in range(128) if not chr(code).isalnum()}


@dataclass(frozen=True, slots=True)
class Finding:
    """What one check found in one post: reasons in plain words and, if any, where."""

    reasons: tuple[str, ...]
    spans: tuple[Span, ...] = ()


class Subject:
    """One post under examination, with the derived forms that several checks share.

    Each derived form is computed at most once per post and only when a check
    asks for it, which keeps the common case (a polite post) cheap.
    """

    def __init__(self, post: Post) -> None:
        self.post = post
        self.text = post.text

    @cached_property
    def plain(self) -> str:
        """The text with look-alike letters and digits made ASCII, case kept (same length).

        Checks that read numbers and codes read this, so that a phone number in
        full-width digits or an NI number typed with Cyrillic letters is seen
        for what it is.
        """
        return unconfuse(self.text)

    @cached_property
    def folded(self) -> str:
        """The text in lower case with accented and look-alike letters made plain (same length)."""
        return fold(self.text)

    @cached_property
    def digits(self) -> int:
        """How many digits the text holds: checks for numbers skip a text with too few."""
        return sum(map(self.plain.count, "0123456789"))

    @cached_property
    def has_mask(self) -> bool:
        """Whether the text has a star, which may stand for any vowel."""
        return MASK in self.text

    @cached_property
    def skeleton(self) -> str:
        """The text reduced for the blocked-terms filter (see obfuscation.skeleton).

        Coarse when the text has a star, which may stand for any vowel.
        """
        return skeleton(self.folded, coarse=self.has_mask)

    @cached_property
    def lettering(self) -> Lettering:
        """The folded text as the blocked-terms expressions read it (see obfuscation.Lettering)."""
        return Lettering(self.folded)

    @cached_property
    def links(self) -> list[tuple[Span, str]]:
        """The links in the text with their hosts (see urls.find_links)."""
        return find_links(self.text)

    @cached_property
    def words(self) -> frozenset[str]:
        """The distinct words of the text, case-folded, for near-duplicate comparison."""
        return word_set(self.text)


@lru_cache(maxsize=4096)
def word_set(text: str) -> frozenset[str]:
    """The distinct words of a text, case-folded.

    Cached because an author's recent posts are compared with each new post
    they make, so the same few texts come back again and again.
    """
    if text.isascii():  # the common case, split without a regular expression
        return frozenset(text.lower().translate(_PUNCTUATION_TO_SPACE).split())
    return frozenset(_WORD.findall(text.casefold()))


class Check(Protocol):
    """A test a clause binds to; built once from the standards file, then run per post."""

    name: ClassVar[str]
    finds_text: ClassVar[bool]
    """Whether findings carry spans, so that a redact clause can use the check."""
    window: timedelta | None
    """How much of the author's history the check reads; None when it reads none."""

    def find(self, subject: Subject) -> Finding | None:
        """Return what the post breaks, or None when it passes."""
        ...


def as_span(match: re.Match[str]) -> Span:
    """Turn a regular-expression match into a span of the original text."""
    return Span(match.start(), match.end(), match.group())
