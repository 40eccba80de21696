"""Backup and restore: `flask townhall export` and `flask townhall import`.

The proof is a round trip: the demo council plus activity in every table, exported,
imported into a fresh database built by the real migrations, exported again and
compared line for line (only the header's time may differ); then the restored app is
used (sign in, read, comment, verify the audit log). On PostgreSQL the trip goes
PostgreSQL -> SQLite -> a second PostgreSQL database; on SQLite, SQLite -> SQLite.
"""

from __future__ import annotations

import enum
import gzip
import io
import json
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Double,
    Enum,
    Integer,
    Interval,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    Time,
    Uuid,
    create_engine,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from tests.conftest import FormPoster, IsolatedClient, settings_for_tests
from townhall import backup, create_app
from townhall.accounts.permissions import Role
from townhall.database import UTCDateTime
from townhall.extensions import db

# --- databases of our own ----------------------------------------------------------------


def migrated_app(url: str, outbox: Path) -> Flask:
    """An app on `url`, with the schema built by the real migrations (as `_migrated` does)."""
    application = create_app(settings_for_tests(url, None, outbox))
    with application.app_context():
        upgrade(directory=application.extensions["migrate"].directory)
        db.engine.dispose()
    return application


def make_database(
    kind: str, name: str, folder: Path, database_url: str
) -> tuple[Flask, str | None]:
    """An app on a new, migrated, empty database; and the PostgreSQL database to drop.

    kind "sqlite" is a file in `folder`; "postgresql" is a database named after the
    test database plus `_name` (so parallel workers never share one).
    """
    outbox = folder / f"outbox-{kind}-{name}"
    outbox.mkdir()
    if kind == "sqlite":
        return migrated_app("sqlite:///" + str(folder / f"{name}.db"), outbox), None
    base = make_url(database_url)
    extra = f"{base.database}_{name}"
    _admin(database_url, f'DROP DATABASE IF EXISTS "{extra}" WITH (FORCE)')
    try:
        # A locale that sorts text unlike the C collation ("a" before "B"), so the
        # comparison proves exports are ordered the same whatever the server's locale.
        _admin(
            database_url,
            f'CREATE DATABASE "{extra}" TEMPLATE template0 LOCALE_PROVIDER icu '
            "ICU_LOCALE 'en-GB'",
        )
    except DBAPIError:  # a server without ICU (or before PostgreSQL 15): its default
        _admin(database_url, f'CREATE DATABASE "{extra}"')
    url = base.set(database=extra).render_as_string(hide_password=False)
    return migrated_app(url, outbox), extra


def forget(application: Flask, extra: str | None, database_url: str) -> None:
    with application.app_context():
        db.engine.dispose()
    if extra:
        _admin(database_url, f'DROP DATABASE IF EXISTS "{extra}" WITH (FORCE)')


@pytest.fixture
def fresh_database(database_url: str, tmp_path: Path) -> Iterator[Callable[[str, str], Flask]]:
    """`fresh_database(kind, name)`: an app on a new, migrated, empty database."""
    made: list[tuple[Flask, str | None]] = []

    def make(kind: str, name: str) -> Flask:
        made.append(make_database(kind, name, tmp_path, database_url))
        return made[-1][0]

    yield make
    for application, extra in made:
        forget(application, extra, database_url)


