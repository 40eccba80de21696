"""Checks on the author's own history: repeats, posting rate, new accounts."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from townhall.moderation.standards.checks.finding import Finding, Subject, word_set
from townhall.moderation.standards.checks.options import Options
from townhall.moderation.standards.model import Settings


class Repeat:
    """Finds a post that repeats one of the author's own recent posts.

    Texts are compared by their words (case, spacing and punctuation aside);
    `similarity` below 1 also catches near copies, as the share of words the
    two have in common. Short posts ("Thank you", "Agreed") are left alone:
    saying them twice is conversation, not spam.
    """

    name: ClassVar[str] = "repeat"
    finds_text: ClassVar[bool] = False

    def __init__(self, within: timedelta, similarity: float = 1.0, min_words: int = 5) -> None:
        self.window: timedelta | None = within
        self._similarity = similarity
        self._min_words = min_words

    @classmethod
    def from_options(cls, options: Options, settings: Settings) -> Repeat:
        """Build from `within_hours` (24), `similarity` (1.0) and `min_words` (5)."""
        hours = options.integer("within_hours", default=24, minimum=1) or 24
        return cls(
            timedelta(hours=hours),
            options.fraction("similarity", default=1.0),
            options.integer("min_words", default=5) or 0,
        )

    def find(self, subject: Subject) -> Finding | None:
        """Return the time of the earlier post this one repeats."""
        author = subject.post.author
        if not author.recent_posts:
            return None
        words = subject.words
        if len(words) < self._min_words:
            return None
        since = author.now - self.window if self.window else author.now
        for earlier in author.recent_posts:
            if not since <= earlier.at <= author.now:
                continue
            others = word_set(earlier.text)
            # Sets this different in size cannot share enough words; skip the set sums.
            small, large = sorted((len(words), len(others)))
            if small < large * self._similarity:
                continue
            shared = len(words & others) / len(words | others)
            if shared >= self._similarity:
                hours = (author.now - earlier.at).total_seconds() / 3600
                when = f"{hours:.0f} hours ago" if hours >= 1.5 else "within the last hour"
                return Finding((f"repeats your post from {when}",))
        return None


class PostingRate:
    """Finds an author posting more than `max_posts` (counting this one) in the window."""

    name: ClassVar[str] = "posting_rate"
    finds_text: ClassVar[bool] = False

    def __init__(self, max_posts: int, within: timedelta) -> None:
        self._max = max_posts
        self.window: timedelta | None = within

    @classmethod
    def from_options(cls, options: Options, settings: Settings) -> PostingRate:
        """Build from `max_posts` (5) and `within_minutes` (10)."""
        return cls(
            options.integer("max_posts", default=5, minimum=1) or 5,
            timedelta(minutes=options.integer("within_minutes", default=10, minimum=1) or 10),
        )

    def find(self, subject: Subject) -> Finding | None:
        """Return the count when the author is over the rate."""
        author = subject.post.author
        if len(author.recent_posts) < self._max:
            return None
        since = author.now - self.window if self.window else author.now
        count = 1 + sum(1 for p in author.recent_posts if since < p.at <= author.now)
        if count <= self._max:
            return None
        minutes = self.window.total_seconds() / 60 if self.window else 0
        return Finding((f"{count} posts in {minutes:.0f} minutes (at most {self._max})",))


class NewAccount:
    """Finds a post from an author with fewer approved posts than the settings' hold count."""

    name: ClassVar[str] = "new_account"
    finds_text: ClassVar[bool] = False
    window: timedelta | None = None

    def __init__(self, hold_count: int) -> None:
        self._hold = hold_count

    @classmethod
    def from_options(cls, options: Options, settings: Settings) -> NewAccount:
        """Build from the settings' `new_account_hold`; the check takes no options."""
        return cls(settings.new_account_hold)

    def find(self, subject: Subject) -> Finding | None:
        """Return which of the first posts this is, while the account is new."""
        approved = subject.post.author.approved_posts
        if approved >= self._hold:
            return None
        return Finding((f"new account: the first {self._hold} posts are checked first",))
