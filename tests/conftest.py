"""Fixtures shared by the whole suite.

The database is the one TOWNHALL_TEST_DATABASE_URL names (SQLite in a temporary
folder when unset). Its schema is built once per run by the real migrations, and
every test starts with every table empty. A run that names a service it cannot
reach fails at once; tests that need a service this run does not provide skip and
say why (and fail instead when CI=true, where everything must be present).
"""

from __future__ import annotations

import contextvars
import os
import re
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from townhall import create_app
from townhall.accounts.models import User
from townhall.accounts.permissions import Role
from townhall.config import normalise_database_url
from townhall.extensions import limiter

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = Path(os.environ.get("TOWNHALL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEFAULT_PASSWORD = "correct horse battery staple"


def skip_or_fail(reason: str) -> None:
    """Skip a test whose service is missing; in CI, where it must exist, fail."""
    if IN_CI:
        pytest.fail(f"{reason} (required when CI=true)")
    pytest.skip(reason)


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """Hash test passwords with argon2id at its lightest settings.

    The real settings cost a good fraction of a second per hash on purpose; the
    suite makes thousands of accounts. Verifying reads the settings from each hash,
    so everything else behaves as in production.
    """
    from argon2 import PasswordHasher

    from townhall.accounts import passwords

    real = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = real


# --- the database -----------------------------------------------------------


def _reset_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


# pytest-xdist runs the suite in several worker processes ("gw0", "gw1", ...); each
# gets a database and a Redis database of its own, so workers never see each
# other's rows, rate-limit counters or socket messages.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_number() -> int:
    """This worker's number (0 when the suite runs in one process)."""
    return int(XDIST_WORKER.removeprefix("gw") or 0)


def _worker_postgres(url: str) -> str:
    """A database of this worker's own beside the configured one, made when missing."""
    if not XDIST_WORKER:
        return url
    configured = make_url(url)
    name = f"{configured.database}_{XDIST_WORKER}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return configured.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of this run's test database, emptied and ready for migrations."""
    configured = os.environ.get("TOWNHALL_TEST_DATABASE_URL")
    if not configured:
        # tmp_path_factory's folders are per worker already.
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "townhall.db")
    url = normalise_database_url(configured)
    try:
        engine = create_engine(url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # any failure to reach it is fatal for this run
        pytest.fail(f"TOWNHALL_TEST_DATABASE_URL names a database that cannot be reached: {error}")
    if make_url(url).get_backend_name() == "postgresql":
        url = _worker_postgres(url)
        _reset_postgres(url)
    return url


@pytest.fixture(scope="session")
def redis_url() -> str | None:
    """REDIS_URL when this run names one (reachable, or the run fails); else None.

    Under xdist each worker moves to the next Redis database number along.
    """
    url = os.environ.get("REDIS_URL")
    if not url:
        return None
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except Exception as error:
        pytest.fail(f"REDIS_URL names a Redis that cannot be reached: {error}")
    if XDIST_WORKER:
        parts = urlsplit(url)
        base = int(parts.path.strip("/") or 0)
        url = parts._replace(path=f"/{(base + _worker_number()) % 16}").geturl()
    return url


def settings_for_tests(database_url: str, redis_url: str | None, outbox: Path) -> dict[str, Any]:
    """Settings for an app under test."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-" + uuid.uuid4().hex,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAIL_SERVER": None,
        "MAIL_OUTBOX": str(outbox),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_KEY_PREFIX": "townhall-tests",
        "SOCKETIO_MESSAGE_QUEUE": None,
        "TOWNHALL_RAISE_ERRORS": True,
        "SERVER_NAME": None,
        # Beside the outbox, so parallel workers never race to make one shared key file.
        "PLACES_VAPID_KEY_FILE": str(outbox.parent / "vapid_private_key.pem"),
        # The default standards minus the clauses that trip bulk posting from fresh
        # accounts (new-account hold, posting rate, repeats, length); moderation's own
        # tests use the default file.
        "TOWNHALL_STANDARDS": str(Path(__file__).parent / "moderation" / "suite_standards.toml"),
    }


@pytest.fixture(scope="session")
def _migrated(database_url: str, redis_url: str | None, tmp_path_factory) -> None:
    """Build the schema once per run, through the migrations."""
    from flask_migrate import upgrade

    app = create_app(settings_for_tests(database_url, redis_url, tmp_path_factory.mktemp("outbox")))
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        from townhall.extensions import db

        db.engine.dispose()


def _tables_used(connection: Any, tables: list[Any]) -> list[str]:
    """The tables a test left rows in, or whose id sequence it moved on.

    TRUNCATE costs a file swap per table; most tests touch a handful of the schema's
    tables, so only those are emptied (and their ids restarted).
    """
    quote = connection.dialect.identifier_preparer.quote
    with_rows = " UNION ALL ".join(
        f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM {quote(t.name)})" for t in tables
    )
    used = set(connection.execute(text(with_rows)).scalars())
    moved = connection.execute(
        text(
            "SELECT DISTINCT t.relname FROM pg_class s"
            " JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass"
            " JOIN pg_class t ON t.oid = d.refobjid"
            " JOIN pg_sequences q ON q.schemaname = current_schema()"
            " AND q.sequencename = s.relname"
            " WHERE s.relkind = 'S' AND q.last_value IS NOT NULL"
        )
    ).scalars()
    ours = {t.name for t in tables}
    used.update(name for name in moved if name in ours)
    return sorted(used)


def empty_all_tables(app: Flask) -> None:
    """Delete every row, children first, so the next test starts clean."""
    from townhall.extensions import db

    with app.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                used = _tables_used(connection, tables)
                if used:
                    quote = connection.dialect.identifier_preparer.quote
                    names = ", ".join(quote(name) for name in used)
                    # The audit log refuses TRUNCATE while accounts exist (its guard
                    # runs before any table empties); the suite's own reset runs as a
                    # superuser with triggers off, as a restore tool would.
                    connection.execute(text("SET LOCAL session_replication_role = replica"))
                    connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    """The folder this test's mail is written to."""
    path = tmp_path / "outbox"
    path.mkdir()
    return path


@pytest.fixture
def app(_migrated, database_url: str, redis_url: str | None, outbox: Path) -> Iterator[Flask]:
    """A fresh app on the test database, with every table empty."""
    application = create_app(settings_for_tests(database_url, redis_url, outbox))
    with application.app_context():
        # The limiter is one object for the process and keeps the first app's key
        # prefix, so counts in Redis would carry over from earlier tests: clear them.
        limiter.reset()
        yield application
    empty_all_tables(application)


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own app context, as in production.

    The `app` fixture keeps an app context open for the test's own database work;
    Flask would reuse it for the client's requests, sharing `g` and the database
    session between requests. Each request runs in an empty context instead, and
    afterwards the test's session forgets what it had loaded, so it reads what the
    request wrote.
    """

    def open(self, *args: Any, **kwargs: Any):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        from townhall.extensions import db

        if has_app_context():
            db.session.expire_all()
        return response


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A Flask test client."""
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    """A runner for `flask` commands."""
    return app.test_cli_runner()


# --- people -----------------------------------------------------------------


@pytest.fixture
def create_user(app: Flask) -> Callable[..., User]:
    """Make a person: `create_user(role=Role.OFFICER, verified=True, ...)`."""
    from townhall.accounts import service
    from townhall.extensions import db

    counter = iter(range(1, 10_000))

    def make(
        *,
        role: Role = Role.CITIZEN,
        email: str | None = None,
        display_name: str | None = None,
        password: str = DEFAULT_PASSWORD,
        verified: bool = True,
    ) -> User:
        n = next(counter)
        user = service.register_user(
            email or f"{role.value}{n}@example.org",
            display_name or f"{role.label} Person {n}",
            password,
            role=role,
            verified=verified,
        )
        db.session.commit()
        return user

    return make


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token_from(client: FlaskClient, page: str = "/sign-in") -> str:
    """Fetch a page and return the CSRF token of the form on it."""
    html = client.get(page).get_data(as_text=True)
    match = CSRF_INPUT.search(html)
    assert match, f"no CSRF token on {page}"
    return match.group(1)


class FormPoster:
    """Post forms as a browser would: with the CSRF token of the current session."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def __call__(
        self,
        url: str,
        data: dict[str, Any] | None = None,
        *,
        token_page: str = "/sign-in",
        **kwargs: Any,
    ):
        payload = dict(data or {})
        payload.setdefault("csrf_token", csrf_token_from(self.client, token_page))
        return self.client.post(url, data=payload, **kwargs)


@pytest.fixture
def post_form(client: FlaskClient) -> FormPoster:
    """`post_form(url, data)`: post a form with a valid CSRF token."""
    return FormPoster(client)


@pytest.fixture
def sign_in(client: FlaskClient, post_form: FormPoster) -> Callable[..., Any]:
    """`sign_in(user)`: sign the test client in as `user`."""

    def do(user: User, password: str = DEFAULT_PASSWORD, remember: bool = False):
        data = {"email": user.email, "password": password}
        if remember:
            data["remember"] = "y"
        response = post_form("/sign-in", data)
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return do


# --- mail -------------------------------------------------------------------


def read_outbox(folder: Path) -> list[EmailMessage]:
    """Return the messages in an outbox folder, oldest first."""
    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in files]  # type: ignore[misc]


LINK = re.compile(r"https?://\S+")


def link_in(message: EmailMessage) -> str:
    """The first link in a message's body."""
    body = message.get_content()
    match = LINK.search(body)
    assert match, body
    return match.group(0)


@pytest.fixture
def mailbox(outbox: Path) -> Callable[[], list[EmailMessage]]:
    """`mailbox()`: the messages sent so far in this test."""
    return lambda: read_outbox(outbox)


# --- a live server and a browser --------------------------------------------


def free_port() -> int:
    """A TCP port that nothing is listening on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve the test app on a free local port in a thread; yield its base URL."""
    app.config["TOWNHALL_RAISE_ERRORS"] = False
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a browser Playwright downloads)."""
    if not CHROMIUM.exists():
        skip_or_fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser page in its own context (its own cookies)."""
    context = browser.new_context()
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


# --- consultations ------------------------------------------------------------


@pytest.fixture
def areas(app) -> dict[str, Any]:
    """The council's default areas, by name."""
    from townhall.consultations.service import ensure_default_areas, list_areas
    from townhall.extensions import db

    ensure_default_areas()
    db.session.commit()
    return {a.name: a for a in list_areas()}


@pytest.fixture
def create_consultation(app, areas, create_user) -> Callable[..., Any]:
    """Make a consultation: `create_consultation(status="open", audience="staff", ...)`.

    It goes through the real service functions, so it is in a state they can reach.
    """
    from datetime import timedelta

    from townhall.consultations import service
    from townhall.consultations.models import Audience, Status
    from townhall.database import utcnow
    from townhall.extensions import db

    officers: list[User] = []

    def make(
        *,
        status: str = "open",
        audience: str = "public",
        title: str = "Library opening hours",
        author: User | None = None,
        **overrides: Any,
    ):
        if author is None:
            if not officers:
                officers.append(create_user(role=Role.OFFICER, display_name="Olive Officer"))
            author = officers[0]
        now = utcnow()
        details = service.ConsultationDetails(
            title=title,
            summary=overrides.pop("summary", "Should the central library open on Sundays?"),
            body=overrides.pop("body", "We propose **Sunday opening** from 10:00 to 16:00."),
            process_area_id=areas["Community Consultations"].id,
            service_area_id=areas["Libraries"].id,
            audience=Audience(audience),
            opens_at=now + timedelta(days=1),
            closes_at=now + timedelta(days=30),
        )
        for name, value in overrides.items():
            setattr(details, name, value)
        consultation = service.create_consultation(author, details)
        wanted = Status(status)
        if wanted is Status.SCHEDULED:
            service.schedule_consultation(consultation)
        elif wanted is not Status.DRAFT:
            service.open_consultation(consultation)
            if wanted in (Status.CLOSED, Status.OUTCOME_PUBLISHED, Status.ARCHIVED):
                service.close_consultation(consultation)
            if wanted in (Status.OUTCOME_PUBLISHED, Status.ARCHIVED) and consultation.uses_outcome:
                service.publish_outcome(
                    consultation, author, you_said="Mostly yes.", decision="Open on Sundays.",
                    reasons="Demand is high.", next_steps="Starts in May.",
                )  # fmt: skip
            if wanted is Status.ARCHIVED:
                service.archive_consultation(consultation)
        db.session.commit()
        return consultation

    return make