def _admin(url: str, statement: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


# --- running the commands ---------------------------------------------------------------


def run(application: Flask, *args: str, input: str | bytes | None = None):
    """Run `flask townhall ...` against `application` in its own app context."""
    with application.app_context():
        result = application.test_cli_runner().invoke(args=["townhall", *args], input=input)
        db.session.remove()
    return result


def export(application: Flask, path: Path) -> Path:
    result = run(application, "export", str(path))
    assert result.exit_code == 0, result.output
    return path


def import_(application: Flask, path: Path):
    return run(application, "import", str(path))


def read_lines(path: Path) -> list[str]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return handle.read().splitlines()


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def assert_same_backup(first: Path, second: Path) -> None:
    """Equal line for line, apart from the header's time."""
    a, b = read_lines(first), read_lines(second)
    head_a, head_b = json.loads(a[0]), json.loads(b[0])
    assert head_a.pop("exported_at") and head_b.pop("exported_at")
    assert head_a == head_b
    assert len(a) == len(b)
    for number, (line_a, line_b) in enumerate(zip(a[1:], b[1:], strict=True), start=2):
        assert line_a == line_b, f"line {number} differs"


def row_counts(application: Flask) -> dict[str, int]:
    with application.app_context():
        counts = {
            t.name: db.session.scalar(select(func.count()).select_from(t)) or 0
            for t in db.metadata.sorted_tables
        }
        db.session.remove()
    return counts


# --- an instance with something in every table -------------------------------------------


@dataclass
class Seeded:
    """What the seeding made that the checks need."""

    officer_email: str
    officer_password: str


def seed_instance(application: Flask) -> Seeded:
    """The demo council, then activity the demo leaves out, so every table has rows."""
    from townhall.cli import _demo_officer, seed_people
    from townhall.demo_council import seed_demo_council

    sign_ins = seed_people()
    seed_demo_council(_demo_officer())
    db.session.commit()
    extra_activity()
    db.session.commit()
    officer = next(s for s in sign_ins if s[0] is Role.OFFICER)
    return Seeded(officer_email=officer[1], officer_password=officer[2])


def extra_activity() -> None:
    """Role changes, resets, tokens, webhooks, moderation, places and push: through the
    services where one exists, as plain rows for queues the services fill on a timer."""
    from townhall.accounts import service as accounts
    from townhall.accounts.models import User
    from townhall.api import tokens, webhooks
    from townhall.api.models import WebhookDelivery
    from townhall.consultations.models import Area
    from townhall.dialogue import service as dialogue
    from townhall.moderation import service as moderation
    from townhall.moderation.models import SanctionKind
    from townhall.notifications.models import NotificationKind
    from townhall.notifications.service import set_email_preferences
    from townhall.places import alerts, push
    from townhall.places.models import (
        CheckInCount,
        EmailFrequency,
        NearbySeen,
        PendingAlert,
        Place,
        PushMessage,
    )
    from townhall.proposals.service import set_home_location

    def person(role: Role) -> User:
        found = accounts.find_user_by_email(f"{role.value}@demo.townhall.example")
        assert found is not None
        return found

    admin, moderator = person(Role.ADMIN), person(Role.MODERATOR)
    citizen, staff = person(Role.CITIZEN), person(Role.STAFF)
    residents = list(
        db.session.scalars(select(User).where(User.role == Role.CITIZEN).order_by(User.id))
    )
    newcomer = residents[-1]

    accounts.change_role(newcomer, Role.STAFF, changed_by=admin)
    accounts.request_password_reset(citizen.email)
    set_email_preferences(citizen, {NotificationKind.REPLY: False})
    tokens.create_token(citizen, "My script ✓", ["read"])
    endpoint, _secret = webhooks.register_endpoint(
        admin, "http://127.0.0.1:9/hook", ["outcome.published"]
    )
    db.session.add(
        WebhookDelivery(
            endpoint_id=endpoint.id,
            event="outcome.published",
            body='{"hello": "wörld"}',
            attempts=2,
            response_status=503,
            response_body="busy\nlater",
        )
    )
    set_home_location(citizen, 51.507351, -0.127758)

    # Dialogue and moderation: an edited comment (a revision), a flag, a sanction and
    # its appeal. Odd text on purpose: quotes, backslashes, newlines, emoji.
    from townhall.consultations.models import Consultation, Status

    open_one = db.session.scalars(
        select(Consultation)
        .where(Consultation.status == Status.OPEN, Consultation.uses_dialogue.is_(True))
        .order_by(Consultation.id)
    ).first()
    assert open_one is not None
    comment = dialogue.post_comment(open_one, citizen, "First thoughts.")
    dialogue.post_comment(open_one, staff, "A reply.", parent=comment)
    dialogue.edit_comment(comment, citizen, 'Edited: "quotes" \\ back-slash\nnew line 🏛️')
    moderation.flag_post("comment", comment.id, staff, "1.1", "Seems off")
    sanction = moderation.sanction_user(
        staff, moderator, SanctionKind.WARN, "1.1", "Please keep to the point."
    )
    moderation.appeal_sanction(sanction, staff, "I was answering the question.")

    # Places: alert settings with quiet hours, topics, a device with push, and the
    # queues that the timers fill (pending alerts, push messages, nearby memory, counts).
    alerts.set_settings(citizen, EmailFrequency.WEEKLY, 22, 7)
    area_ids = set(db.session.scalars(select(Area.id).order_by(Area.id).limit(2)))
    alerts.set_topics(citizen, area_ids)
    subscription = push.subscribe(
        citizen,
        {
            "endpoint": "https://push.example.org/send/abc123",
            "keys": {"p256dh": "B" + "A" * 86, "auth": "A" * 22},
        },
        device="Phone",
    )
    place = db.session.scalars(select(Place).order_by(Place.id)).first()
    assert place is not None
    now = datetime.now(UTC)
    db.session.add_all(
        [
            PushMessage(subscription_id=subscription.id, payload='{"title": "Townhall"}'),
            PendingAlert(
                user_id=citizen.id, text="Something new", link="/consultations", push=True
            ),
            NearbySeen(user_id=citizen.id, item=f"place:{place.id}", day=now.date()),
            # Text keys that sort differently by locale than bytewise ("B" < "a" in C).
            NearbySeen(user_id=citizen.id, item="a-older-kind:1", day=now.date()),
            NearbySeen(user_id=citizen.id, item="B-older-kind:1", day=now.date()),
            CheckInCount(place_id=place.id, day=date(2026, 1, 31), count=12),
        ]
    )
    db.session.flush()


@pytest.fixture
def seeded(app: Flask) -> Seeded:
    """The test database holding the demo council and activity in every table."""
    return seed_instance(app)


@dataclass
class Source:
    """A seeded instance of this module's own (SQLite) and its export."""

    app: Flask
    seeded: Seeded
    plain: Path
    gz: Path

    def lines(self) -> list[str]:
        return read_lines(self.plain)


@pytest.fixture(scope="module")
def source(_migrated, tmp_path_factory, database_url) -> Iterator[Source]:
    """Seeded and exported once for the tests that only need a backup to work on."""
    folder = tmp_path_factory.mktemp("backup-source")
    application, _ = make_database("sqlite", "source", folder, database_url)
    with application.app_context():
        made = seed_instance(application)
        db.session.remove()
    plain = export(application, folder / "source.jsonl")
    gz = export(application, folder / "source.jsonl.gz")
    yield Source(application, made, plain, gz)
    forget(application, None, database_url)


@pytest.fixture(scope="module")
def _empty_template(_migrated, tmp_path_factory, database_url) -> Path:
    """An empty SQLite database built by the migrations once, for copying."""
    folder = tmp_path_factory.mktemp("backup-template")
    application, _ = make_database("sqlite", "template", folder, database_url)
    forget(application, None, database_url)  # the last connection closed: no WAL left over
    return folder / "template.db"


@pytest.fixture
def empty_target(_empty_template: Path, tmp_path: Path) -> Iterator[Flask]:
    """An empty, migrated SQLite database of this test's own (a copy of the template)."""
    copy = tmp_path / "target.db"
    shutil.copyfile(_empty_template, copy)
    outbox = tmp_path / "outbox-target"
    outbox.mkdir()
    application = create_app(settings_for_tests("sqlite:///" + str(copy), None, outbox))
    yield application
    forget(application, None, "")


def assert_empty(application: Flask) -> None:
    filled = {name: n for name, n in row_counts(application).items() if n}
    assert not filled, f"a refused import left rows behind: {filled}"


# --- the round trip ------------------------------------------------------------------------


def check_restored_app_works(application: Flask, seeded: Seeded, audit_entries: int) -> None:
    """Sign in as the demo officer, read a consultation, comment (a fresh id), verify the log."""
    from townhall.consultations.models import Consultation, Status
    from townhall.dialogue.models import Comment

    with application.app_context():
        consultation = db.session.scalars(
            select(Consultation)
            .where(Consultation.status == Status.OPEN, Consultation.uses_dialogue.is_(True))
            .order_by(Consultation.id)
        ).first()
        assert consultation is not None
        consultation_id, title = consultation.id, consultation.title
        largest = db.session.scalar(select(func.max(Comment.id))) or 0
        db.session.remove()

    application.test_client_class = IsolatedClient
    client = application.test_client()
    post_form = FormPoster(client)
    signed_in = post_form(
        "/sign-in", {"email": seeded.officer_email, "password": seeded.officer_password}
    )
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)
    page = client.get(f"/consultations/{consultation_id}")
    assert page.status_code == 200
    assert title in page.get_data(as_text=True).replace("&#39;", "'")
    posted = post_form(
        f"/consultations/{consultation_id}/comments",
        {"comment-body": "Posted after the restore."},
        token_page=f"/consultations/{consultation_id}",
    )
    assert posted.status_code == 302, posted.get_data(as_text=True)
    new_id = int(re.search(r"#comment-(\d+)$", posted.location).group(1))
    assert new_id > largest

    verified = run(application, "audit", "verify")
    assert verified.exit_code == 0, verified.output
    entries = int(re.search(r"intact: (\d+) entries", verified.output).group(1))
    # The new comment's moderation decision joined the restored chain, which still holds.
    assert entries > audit_entries


