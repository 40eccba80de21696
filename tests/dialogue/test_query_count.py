"""A page of threads loads in a fixed number of queries, however many comments there are.

Queries are counted with a `before_cursor_execute` listener on this run's engine
(SQLite, or PostgreSQL with TOWNHALL_TEST_DATABASE_URL).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from tests.dialogue.discussion import build_discussion
from townhall.dialogue.models import Comment
from townhall.extensions import db

# What a page may cost, all told: the session's user, the consultation page's own
# queries, and the dialogue's (two counts, the roots, replies, authors, reactions).
BUDGET = 25


@contextmanager
def counted() -> Iterator[list[str]]:
    """Collect the SQL statements run on the engine inside the block."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def no_schedule_check(monkeypatch):
    """Keep the every-few-seconds schedule check out of the counts."""
    monkeypatch.setattr("townhall.consultations.service.apply_schedule_if_due", lambda: False)


@pytest.fixture
def queries_for(client, no_schedule_check) -> Callable[[str], list[str]]:
    def fetch(url: str) -> list[str]:
        client.get(url)  # warm up: first-request work is not the page's
        with counted() as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        return statements

    return fetch


@pytest.fixture
def discussions(create_consultation, create_user):
    """A small and a large discussion: 6 comments in 2 threads, 2,000 in 300."""
    authors = [create_user(display_name=f"Resident {n}") for n in range(40)]
    small = create_consultation(title="Small")
    large = create_consultation(title="Large")
    build_discussion(small, authors, comments=6, threads=2)
    build_discussion(large, authors, comments=2000, threads=300)
    return small, large, authors


def test_a_page_of_threads_costs_the_same_for_6_or_2000_comments(discussions, queries_for, sign_in):
    small, large, authors = discussions
    assert (
        db.session.scalar(
            select(func.count()).select_from(Comment).where(Comment.consultation_id == large.id)
        )
        == 2000
    )
    deepest = db.session.scalar(select(func.max(Comment.depth)))
    assert deepest > 6  # the flattening past depth 6 is exercised too

    def costs() -> dict[str, int]:
        result = {}
        for name, consultation in (("small", small), ("large", large)):
            base = f"/consultations/{consultation.id}"
            root = db.session.scalar(
                select(Comment.id)
                .where(Comment.consultation_id == consultation.id, Comment.root_id.is_(None))
                .order_by(Comment.id)
            )
            result[f"{name} page"] = len(queries_for(base))
            result[f"{name} page 2 by helpful"] = len(
                queries_for(f"{base}?comment_sort=helpful&comment_page=2")
            )
            result[f"{name} thread"] = len(queries_for(f"{base}/comments/{root}"))
        return result

    anonymous = costs()
    sign_in(authors[0])
    signed_in = costs()
    for counts in (anonymous, signed_in):
        assert counts["small page"] == counts["large page"], counts
        assert counts["small page 2 by helpful"] == counts["large page 2 by helpful"], counts
        assert counts["small thread"] == counts["large thread"], counts
        assert max(counts.values()) <= BUDGET, counts
    # The dialogue's own share, for the record: counts, roots, replies, authors (+ reactions).
    print(anonymous, signed_in)


def test_the_replies_are_loaded_by_root_id_in_one_query(discussions, queries_for, sign_in):
    _, large, authors = discussions
    sign_in(authors[0])
    statements = queries_for(f"/consultations/{large.id}")
    comment_selects = [s for s in statements if "FROM comment" in s]
    # One count, the page's roots, and all their replies by root_id IN (...).
    assert len(comment_selects) == 3, comment_selects
    assert sum("comment.root_id IN" in s for s in comment_selects) == 1
    assert sum("FROM reaction" in s for s in statements) == 1
