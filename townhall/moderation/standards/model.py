"""The plain data the rule engine reads and returns: standards, posts, decisions.

Everything here is immutable and free of the web app, so the same objects serve
the app, the dry-run command line and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from townhall.moderation.standards.checks.finding import Check

#: Roles as DESIGN.md defines them; a clause may apply to some of them only.
ROLES: frozenset[str] = frozenset({"citizen", "staff", "moderator", "officer", "admin"})


class StandardsError(Exception):
    """The standards file cannot be used; the message names the clause and the problem."""


class UnknownKind(ValueError):
    """A post's kind is not one the standards speak about."""


class Action(StrEnum):
    """What happens to a post, from the most lenient to the strictest."""

    ALLOW = "allow"
    """Published."""
    REVIEW = "review"
    """Published, and put in the moderation queue for a person to look at."""
    REDACT = "redact"
    """Published with the matched text replaced."""
    HOLD = "hold"
    """Not published until a moderator approves it."""
    REJECT = "reject"
    """Not published; the author is told which clause and why."""

    @property
    def strictness(self) -> int:
        """Rank in the order allow < review < redact < hold < reject."""
        return _STRICTNESS[self]

    @property
    def publishes(self) -> bool:
        """Whether a post with this action appears straight away."""
        return self.strictness <= Action.REDACT.strictness


_STRICTNESS = {action: rank for rank, action in enumerate(Action)}


@dataclass(frozen=True, slots=True)
class Settings:
    """Standards-wide settings that are not tied to one clause."""

    kinds: tuple[str, ...] = ("comment", "proposal", "announcement", "display_name")
    """The kinds of post these standards speak about; others are refused."""
    flag_threshold: int = 3
    """How many distinct people flagging a post hide it until a moderator looks."""
    new_account_hold: int = 3
    """How many of a new account's first posts are held for a moderator."""
    redaction: str = "[removed: personal details]"
    """What replaces redacted text unless a clause says otherwise."""
    council_phone_numbers: tuple[str, ...] = ()
    """The council's published numbers (digits only): never treated as personal details."""
    council_email_domains: tuple[str, ...] = ()
    """The council's email domains (and their subdomains): never treated as personal details."""


@dataclass(frozen=True, slots=True)
class Clause:
    """One numbered clause in plain words, bound to its checks and an action."""

    number: str
    title: str
    action: Action
    checks: tuple[Check, ...]
    explanation: str = ""
    """What the author is told beyond the title, if anything."""
    kinds: frozenset[str] | None = None
    """The kinds of post the clause applies to; None for every kind."""
    roles: frozenset[str] | None = None
    """The author roles the clause applies to; None for every role."""
    replacement: str | None = None
    """For redact: the text that replaces a match; None for the settings' redaction."""

    def applies_to(self, kind: str, role: str) -> bool:
        """Whether a post of this kind by an author in this role is held to the clause."""
        return (self.kinds is None or kind in self.kinds) and (
            self.roles is None or role in self.roles
        )


@dataclass(frozen=True)
class Standards:
    """A council's channel standards: settings and clauses in the file's order."""

    clauses: tuple[Clause, ...]
    settings: Settings = field(default_factory=Settings)
    source: str = "<memory>"
    """Where the standards were read from, for messages."""
    title: str = ""
    """The standards' name as the file gives it, for pages that show them."""
    _by_audience: dict[tuple[str, str], tuple[Clause, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def clause(self, number: str) -> Clause:
        """Return the clause with this number; KeyError if there is none."""
        for clause in self.clauses:
            if clause.number == number:
                return clause
        raise KeyError(number)

    def find(self, number: str) -> Clause | None:
        """The clause with this number, or None: decisions made under an earlier edition
        of the standards may cite a clause that has since gone."""
        try:
            return self.clause(number)
        except KeyError:
            return None

    def clauses_for(self, kind: str, role: str) -> tuple[Clause, ...]:
        """Return the clauses a post of this kind by this role is held to (cached)."""
        key = (kind, role)
        found = self._by_audience.get(key)
        if found is None:
            found = tuple(c for c in self.clauses if c.applies_to(kind, role))
            self._by_audience[key] = found
        return found

    def max_chars(self, kind: str, role: str) -> int | None:
        """The most characters a post of this kind by this role may have before a
        clause rejects it (the strictest such limit), or None when none does.

        Forms state and check this number, so the limit people are told is the one
        the standards enforce.
        """
        limits = [
            limit
            for clause in self.clauses_for(kind, role)
            if clause.action is Action.REJECT
            for check in clause.checks
            if (limit := getattr(check, "max_chars", None)) is not None
        ]
        return min(limits, default=None)

    @property
    def history_window(self) -> timedelta:
        """How far back the app must load an author's own posts for the history checks."""
        windows = [
            check.window for clause in self.clauses for check in clause.checks if check.window
        ]
        return max(windows, default=timedelta(0))


@dataclass(frozen=True, slots=True)
class RecentPost:
    """One of the author's own earlier posts: its text and when it was made."""

    text: str
    at: datetime


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class AuthorContext:
    """What the app knows about the author when the post is made.

    `recent_posts` are the author's own posts over at least
    `Standards.history_window`, any order. All datetimes must be either
    timezone-aware or all naive, as Python cannot compare the two.
    """

    role: str = "citizen"
    approved_posts: int = 0
    """How many of the author's posts moderators or the rules have let through so far."""
    recent_posts: tuple[RecentPost, ...] = ()
    now: datetime = field(default_factory=_utc_now)

    def __post_init__(self) -> None:
        """Refuse an unknown role, a negative count, or times that cannot be compared."""
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r} (known: {', '.join(sorted(ROLES))})")
        if self.approved_posts < 0:
            raise ValueError("approved_posts cannot be negative")
        aware = self.now.tzinfo is not None
        if any((p.at.tzinfo is not None) != aware for p in self.recent_posts):
            raise ValueError("recent_posts and now must all be timezone-aware or all naive")


@dataclass(frozen=True, slots=True)
class Post:
    """A text to be checked: what was written, what kind of post it is, and by whom."""

    text: str
    kind: str
    author: AuthorContext


@dataclass(frozen=True, slots=True)
class Span:
    """Where a check matched: offsets into the original text and the text itself."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class ClauseHit:
    """One clause a post breaks, with what was found and why, to show the author."""

    number: str
    title: str
    action: Action
    reasons: tuple[str, ...]
    spans: tuple[Span, ...] = ()
    explanation: str = ""


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome for one post: the strictest action of the clauses it breaks.

    `text` is the text as it would be published: the original with every
    redact clause's matches replaced (also when a stricter action wins, so a
    held post that a moderator approves is still published redacted).
    """

    action: Action
    clauses: tuple[ClauseHit, ...]
    text: str

    @property
    def clause_numbers(self) -> list[str]:
        """The numbers of the clauses broken, in the standards' order."""
        return [hit.number for hit in self.clauses]

    @property
    def published(self) -> bool:
        """Whether the post appears straight away."""
        return self.action.publishes

    @property
    def queued(self) -> bool:
        """Whether the post goes to the moderation queue (review or hold)."""
        return self.action in (Action.REVIEW, Action.HOLD)