def test_a_whole_instance_round_trips_and_the_restored_app_works(
    app, seeded, database_url, fresh_database, tmp_path
):
    counts = row_counts(app)
    empty = sorted(name for name, n in counts.items() if n == 0)
    assert not empty, f"the seeding leaves these tables empty, so the trip proves less: {empty}"

    original = export(app, tmp_path / "original.jsonl.gz")
    header = json.loads(read_lines(original)[0])
    assert header["tables"] == counts
    assert header["format"] == "townhall-backup" and header["format_version"] == 1
    assert header["alembic_revision"] == backup.code_revision()
    assert datetime.fromisoformat(header["exported_at"]).tzinfo is not None

    via_sqlite = fresh_database("sqlite", "restored")
    result = import_(via_sqlite, original)
    assert result.exit_code == 0, result.output
    assert "The audit log is intact" in result.output
    assert row_counts(via_sqlite) == counts
    again = export(via_sqlite, tmp_path / "from-sqlite.jsonl.gz")
    assert_same_backup(original, again)

    last = via_sqlite
    if is_postgres(database_url):
        # PostgreSQL -> SQLite (above) -> a second PostgreSQL database.
        last = fresh_database("postgresql", "restored")
        result = import_(last, again)
        assert result.exit_code == 0, result.output
        third = export(last, tmp_path / "from-postgres.jsonl")
        assert_same_backup(original, third)
        assert_same_backup(again, third)
    check_restored_app_works(last, seeded, counts["audit_entry"])


