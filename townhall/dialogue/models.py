"""Tables for threaded comments, their edit history and people's reactions to them.

Comments form an adjacency list (`parent_id`) with three denormalised columns that
let a page of threads load in a fixed number of queries: `consultation_id` (every
comment, not only roots), `root_id` (the thread's first comment; NULL on a root) and
`depth` (0 for a root). What people wrote is never hard-deleted: a deleted comment
keeps its place in the thread and shows "[deleted]".
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from townhall.accounts.models import User
from townhall.consultations.models import Consultation
from townhall.database import TimestampMixin, utcnow
from townhall.extensions import db


class ReactionKind(enum.StrEnum):
    """How a person can react to a comment; one of each kind per person per comment."""

    AGREE = "agree"
    DISAGREE = "disagree"
    HELPFUL = "helpful"

    @property
    def label(self) -> str:
        """The button's words."""
        return {"agree": "Agree", "disagree": "Disagree", "helpful": "Helpful"}[self.value]


class Comment(TimestampMixin, db.Model):
    """A comment on a consultation, or a reply to one at any depth."""

    __tablename__ = "comment"
    __table_args__ = (
        # The page's roots in the chosen order: roots have root_id NULL.
        Index("ix_comment_consultation_root", "consultation_id", "root_id", "created_at"),
        CheckConstraint("depth >= 0", name="depth_not_negative"),
        CheckConstraint(
            "(parent_id IS NULL AND root_id IS NULL AND depth = 0)"
            " OR (parent_id IS NOT NULL AND root_id IS NOT NULL AND depth > 0)",
            name="thread_shape",
        ),
        CheckConstraint(
            "agree_count >= 0 AND disagree_count >= 0 AND helpful_count >= 0",
            name="counts_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), index=True
    )
    # The thread's first comment, so a whole thread loads with `root_id IN (...)`.
    root_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), index=True
    )
    depth: Mapped[int] = mapped_column(default=0)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    # As written (Markdown), and as rendered by townhall.markup when it was accepted.
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    is_question: Mapped[bool] = mapped_column(default=False)
    # When a question became one, the consultation's response standard set this.
    question_due_at: Mapped[datetime | None] = mapped_column(index=True)
    # When an official response first appeared among the question's replies.
    answered_at: Mapped[datetime | None]
    is_official: Mapped[bool] = mapped_column(default=False)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Kept in step with the reaction table, for sorting and showing without a count.
    agree_count: Mapped[int] = mapped_column(default=0)
    disagree_count: Mapped[int] = mapped_column(default=0)
    helpful_count: Mapped[int] = mapped_column(default=0)

    consultation: Mapped[Consultation] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    parent: Mapped[Comment | None] = relationship(
        foreign_keys=[parent_id], remote_side=[id], lazy="select"
    )

    @property
    def thread_id(self) -> int:
        """The id of the thread's root (the comment itself when it is a root)."""
        return self.root_id if self.root_id is not None else self.id

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def count_of(self, kind: ReactionKind) -> int:
        """How many people reacted with `kind`."""
        return getattr(self, f"{kind.value}_count")

    def __repr__(self) -> str:
        return f"<Comment {self.id} on {self.consultation_id} depth {self.depth}>"


class CommentRevision(db.Model):
    """An earlier wording of a comment, kept when its author edits it."""

    __tablename__ = "comment_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # This wording was shown from `written_at` until `replaced_at`.
    written_at: Mapped[datetime]
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reaction(db.Model):
    """One person's agree, disagree or helpful on one comment."""

    __tablename__ = "reaction"
    # One per person per kind per comment, enforced by the database.
    __table_args__ = (UniqueConstraint("comment_id", "user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReactionKind] = mapped_column(
        Enum(
            ReactionKind,
            name="reaction_kind",
            native_enum=False,
            create_constraint=True,
            values_callable=lambda kinds: [k.value for k in kinds],
            length=20,
        )
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
