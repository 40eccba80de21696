"""Tables of moderation: cases (one per post held to the standards), decisions, flags,
sanctions, appeals, and the append-only, hash-chained audit log.

Moderation knows no domain: a post is named by its content kind ("comment",
"announcement", ...) and its id in that kind's own table, so these tables hold no
foreign key to dialogue, proposals or consultations. People are foreign keys to
`user`, which sits below moderation.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from townhall.accounts.models import User
from townhall.database import enum_column, utcnow
from townhall.extensions import db

KIND_MAX = 40
CLAUSE_MAX = 20


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return enum_column(cls, name, length=20, validate_strings=True)


class CaseState(enum.StrEnum):
    """Where a post stands with moderation."""

    PUBLISHED = "published"  # the rules let it through; nobody needs to look
    REVIEW = "review"  # published, and waiting for a moderator to look
    HELD = "held"  # not published until a moderator approves it
    FLAGGED = "flagged"  # hidden because enough people flagged it, until a moderator looks
    APPROVED = "approved"  # a moderator let it through (possibly redacted)
    REJECTED = "rejected"  # not published (refused by the rules or a moderator)
    WITHDRAWN = "withdrawn"  # deleted before a moderator decided: nothing left to decide

    @property
    def queued(self) -> bool:
        """Whether a moderator still has to look at the post."""
        return self in (CaseState.REVIEW, CaseState.HELD, CaseState.FLAGGED)

    @property
    def visible(self) -> bool:
        """Whether the public sees the post."""
        return self in (CaseState.PUBLISHED, CaseState.REVIEW, CaseState.APPROVED)

    @property
    def label(self) -> str:
        """The state in words, for pages."""
        return {
            "published": "Published",
            "review": "Published, to be reviewed",
            "held": "Awaiting moderation",
            "flagged": "Hidden after flags, awaiting moderation",
            "approved": "Approved",
            "rejected": "Not published",
            "withdrawn": "Deleted before a moderator decided",
        }[self.value]


class Verdict(enum.StrEnum):
    """What a decision did: the engine's actions, and what moderators do to a case."""

    ALLOW = "allow"
    REVIEW = "review"
    REDACT = "redact"
    HOLD = "hold"
    REJECT = "reject"
    FLAGGED = "flagged"  # hidden by community flags
    APPROVE = "approve"
    REDACT_APPROVE = "redact_approve"
    REMOVE = "remove"  # a moderator rejects a post (published or held)

    @property
    def label(self) -> str:
        """The verdict in words."""
        return {
            "allow": "Allowed",
            "review": "Published for review",
            "redact": "Published with details removed",
            "hold": "Held for a moderator",
            "reject": "Rejected",
            "flagged": "Hidden after flags",
            "approve": "Approved",
            "redact_approve": "Redacted and approved",
            "remove": "Rejected by a moderator",
        }[self.value]


class SanctionKind(enum.StrEnum):
    """What a moderator can do to a person who breaks the standards."""

    WARN = "warn"  # told, nothing more
    MUTE = "mute"  # cannot post until `ends_at`
    SUSPEND = "suspend"  # cannot sign in or post until `ends_at`

    @property
    def label(self) -> str:
        return {"warn": "Warning", "mute": "Muted", "suspend": "Suspended"}[self.value]


class AppealState(enum.StrEnum):
    """Where an appeal stands."""

    PENDING = "pending"
    UPHELD = "upheld"  # the appeal succeeded: the decision is reversed
    DISMISSED = "dismissed"  # the decision stands

    @property
    def label(self) -> str:
        return {"pending": "Waiting", "upheld": "Upheld", "dismissed": "Dismissed"}[self.value]