def test_every_table_is_in_the_export_and_every_database_table_is_a_model(app, source):
    """A table added later is covered without touching the backup code, and nothing in
    the database is left out because no model describes it."""
    lines = source.lines()
    header = json.loads(lines[0])
    sections = [json.loads(line)["table"] for line in lines if line.startswith('{"table"')]
    models = [t.name for t in db.metadata.sorted_tables]
    assert list(header["tables"]) == models  # in insert order
    assert sections == models
    in_database = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert in_database == set(models)


def test_timestamps_keep_their_zone_and_microseconds(source, fresh_database):
    from townhall.moderation.models import AuditEntry

    lines = source.lines()
    start = next(i for i, line in enumerate(lines) if line.startswith('{"table":"user"'))
    columns = json.loads(lines[start])["columns"]
    first_user = dict(zip(columns, json.loads(lines[start + 1]), strict=True))
    assert first_user["created_at"].endswith("+00:00")

    def times(application: Flask) -> dict[int, datetime]:
        with application.app_context():
            found = {
                seq: at
                for seq, at in db.session.execute(select(AuditEntry.seq, AuditEntry.created_at))
            }
            db.session.remove()
        return found

    restored = fresh_database("sqlite", "times")
    assert import_(restored, source.plain).exit_code == 0
    before, after = times(source.app), times(restored)
    assert after == before
    assert all(t.tzinfo is not None for t in before.values())
    assert any(t.microsecond for t in before.values())


# --- refusals ------------------------------------------------------------------------------


def test_import_refuses_a_database_that_is_not_empty(source):
    before = row_counts(source.app)
    result = import_(source.app, source.gz)
    assert result.exit_code != 0
    assert "already holds data" in result.output and "Nothing was imported" in result.output
    assert row_counts(source.app) == before


def test_import_refuses_a_database_with_rows_that_clash_with_nothing(source, fresh_database):
    """One account the file does not clash with would merge silently without the check."""
    from townhall.accounts import service as accounts

    target = fresh_database("sqlite", "one-account")
    with target.app_context():
        accounts.register_user("someone@example.org", "Someone Else", "a long passphrase!")
        db.session.commit()
        accounts.find_user_by_email("someone@example.org").id = 999_999
        db.session.commit()
        db.session.remove()
    before = row_counts(target)
    result = import_(target, source.gz)
    assert result.exit_code != 0
    assert "already holds data (in " in result.output and "user" in result.output
    assert row_counts(target) == before


