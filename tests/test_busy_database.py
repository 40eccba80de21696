"""A database too busy to take a write: a 503 that says nothing was saved, asks the
person to send again in a moment (Retry-After) and gives back what they typed; never
a 500 or lost work. Run on SQLite and on PostgreSQL (TOWNHALL_TEST_DATABASE_URL)
with a real lock held by another connection.
"""

from __future__ import annotations

import html
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from tests.api.conftest import api_as, make_token  # noqa: F401 (fixtures)
from townhall.database import is_busy
from townhall.dialogue.models import Comment
from townhall.extensions import db

# How long the app's connections wait for a lock in these tests (the real settings
# wait far longer; the point here is what happens when the wait runs out).
SHORT_WAIT_MS = 200


@pytest.fixture
def consultation(create_consultation):
    return create_consultation(status="open", title="Library opening hours")


@pytest.fixture
def citizen(create_user):
    return create_user(display_name="Cleo Citizen")


@pytest.fixture
def writes_blocked(app) -> Callable[[], object]:
    """`with writes_blocked():` another connection holds the lock comments are written
    under, and the app's connections give up after SHORT_WAIT_MS."""
    engine = db.engine
    url = engine.url
    on_postgres = url.get_backend_name() == "postgresql"

    def short_wait(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        if on_postgres:
            cursor.execute(f"SET lock_timeout = {SHORT_WAIT_MS}")
        else:
            cursor.execute(f"PRAGMA busy_timeout = {SHORT_WAIT_MS}")
        cursor.close()
        if on_postgres:
            dbapi_connection.commit()

    event.listen(engine, "connect", short_wait)
    db.session.commit()  # hands its connection back, so every connection is a new one
    engine.dispose()

    @contextmanager
    def blocked() -> Iterator[None]:
        if on_postgres:
            other = psycopg.connect(
                url.set(drivername="postgresql").render_as_string(hide_password=False)
            )
            # EXCLUSIVE lets pages read comments while nobody may write one.
            other.execute("LOCK TABLE comment IN EXCLUSIVE MODE")
        else:
            other = sqlite3.connect(url.database, isolation_level=None)
            other.execute("BEGIN IMMEDIATE")  # the one write lock; WAL readers carry on
        try:
            yield
        finally:
            other.rollback()
            other.close()

    yield blocked
    event.remove(engine, "connect", short_wait)
    db.session.remove()
    engine.dispose()


def say(post_form, consultation, body: str):
    return post_form(
        f"/consultations/{consultation.id}/comments",
        {"comment-body": body},
        token_page=f"/consultations/{consultation.id}",
    )


def test_a_comment_sent_while_the_database_is_busy_comes_back_with_a_503(
    client, sign_in, post_form, citizen, consultation, writes_blocked
):
    sign_in(citizen)
    typed = "Sunday opening would help <families> & carers."
    with writes_blocked():
        response = say(post_form, consultation, typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "the site is busy. Nothing was saved" in page
    assert html.escape(typed, quote=False) in page.split("<textarea", 1)[-1]
    assert db.session.scalar(select(Comment)) is None
    # A moment later, the same comment goes through.
    assert say(post_form, consultation, typed).status_code == 302
    assert db.session.scalar(select(Comment.body)) == typed


def test_the_api_answers_a_busy_database_with_a_problem_and_retry_after(
    api_as,  # noqa: F811
    citizen,
    consultation,
    writes_blocked,
):
    me = api_as(citizen, "read", "write")
    with writes_blocked():
        response = me.post(f"/consultations/{consultation.id}/comments", {"body": "Sundays"})
    assert response.status_code == 503
    # Flask-Limiter raises Retry-After to its own window's reset when that is later.
    assert int(response.headers["Retry-After"]) >= 5
    assert response.mimetype == "application/problem+json"
    assert "nothing was changed" in response.get_json()["detail"]
    assert (
        me.post(f"/consultations/{consultation.id}/comments", {"body": "Sundays"}).status_code
        == 201
    )


class _PostgresError(Exception):
    """Stands for a psycopg error, which carries its SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def operational(original: Exception, *, invalidated: bool = False) -> OperationalError:
    return OperationalError("UPDATE comment ...", {}, original, connection_invalidated=invalidated)


@pytest.mark.parametrize(
    "error",
    [
        operational(sqlite3.OperationalError("database is locked")),
        operational(_PostgresError("55P03")),  # lock_not_available (lock_timeout)
        operational(_PostgresError("57014")),  # query_canceled (statement_timeout)
        operational(_PostgresError("40P01")),  # deadlock_detected
        operational(_PostgresError("08006")),  # connection_failure
        operational(_PostgresError("53300")),  # too_many_connections
        operational(Exception("server closed the connection"), invalidated=True),
    ],
)
def test_busy_errors_are_told_apart(error):
    assert is_busy(error)


@pytest.mark.parametrize(
    "error",
    [
        operational(sqlite3.OperationalError("no such table: comment")),
        operational(_PostgresError("42P01")),  # undefined_table
        operational(_PostgresError("22003")),  # numeric_value_out_of_range
        ValueError("database is locked"),
    ],
)
def test_faults_are_not_dressed_as_try_again(error):
    assert not is_busy(error)


def test_a_fault_is_still_a_500_not_a_503(app, client, monkeypatch):
    app.config["TOWNHALL_RAISE_ERRORS"] = False

    def broken(*_args, **_kwargs):
        raise operational(sqlite3.OperationalError("no such table: consultation"))

    monkeypatch.setattr("townhall.consultations.views.service.list_consultations", broken)
    response = client.get("/consultations")
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
