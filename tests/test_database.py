"""How the database behaves under the app's sessions, on this run's database."""

from __future__ import annotations

from sqlalchemy import select

from townhall.accounts.models import User
from townhall.extensions import db


def test_a_savepoint_before_the_first_write_does_not_commit(app, create_user):
    """Releasing a savepoint must not commit: a later rollback undoes its writes.

    On SQLite the driver starts transactions lazily, so without care a savepoint
    opened first would be the whole transaction and its release a commit.
    """
    db.session.execute(select(User.id)).all()  # a read first, as services do
    with db.session.begin_nested():
        db.session.add(User(email="nested@example.org", display_name="N", password_hash="x"))
    db.session.rollback()
    with db.engine.connect() as other:
        count = other.execute(select(User.id).where(User.email == "nested@example.org")).all()
    assert count == []