def test_import_refuses_a_file_from_another_revision(source, empty_target, tmp_path):
    lines = source.lines()
    header = json.loads(lines[0])

    older = write_lines(
        tmp_path / "older.jsonl",
        [json.dumps({**header, "alembic_revision": "0006_places"}), *lines[1:]],
    )
    result = import_(empty_target, older)
    assert result.exit_code != 0
    assert "older than this Townhall" in result.output and "db upgrade" in result.output

    newer = write_lines(
        tmp_path / "newer.jsonl",
        [json.dumps({**header, "alembic_revision": "0099_future"}), *lines[1:]],
    )
    result = import_(empty_target, newer)
    assert result.exit_code != 0 and "upgrade Townhall" in result.output
    assert_empty(empty_target)


def test_import_refuses_a_database_without_the_schema(source, tmp_path):
    bare = create_app(settings_for_tests("sqlite:///" + str(tmp_path / "bare.db"), None, tmp_path))
    result = import_(bare, source.plain)
    assert result.exit_code != 0 and "flask --app wsgi db upgrade" in result.output
    with bare.app_context():
        db.engine.dispose()


def _damaged_files(lines: list[str]) -> dict[str, list[str]]:
    rows = [i for i, line in enumerate(lines) if line.startswith("[")]
    last_row = rows[-1]
    header = json.loads(lines[0])
    wrong_count = {**header, "tables": {**header["tables"], "user": header["tables"]["user"] + 1}}
    user_start = next(i for i, line in enumerate(lines) if line.startswith('{"table":"user"'))
    columns = json.loads(lines[user_start])["columns"]
    bad_time = json.loads(lines[user_start + 1])
    bad_time[columns.index("created_at")] = "2026-11-23T10:00:00"  # no zone
    comment_start = next(i for i, line in enumerate(lines) if line.startswith('{"table":"comment"'))
    comment_columns = json.loads(lines[comment_start])["columns"]
    orphan = next(
        i
        for i in range(comment_start + 1, len(lines))
        if json.loads(lines[i])[comment_columns.index("parent_id")] is not None
    )
    orphaned = json.loads(lines[orphan])
    orphaned[comment_columns.index("parent_id")] = 999_999
    return {
        "cut short": lines[: len(lines) // 2],
        "no end line": lines[:-1],
        "wrong end line": [*lines[:-1], json.dumps({"end": True, "rows": 1})],
        "not json": [*lines[:last_row], "[1, 2,", *lines[last_row + 1 :]],
        "not ours": ['{"hello": "world"}', *lines[1:]],
        "wrong count": [json.dumps(wrong_count), *lines[1:]],
        "naive timestamp": [
            *lines[: user_start + 1],
            json.dumps(bad_time),
            *lines[user_start + 2 :],
        ],
        "short row": [*lines[:last_row], "[1]", *lines[last_row + 1 :]],
        "trailing garbage": [*lines, "[1]"],
        "missing parent": [*lines[:orphan], json.dumps(orphaned), *lines[orphan + 1 :]],
        # The last row's table refers to a user who is not there: the database refuses it,
        # after every other table went in; the transaction takes them all back.
        "dangling reference": [
            *lines[:last_row],
            json.dumps(_with_user(json.loads(lines[last_row]), lines, last_row, 999_999)),
            *lines[last_row + 1 :],
        ],
    }


def _with_user(row: list[Any], lines: list[str], at: int, user_id: int) -> list[Any]:
    """`row` (at line `at`) with every foreign key to a person set to `user_id`."""
    section = next(i for i in range(at, 0, -1) if lines[i].startswith('{"table"'))
    table = db.metadata.tables[json.loads(lines[section])["table"]]
    columns = json.loads(lines[section])["columns"]
    changed = list(row)
    for fk in table.foreign_keys:
        if fk.column.table.name in ("user", "ballot", "vote_option"):
            changed[columns.index(fk.parent.name)] = user_id
    assert changed != row, "the last table should refer to another table"
    return changed


DAMAGE = [
    "cut short",
    "no end line",
    "wrong end line",
    "not json",
    "not ours",
    "wrong count",
    "naive timestamp",
    "short row",
    "trailing garbage",
    "missing parent",
    "dangling reference",
]


@pytest.mark.parametrize("damage", DAMAGE)
def test_import_refuses_a_damaged_file_and_leaves_the_database_as_it_was(
    source, empty_target, tmp_path, damage
):
    path = write_lines(tmp_path / "damaged.jsonl", _damaged_files(source.lines())[damage])
    result = import_(empty_target, path)
    assert result.exit_code != 0, result.output
    assert "Nothing was imported" in result.output
    if damage == "naive timestamp":
        assert "user.created_at should be a timestamp with its UTC offset" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert_empty(empty_target)


def test_import_refuses_a_truncated_gzip_file(source, empty_target, tmp_path):
    whole = source.gz.read_bytes()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    result = import_(empty_target, cut)
    assert result.exit_code != 0 and "cut short" in result.output, result.output
    assert_empty(empty_target)


def test_replies_before_their_parents_in_the_file_still_import(source, fresh_database, tmp_path):
    """Rows of a self-referencing table (comments' parent and root) are inserted parents
    first, whatever order the file has them in."""
    lines = source.lines()
    start = next(i for i, line in enumerate(lines) if line.startswith('{"table":"comment"'))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("["))
    columns = json.loads(lines[start])["columns"]
    rows = [json.loads(line) for line in lines[start + 1 : end]]
    assert any(r[columns.index("parent_id")] is not None for r in rows)
    shuffled = [*lines[: start + 1], *reversed(lines[start + 1 : end]), *lines[end:]]
    target = fresh_database("sqlite", "replies")
    result = import_(target, write_lines(tmp_path / "reversed.jsonl", shuffled))
    assert result.exit_code == 0, result.output
    assert_same_backup(source.plain, export(target, tmp_path / "again.jsonl"))


