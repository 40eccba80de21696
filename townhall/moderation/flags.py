"""What a person flagging a post is offered and told: the clauses a post of that kind
can break, and whether they have flagged it already. Read-only; `service.flag_post`
records the flag.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from townhall.accounts.models import User
from townhall.extensions import db
from townhall.moderation.models import Flag, ModerationCase
from townhall.moderation.registry import ContentKind
from townhall.moderation.standards import Clause, Standards

# Checks that look at the circumstances of a post, not at what it says: a new member's
# first posts, a pre-election quiet period, how many people flagged it. A reader cannot
# see a post break them, so a clause bound only to these is not offered to flag under.
CIRCUMSTANCE_CHECKS = frozenset({"new_account", "quiet_period", "community_flags"})


def can_be_flagged_under(clause: Clause) -> bool:
    """Whether a reader could see a post break `clause`: it has a check that reads the
    post, or no checks at all (moderators apply it, as for defamation)."""
    return not clause.checks or any(
        check.name not in CIRCUMSTANCE_CHECKS for check in clause.checks
    )


def clauses_to_flag(standards: Standards, kind: ContentKind, post: Any) -> list[Clause]:
    """The clauses a post of this kind, by its author, is held to and could be seen to
    break, in the standards' order.

    The standards say which kinds (and which authors' roles) each clause applies to;
    a post whose author has gone is offered every clause for its kind.
    """
    author_id = kind.author_id(post)
    author = db.session.get(User, author_id) if author_id is not None else None
    if author is not None:
        held_to = standards.clauses_for(kind.name, author.role.value)
    else:
        held_to = tuple(c for c in standards.clauses if c.kinds is None or kind.name in c.kinds)
    return [clause for clause in held_to if can_be_flagged_under(clause)]


def flag_by(flagger: User, kind_name: str, content_id: int) -> Flag | None:
    """The flag `flagger` put on this post, if they have flagged it."""
    return db.session.scalar(
        select(Flag)
        .join(ModerationCase, Flag.case_id == ModerationCase.id)
        .where(
            ModerationCase.kind == kind_name,
            ModerationCase.content_id == content_id,
            Flag.flagger_id == flagger.id,
        )
    )
