"""The shape of a text rather than its words: its length, and capitals used as shouting."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import ClassVar

from townhall.moderation.standards.checks.finding import Finding, Subject
from townhall.moderation.standards.checks.options import OptionError, Options
from townhall.moderation.standards.model import Settings

_CAPITALS = re.compile("[A-Z\u00c0-\u00d6\u00d8-\u00de\u0391-\u03a9\u0410-\u042f]")


class Length:
    """Finds a text (spaces at either end not counted) shorter or longer than allowed."""

    name: ClassVar[str] = "length"
    finds_text: ClassVar[bool] = False
    window: timedelta | None = None

    def __init__(self, min_chars: int | None = None, max_chars: int | None = None) -> None:
        if min_chars is None and max_chars is None:
            raise OptionError(f"{self.name}: needs min_chars, max_chars or both")
        if min_chars is not None and max_chars is not None and min_chars > max_chars:
            raise OptionError(f"{self.name}: min_chars {min_chars} exceeds max_chars {max_chars}")
        self._min = min_chars
        self._max = max_chars

    @property
    def max_chars(self) -> int | None:
        """The most characters allowed, if the check sets a maximum."""
        return self._max

    @classmethod
    def from_options(cls, options: Options, settings: Settings) -> Length:
        """Build from `min_chars` and/or `max_chars`."""
        return cls(options.integer("min_chars"), options.integer("max_chars", minimum=1))

    def find(self, subject: Subject) -> Finding | None:
        """Return why the length is wrong, if it is."""
        size = len(subject.text.strip())
        if self._min is not None and size < self._min:
            return Finding((f"{size:,} characters (at least {self._min:,})",))
        if self._max is not None and size > self._max:
            return Finding((f"{size:,} characters (at most {self._max:,})",))
        return None


class Shouting:
    """Finds a text mostly in capitals, once it has enough letters for that to mean shouting.

    Short texts ("NHS", "OK") and the usual acronyms in a sentence stay below
    the share; `min_letters` keeps a two-word reply from counting.
    """

    name: ClassVar[str] = "shouting"
    finds_text: ClassVar[bool] = False
    window: timedelta | None = None

    def __init__(self, min_letters: int = 20, max_capitals: float = 0.7) -> None:
        self._min_letters = min_letters
        self._max_share = max_capitals

    @classmethod
    def from_options(cls, options: Options, settings: Settings) -> Shouting:
        """Build from `min_letters` and `max_capitals` (the share of letters, 0 to 1)."""
        return cls(
            options.integer("min_letters", default=20, minimum=1) or 20,
            options.fraction("max_capitals", default=0.7),
        )

    def find(self, subject: Subject) -> Finding | None:
        """Return the share of capitals when it is too high."""
        text = subject.text
        # Cheap exit for nearly every post: too few capitals (Latin, Greek,
        # Cyrillic) to reach the share; only then count exactly.
        if len(_CAPITALS.findall(text)) < self._min_letters * self._max_share:
            return None
        capitals = sum(map(str.isupper, text))
        letters = sum(map(str.isalpha, text))
        if letters < self._min_letters or capitals <= letters * self._max_share:
            return None
        return Finding((f"{capitals / letters:.0%} of letters in capitals",))