def test_standard_output_and_input(source, fresh_database):
    exported = run(source.app, "export", "-")
    assert exported.exit_code == 0
    body = exported.stdout
    assert body.startswith('{"format":"townhall-backup"')
    target = fresh_database("sqlite", "stdio")
    imported = run(target, "import", "-", input=body.encode())
    assert imported.exit_code == 0, imported.output
    assert row_counts(target) == row_counts(source.app)


def test_the_file_is_readable_only_by_its_owner(source):
    assert source.gz.stat().st_mode & 0o077 == 0
    assert not list(source.gz.parent.glob(".source*"))  # no temporary file left behind


# --- the audit log is verified before anything is kept --------------------------------------


def this_runs_kind(database_url: str) -> str:
    """The kind of database this run tests ("postgresql" in the PostgreSQL pass)."""
    return "postgresql" if is_postgres(database_url) else "sqlite"


def with_altered_audit_entry(lines: list[str], position: int) -> list[str]:
    """The backup with the `position`th audit entry's details changed and its hash kept,
    as someone editing the file to rewrite a decision would leave it."""
    start = next(i for i, line in enumerate(lines) if line.startswith('{"table":"audit_entry"'))
    columns = json.loads(lines[start])["columns"]
    row = json.loads(lines[start + position])
    assert isinstance(row, list), "the backup holds fewer audit entries than the test needs"
    row[columns.index("data")] = '{"note":"rewritten after the export"}'
    return [*lines[: start + position], json.dumps(row), *lines[start + position + 1 :]]


def test_an_import_whose_audit_log_does_not_verify_keeps_nothing(
    source, fresh_database, database_url, tmp_path
):
    """The rows go in cleanly (only the hash gives the change away), so the chain is
    checked in the import's own transaction, and a broken one takes every row back."""
    target = fresh_database(this_runs_kind(database_url), "altered-audit")
    altered = write_lines(
        tmp_path / "altered.jsonl", with_altered_audit_entry(source.lines(), position=3)
    )
    result = import_(target, altered)
    assert result.exit_code == 1, result.output
    assert "Nothing was imported" in result.output
    assert "audit log does not verify: entry 3 (#3) was changed" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert_empty(target)

    result = import_(target, source.plain)
    assert result.exit_code == 0, result.output
    entries = json.loads(source.lines()[0])["tables"]["audit_entry"]
    assert f"The audit log is intact: {entries} entries" in result.output
    assert row_counts(target) == row_counts(source.app)


# --- nobody else writes into an import ------------------------------------------------------


class PausingStream(io.StringIO):
    """A backup that stops before line `pause_at` until the test lets it go on, so the
    test can act while the import is under way."""

    def __init__(self, text_: str, pause_at: int) -> None:
        super().__init__(text_)
        self.pause_at = pause_at
        self.lines_read = 0
        self.paused = threading.Event()
        self.resume = threading.Event()

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        self.lines_read += 1
        if self.lines_read == self.pause_at:
            self.paused.set()
            if not self.resume.wait(60):
                raise OSError("the test never let the import go on")
        return super().readline(size)


