"""The audit log: the database refuses edits, and `audit verify` finds tampering.

Run on SQLite and on PostgreSQL (TOWNHALL_TEST_DATABASE_URL): the tamper tests
switch the append-only triggers off the way someone with the database's keys would,
edit, delete or reorder entries, and expect `flask townhall audit verify` to name
the first entry that no longer fits.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from townhall.extensions import db
from townhall.moderation import audit


@pytest.fixture
def entries(app, create_user) -> list[str]:
    """Five entries in the log (and a person, so deletes are refused); their hashes."""
    create_user()
    hashes = [
        audit.append("decision", f"comment:{n}", {"verdict": "hold", "n": n}).hash
        for n in range(1, 6)
    ]
    db.session.commit()
    return hashes


@contextmanager
def triggers_off() -> Iterator[None]:
    """Switch the append-only triggers off, as an intruder with the database's keys could."""
    db.session.remove()
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER USER"))
            saved: list[str] = []
        else:
            saved = list(
                connection.scalars(
                    text(
                        "SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                        "AND tbl_name = 'audit_entry'"
                    )
                )
            )
            assert len(saved) == 2
            for name in ("audit_entry_no_update", "audit_entry_no_delete"):
                connection.execute(text(f"DROP TRIGGER {name}"))
    try:
        yield
    finally:
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("ALTER TABLE audit_entry ENABLE TRIGGER USER"))
            else:
                for statement in saved:
                    connection.execute(text(statement))


def tamper(*statements: str) -> None:
    with triggers_off(), db.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def test_an_untouched_log_verifies(entries, runner):
    result = audit.verify()
    assert result.ok and result.count == 5 and result.head == entries[-1]
    output = runner.invoke(args=["townhall", "audit", "verify"])
    assert output.exit_code == 0, output.output
    assert "intact: 5 entries" in output.output and entries[-1] in output.output


def test_the_database_refuses_to_change_or_delete_entries(entries):
    for statement in (
        "UPDATE audit_entry SET data = '{}' WHERE seq = 2",
        "DELETE FROM audit_entry WHERE seq = 2",
    ):
        with (
            pytest.raises(DBAPIError, match="audit entries cannot be"),
            db.engine.begin() as connection,
        ):
            connection.execute(text(statement))
    assert audit.verify().ok


def test_postgresql_refuses_to_truncate_the_log_while_accounts_exist(entries):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; its DELETE trigger is tested above")
    with (
        pytest.raises(DBAPIError, match="audit entries cannot be truncated"),
        db.engine.begin() as connection,
    ):
        connection.execute(text("TRUNCATE audit_entry"))
    assert audit.verify().ok


def test_an_edited_entry_is_reported(entries, runner):
    tamper("UPDATE audit_entry SET data = replace(data, 'hold', 'allow') WHERE seq = 3")
    result = audit.verify()
    assert result.problem is not None
    assert (result.problem.kind, result.problem.position) == ("changed", 3)
    output = runner.invoke(args=["townhall", "audit", "verify"])
    assert output.exit_code != 0
    assert "entry 3 (#3) was changed" in output.output


def test_an_edited_actor_is_reported(entries):
    tamper("UPDATE audit_entry SET actor_id = 99 WHERE seq = 4")
    assert audit.verify().problem.kind == "changed"


def test_a_removed_entry_is_reported(entries, runner):
    tamper("DELETE FROM audit_entry WHERE seq = 3")
    problem = audit.verify().problem
    assert (problem.kind, problem.position, problem.seq) == ("removed", 3, 4)
    output = runner.invoke(args=["townhall", "audit", "verify"])
    assert output.exit_code != 0 and "before entry 3 (#4) was removed" in output.output


def test_a_removed_first_entry_is_reported(entries):
    tamper("DELETE FROM audit_entry WHERE seq = 1")
    problem = audit.verify().problem
    assert (problem.kind, problem.position) == ("removed", 1)


def test_reordered_entries_are_reported(entries, runner):
    tamper(
        "UPDATE audit_entry SET seq = -1 WHERE seq = 2",
        "UPDATE audit_entry SET seq = 2 WHERE seq = 3",
        "UPDATE audit_entry SET seq = 3 WHERE seq = -1",
    )
    problem = audit.verify().problem
    assert (problem.kind, problem.position) == ("reordered", 2)
    output = runner.invoke(args=["townhall", "audit", "verify"])
    assert output.exit_code != 0 and "entry 2 (#2) is out of order" in output.output


def test_removing_the_newest_entries_is_caught_against_a_published_head(entries, runner):
    tamper("DELETE FROM audit_entry WHERE seq >= 4")
    assert audit.verify().ok  # a shorter chain is still a chain...
    problem = audit.verify(head=entries[-1]).problem
    assert problem is not None and problem.kind == "removed"  # ...but not the one published
    output = runner.invoke(args=["townhall", "audit", "verify", "--head", entries[-1]])
    assert output.exit_code != 0 and "no longer in the log" in output.output


def test_appends_continue_the_chain_across_transactions(entries):
    entry = audit.append("sanction", "user:1", {"kind": "warn"})
    db.session.commit()
    assert entry.seq == 6 and entry.prev_hash == entries[-1]
    assert audit.verify().ok