class ModerationCase(db.Model):
    """One post held to the standards: its text as written, what happened, and why.

    `original_text` keeps what the author wrote even after the post itself was hidden
    or redacted, so that a moderator can decide and an appeal can be judged.
    """

    __tablename__ = "moderation_case"
    __table_args__ = (
        UniqueConstraint("kind", "content_id"),
        # The queue: cases still to look at, oldest first.
        Index("ix_moderation_case_state_queued", "state", "queued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(KIND_MAX))
    # The post's id in its kind's own table; NULL when the rules refused it unstored.
    content_id: Mapped[int | None]
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    # The consultation the post belongs to, for per-consultation figures (no foreign
    # key: consultations sit above moderation, and the figures outlive a deletion).
    consultation_id: Mapped[int | None] = mapped_column(index=True)
    consultation_title: Mapped[str | None] = mapped_column(String(200))
    original_text: Mapped[str] = mapped_column(Text)
    # What is (or would be) published: the original with redactions applied.
    published_text: Mapped[str] = mapped_column(Text)
    state: Mapped[CaseState] = mapped_column(_enum(CaseState, "case_state"))
    # The engine's action and the clauses it cited, and every match to highlight:
    # [{"clause": "3.2", "start": 10, "end": 23, "text": "..."}].
    auto_action: Mapped[str] = mapped_column(String(20))
    clauses: Mapped[list[str]] = mapped_column(JSON, default=list)
    matches: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    queued_at: Mapped[datetime | None]
    # The last human decision.
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decision_clause: Mapped[str | None] = mapped_column(String(CLAUSE_MAX))
    flag_count: Mapped[int] = mapped_column(default=0)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    def __repr__(self) -> str:
        return f"<ModerationCase {self.id} {self.kind}:{self.content_id} {self.state.value}>"


class ModerationDecision(db.Model):
    """One decision on a case, by the rules (no moderator) or by a person."""

    __tablename__ = "moderation_decision"
    __table_args__ = (Index("ix_moderation_decision_case", "case_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("moderation_case.id", ondelete="CASCADE"))
    verdict: Mapped[Verdict] = mapped_column(_enum(Verdict, "verdict"))
    # The clauses cited; the first is the one the author is told of first.
    clauses: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[ModerationCase] = relationship()
    moderator: Mapped[User | None] = relationship()

    @property
    def automatic(self) -> bool:
        """Whether the rules decided, rather than a person."""
        return self.moderator_id is None


class Flag(db.Model):
    """One person's flag on a post, under a clause; one per person per post."""

    __tablename__ = "moderation_flag"
    __table_args__ = (UniqueConstraint("case_id", "flagger_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("moderation_case.id", ondelete="CASCADE"))
    flagger_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    clause: Mapped[str] = mapped_column(String(CLAUSE_MAX))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    flagger: Mapped[User] = relationship()


class Sanction(db.Model):
    """A warning, a mute or a suspension of one person, citing a clause."""

    __tablename__ = "moderation_sanction"
    __table_args__ = (
        Index("ix_moderation_sanction_user_ends", "user_id", "ends_at"),
        CheckConstraint("kind = 'warn' OR ends_at IS NOT NULL", name="period_needs_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[SanctionKind] = mapped_column(_enum(SanctionKind, "sanction_kind"))
    clause: Mapped[str] = mapped_column(String(CLAUSE_MAX))
    reason: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(default=utcnow)
    ends_at: Mapped[datetime | None]
    # Set when an upheld appeal (or the moderator) lifts the sanction early.
    lifted_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderation_case.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    def in_force(self, now: datetime) -> bool:
        """Whether the sanction restricts the person at `now` (warnings never do)."""
        if self.kind is SanctionKind.WARN or self.lifted_at is not None:
            return False
        return self.starts_at <= now and (self.ends_at is None or now < self.ends_at)


class Appeal(db.Model):
    """A person's one appeal against a decision on their post, or a sanction on them.

    At most one appeal per case and one per sanction: unique constraints, so a
    second appeal fails in the database as well as in the service.
    """

    __tablename__ = "moderation_appeal"
    __table_args__ = (
        UniqueConstraint("case_id"),
        UniqueConstraint("sanction_id"),
        CheckConstraint("(case_id IS NULL) <> (sanction_id IS NULL)", name="one_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderation_case.id", ondelete="CASCADE")
    )
    sanction_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderation_sanction.id", ondelete="CASCADE")
    )
    appellant_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # Who made the decision appealed against: they may not decide the appeal.
    original_moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[AppealState] = mapped_column(
        _enum(AppealState, "appeal_state"), default=AppealState.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    answer: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[ModerationCase | None] = relationship()
    sanction: Mapped[Sanction | None] = relationship()
    appellant: Mapped[User] = relationship(foreign_keys=[appellant_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class AuditEntry(db.Model):
    """One line of the append-only audit log, chained to the one before by its hash.

    `hash` is SHA-256 of the previous entry's hash and this entry's canonical JSON
    (its time, event, actor, subject and data), so changing,
    removing or reordering any entry breaks the chain from there on. The database
    refuses UPDATE and DELETE on this table (triggers made by the migration), and
    `prev_hash` is unique so two writers can never fork the chain.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (UniqueConstraint("prev_hash"), UniqueConstraint("hash"))

    # Set by the appender (last + 1) under its lock: the log's order at a glance.
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    created_at: Mapped[datetime]
    event: Mapped[str] = mapped_column(String(40))
    # Plain ids, no foreign keys: deleting a person must never rewrite the log.
    actor_id: Mapped[int | None]
    subject: Mapped[str] = mapped_column(String(80))
    data: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
