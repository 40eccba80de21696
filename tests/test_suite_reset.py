"""The suite's reset between tests: every table empty, every id counting from 1 again."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from tests.conftest import empty_all_tables
from townhall.accounts.models import User
from townhall.consultations.models import Area, AreaKind
from townhall.extensions import db


def test_rows_left_behind_are_emptied_and_ids_start_again(app, create_user):
    create_user()
    db.session.add(Area(kind=AreaKind.PROCESS, name="Parks"))
    db.session.commit()
    empty_all_tables(app)

    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert db.session.scalar(select(func.count()).select_from(Area)) == 0
    assert create_user().id == 1


def test_a_table_emptied_by_the_test_itself_still_counts_from_1(app, create_user):
    # The table is empty, but its id sequence (PostgreSQL) has moved on.
    for _ in range(3):
        create_user()
    db.session.execute(delete(User))
    db.session.commit()
    empty_all_tables(app)

    assert create_user().id == 1
