"""Build a large discussion quickly, for the query-count test and the benchmark.

Rows go in with bulk INSERTs (the service would take minutes for thousands), shaped
as the service shapes them: replies carry their root, depth and consultation, and
some threads run deeper than the page indents.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, insert, select, text

from townhall.accounts.models import User
from townhall.consultations.models import Consultation
from townhall.database import utcnow
from townhall.dialogue.models import Comment
from townhall.extensions import db
from townhall.markup import render_markdown

BODIES = (
    "Sunday opening would help **working parents** a great deal.",
    "I'd rather see longer *weekday* evenings than Sundays.",
    "Has anyone costed this? See https://example.org/budget for last year's figures.",
    "Agreed. The study space is full by 11:00 on Saturdays.\n\n- more desks\n- more sockets",
    "> Has anyone costed this?\n\nThe report says about £40,000 a year.",
    "What about the mobile library? It serves the villages on Sundays already.",
)


def build_discussion(
    consultation: Consultation,
    authors: Sequence[User],
    *,
    comments: int = 2000,
    threads: int = 300,
    seed: int = 7,
) -> int:
    """Add `comments` comments in `threads` threads to `consultation`; return how many."""
    if threads > comments:
        raise ValueError("every thread needs a first comment")
    rng = random.Random(seed)
    rendered = [(body, render_markdown(body)) for body in BODIES]
    first_id = (db.session.scalar(select(func.max(Comment.id))) or 0) + 1
    start = utcnow() - timedelta(days=20)
    rows: list[dict] = []
    members: list[list[dict]] = []  # each thread's rows, to pick parents from

    def row(n: int, parent: dict | None) -> dict:
        body, html = rendered[rng.randrange(len(rendered))]
        when = start + timedelta(minutes=n)
        return {
            "id": first_id + n,
            "consultation_id": consultation.id,
            "parent_id": parent["id"] if parent else None,
            "root_id": (parent["root_id"] or parent["id"]) if parent else None,
            "depth": parent["depth"] + 1 if parent else 0,
            "author_id": authors[n % len(authors)].id,
            "body": body,
            "body_html": html,
            "is_question": False,
            "is_official": False,
            "agree_count": rng.randrange(4),
            "disagree_count": rng.randrange(3),
            "helpful_count": rng.randrange(6),
            "created_at": when,
            "updated_at": when,
        }

    for n in range(comments):
        if n < threads:
            new = row(n, None)
            members.append([new])
        else:
            thread = members[rng.randrange(threads)]
            # Mostly answer the latest few comments, so some threads run deep.
            parent = thread[-1] if rng.random() < 0.5 else thread[rng.randrange(len(thread))]
            new = row(n, parent)
            thread.append(new)
        rows.append(new)
    # Roots first, then replies in id order, so every parent exists before its replies.
    db.session.execute(insert(Comment), rows)
    if db.session.get_bind().dialect.name == "postgresql":
        # Explicit ids do not move PostgreSQL's sequence: move it past them.
        db.session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('comment', 'id'),"
                " (SELECT max(id) FROM comment))"
            )
        )
    db.session.commit()
    return comments