class Background:
    """Run `work` in a thread; keep its result or its exception."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = threading.Event()

        def run_it() -> None:
            try:
                self.result = work()
            except BaseException as error:  # handed to the test by outcome()
                self.error = error
            finally:
                self.done.set()

        self.thread = threading.Thread(target=run_it, daemon=True)
        self.thread.start()

    def outcome(self) -> Any:
        assert self.done.wait(60), "the background work never finished"
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.result


def import_paused_after_its_checks(
    application: Flask, path: Path
) -> tuple[Background, PausingStream]:
    """Start importing `path` in the background; return once the import has checked the
    database is empty and is about to insert the first table's rows."""
    # Line 2 is the first table's section: read after the transaction began, the locks
    # were taken and the database was found empty, before any row goes in.
    stream = PausingStream(path.read_text(encoding="utf-8"), pause_at=2)

    def work() -> backup.Imported:
        with application.app_context():
            return backup.import_from(db.engine, db.metadata, stream)

    importing = Background(work)
    assert stream.paused.wait(60) or importing.done.is_set()
    if importing.done.is_set():
        importing.outcome()  # raises what stopped it
    return importing, stream


WRITE_AN_AREA = text(
    "INSERT INTO area (kind, name) VALUES ('process', 'Written during the import') RETURNING id"
)


def write_an_area(engine) -> int:
    """What a running site does: one short write in a transaction of its own."""
    with engine.begin() as connection:
        return connection.execute(WRITE_AN_AREA).scalar_one()


def largest_area_id(application: Flask) -> int:
    from townhall.consultations.models import Area

    with application.app_context():
        largest = db.session.scalar(select(func.max(Area.id))) or 0
        db.session.remove()
    return largest


def test_a_writer_waits_for_an_import_on_sqlite(source, empty_target):
    """The import holds SQLite's write lock from before its emptiness check to its
    commit: a site's write made meanwhile waits (its busy timeout), then lands after."""
    from townhall.database import tune_sqlite

    importing, stream = import_paused_after_its_checks(empty_target, source.plain)
    site = create_engine(empty_target.config["SQLALCHEMY_DATABASE_URI"])
    tune_sqlite(site)  # as the running site's engine: WAL and a 15 s busy timeout
    try:
        writing = Background(lambda: write_an_area(site))
        # Unprotected, the write is done in milliseconds; held off, it cannot finish.
        assert not writing.done.wait(1.5), "a write went in while the import was under way"
        stream.resume.set()
        imported = importing.outcome()
        written = writing.outcome()
    finally:
        stream.resume.set()
        site.dispose()
    assert imported.counts == row_counts(source.app)
    assert written > largest_area_id(source.app)
    assert row_counts(empty_target)["area"] == imported.counts["area"] + 1


def postgres_only(database_url: str) -> None:
    if not is_postgres(database_url):
        pytest.skip("PostgreSQL's sessions and table locks are tested in the PostgreSQL pass")


def waiting_on_a_lock(monitor, pid: int) -> bool:
    return (
        monitor.execute(
            text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        ).scalar()
        == "Lock"
    )


def test_a_writer_arriving_mid_import_waits_for_it_on_postgresql(
    source, fresh_database, database_url
):
    """Every table is locked for the whole import: a site's write that arrives after the
    emptiness check waits for the commit rather than landing among the imported rows."""
    postgres_only(database_url)
    target = fresh_database("postgresql", "writer-waits")
    importing, stream = import_paused_after_its_checks(target, source.plain)
    url = target.config["SQLALCHEMY_DATABASE_URI"]
    site, watcher = create_engine(url), create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with site.connect() as connection, watcher.connect() as monitor:
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
            connection.commit()

            def write() -> int:
                with connection.begin():
                    return connection.execute(WRITE_AN_AREA).scalar_one()

            writing = Background(write)
            deadline = time.monotonic() + 30
            while not waiting_on_a_lock(monitor, pid):
                assert not writing.done.is_set(), "a write went in while the import was under way"
                assert time.monotonic() < deadline, "the write neither waited nor finished"
                time.sleep(0.05)
            stream.resume.set()
            imported = importing.outcome()
            written = writing.outcome()
    finally:
        stream.resume.set()
        site.dispose()
        watcher.dispose()
    assert imported.counts == row_counts(source.app)
    assert written > largest_area_id(source.app)  # the sequence was moved on first
    assert row_counts(target)["area"] == imported.counts["area"] + 1


def test_import_refuses_while_other_sessions_are_connected_unless_forced(
    source, fresh_database, database_url
):
    postgres_only(database_url)
    target = fresh_database("postgresql", "in-use")
    url = target.config["SQLALCHEMY_DATABASE_URI"]
    site = create_engine(url, connect_args={"application_name": "townhall-web"})
    console = create_engine(url)
    try:
        with site.connect() as web, console.connect() as other:
            for held in (web, other):  # connected and idle, as a site between requests
                held.execute(text("SELECT 1"))
                held.commit()
            result = import_(target, source.plain)
            assert result.exit_code == 1, result.output
            output = " ".join(result.output.split())
            assert "Nothing was imported. 2 other sessions are connected" in output
            assert "(townhall-web)" in output
            assert "Stop the site first" in output and "--force" in output
            assert_empty(target)

            forced = run(target, "import", "--force", str(source.plain))
            assert forced.exit_code == 0, forced.output
            assert "The audit log is intact" in forced.output
            # The sessions were left alone and see the whole import.
            assert (
                web.execute(text("SELECT count(*) FROM area")).scalar_one()
                == (row_counts(source.app)["area"])
            )
    finally:
        site.dispose()
        console.dispose()
    assert row_counts(target) == row_counts(source.app)


def test_a_forced_import_gives_up_on_tables_another_session_keeps(
    source, fresh_database, database_url, monkeypatch
):
    """A session inside a transaction that has read a table holds it: a forced import
    waits a while for it, then stops cleanly and says why."""
    postgres_only(database_url)
    from townhall.backup import restore

    monkeypatch.setattr(restore, "LOCK_TIMEOUT_SECONDS", 1)
    target = fresh_database("postgresql", "kept")
    console = create_engine(target.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with console.connect() as other:
            other.execute(text("SELECT count(*) FROM consultation"))  # its transaction stays open
            result = run(target, "import", "--force", str(source.plain))
            other.rollback()
    finally:
        console.dispose()
    assert result.exit_code == 1, result.output
    output = " ".join(result.output.split())
    assert "Nothing was imported. Another session kept this database's tables in use" in output
    assert_empty(target)


# --- values of every type the format knows -------------------------------------------------


class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


def test_every_column_type_round_trips_through_the_format(tmp_path):
    """The types Townhall's models use today and the ones the format promises."""
    metadata = MetaData()
    table = Table(
        "sample",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("at", UTCDateTime()),
        Column("naive", DateTime()),
        Column("day", Date()),
        Column("clock", Time()),
        Column("span", Interval()),
        Column("blob", LargeBinary()),
        Column("colour", Enum(Colour, values_callable=lambda m: [c.value for c in m])),
        Column("doc", JSON()),
        Column("price", Numeric(10, 2)),
        Column("ratio", Double()),
        Column("flag", Boolean()),
        Column("name", String(40)),
        Column("body", Text()),
        Column("ref", Uuid()),
    )
    values = {
        "id": 7,
        "at": datetime(2026, 11, 23, 17, 5, 3, 123456, tzinfo=UTC),
        "naive": datetime(2026, 1, 2, 3, 4, 5, 6),
        "day": date(2026, 2, 28),
        "clock": datetime(2026, 1, 1, 13, 14, 15, 16).time(),
        "span": timedelta(days=2, microseconds=3),
        "blob": bytes(range(256)),
        "colour": Colour.GREEN,
        "doc": {"b": [1, 2.5, None, True], "a": "ü"},
        "price": Decimal("12.30"),
        "ratio": 0.1 + 0.2,
        "flag": False,
        "name": 'Zoë "O\'Neill"',
        "body": "line\nline\t\\",
        "ref": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    }
    codecs = {c.name: backup.codec_for(c) for c in table.columns}
    for name, value in values.items():
        written = json.loads(json.dumps(codecs[name].encode(value)))
        assert codecs[name].decode(written) == value, name
    assert codecs["at"].encode(values["at"]) == "2026-11-23T17:05:03.123456+00:00"
    with pytest.raises(ValueError):
        codecs["at"].decode("2026-11-23T17:05:03")  # a time without its zone is refused
    with pytest.raises(ValueError):
        codecs["id"].decode(True)  # JSON true is not a number here


def test_a_column_type_the_format_does_not_know_is_refused():
    from sqlalchemy.types import NullType

    table = Table("odd", MetaData(), Column("id", Integer, primary_key=True), Column("x", NullType))
    with pytest.raises(backup.BackupError, match=r"does not know how to write column odd\.x"):
        backup.codec_for(table.columns["x"])


def test_every_model_column_has_a_codec(app):
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            backup.codec_for(column)
