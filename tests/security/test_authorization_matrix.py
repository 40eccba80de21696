"""Every route by every role, against the table in authorization_matrix.py.

The rules come from `app.url_map`: a rule (and method) with no row fails, naming it,
and so does a row whose rule no longer exists. The world is built once; every row is
tried for every role inside one test, and every mismatch is collected into one
failure message (route, method, role, expected, got).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from tests.conftest import IsolatedClient
from tests.security.authorization_matrix import (
    FORBIDDEN,
    HIDDEN,
    OK,
    ROLES,
    ROWS,
    SIGN_IN,
    Row,
)
from tests.security.authorization_world import PASSWORD, World, build_world
from townhall.extensions import db, limiter

SKIPPED_METHODS = {"HEAD", "OPTIONS"}
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def routes_of(app: Flask) -> set[tuple[str, str]]:
    """Every (rule, method) the app answers, but static files, HEAD and OPTIONS."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods or ():
            if method not in SKIPPED_METHODS:
                found.add((rule.rule, method))
    return found


def outcome_of(response: Any, secret: str | None = None) -> str:
    """Name what a response means for the person: ok, sign_in, forbidden, hidden, or a status."""
    status = response.status_code
    if status == 401 or (
        300 <= status < 400 and urlsplit(response.location or "").path == "/sign-in"
    ):
        return SIGN_IN
    if status == 403:
        return FORBIDDEN
    if status == 404:
        return HIDDEN
    if status < 400:
        if secret is not None and secret not in response.get_data(as_text=True):
            return "ok_redacted"
        return OK
    return str(status)


# --- what a request wrote ---------------------------------------------------------------

WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
# Writes any request may make without it being "a change": noting when a token was used.
VOLATILE = re.compile(r"^\s*UPDATE\s+\"?api_token\"?\s+SET\s+last_used_at\s*=", re.IGNORECASE)


class WriteLog:
    """The tables that requests changed and committed, seen at the database driver.

    Cheaper and sharper than comparing tables: a statement that touched no rows (a
    DELETE of someone else's area) or was rolled back is no change.
    """

    def __init__(self) -> None:
        self.pending: dict[int, set[str]] = {}
        self.committed: set[str] = set()
        self.on = False

    def written(self, conn, cursor, statement, parameters, context, executemany) -> None:
        match = WRITE.match(statement)
        if self.on and match and cursor.rowcount != 0 and not VOLATILE.match(statement):
            self.pending.setdefault(id(conn), set()).add(match.group(1).lower())

    def committed_(self, conn) -> None:
        self.committed |= self.pending.pop(id(conn), set())

    def rolled_back(self, conn) -> None:
        self.pending.pop(id(conn), None)

    def attach(self, engine: Any) -> None:
        event.listen(engine, "after_cursor_execute", self.written)
        event.listen(engine, "commit", self.committed_)
        event.listen(engine, "rollback", self.rolled_back)

    def detach(self, engine: Any) -> None:
        event.remove(engine, "after_cursor_execute", self.written)
        event.remove(engine, "commit", self.committed_)
        event.remove(engine, "rollback", self.rolled_back)

    def during(self, work: Any) -> tuple[Any, list[str]]:
        """Run `work()`; return its result and the tables it changed."""
        self.pending.clear()
        self.committed = set()
        self.on = True
        try:
            result = work()
        finally:
            self.on = False
        return result, sorted(self.committed)


# --- people's clients ----------------------------------------------------------------------


class Visitor:
    """One role's browser (a signed-in test client with its CSRF token) and API token."""

    def __init__(self, app: Flask, role: str, user: Any, token: str | None) -> None:
        app.test_client_class = IsolatedClient
        self.app, self.role, self.user, self.token = app, role, user, token
        self.client: FlaskClient = app.test_client()
        if user is not None:
            csrf = self._csrf("/sign-in")
            response = self.client.post(
                "/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf}
            )
            assert response.status_code == 302, f"{role} could not sign in"
        self.csrf = self._csrf("/account" if user is not None else "/sign-in")

    def _csrf(self, page: str) -> str:
        match = CSRF_INPUT.search(self.client.get(page).get_data(as_text=True))
        assert match, f"no CSRF token on {page}"
        return match.group(1)

    def request(self, row: Row, url: str, data: Any, body: Any) -> Any:
        headers = dict(row.headers)
        if url.startswith("/api/"):
            if self.token:
                headers["Authorization"] = f"Bearer {self.token}"
            return self.client.open(url, method=row.method, json=body, headers=headers)
        headers["X-CSRFToken"] = self.csrf
        if body is not None:
            return self.client.open(url, method=row.method, json=body, headers=headers)
        if row.method == "GET":
            return self.client.get(url, headers=headers)
        form = {"csrf_token": self.csrf, **(data or {})}
        return self.client.open(url, method=row.method, data=form, headers=headers)


def fill(value: Any, **names: Any) -> Any:
    """Format every string in `value` (a dict of form fields, or one string)."""
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, dict):
        return {fill(key, **names): fill(item, **names) for key, item in value.items()}
    return value


# --- running the table ----------------------------------------------------------------------


@pytest.fixture
def world(app: Flask, areas: dict[str, Any]) -> Iterator[World]:
    """The world, built once for the test; rate limits off (they are not authorization)."""
    built = build_world(app, areas)
    was = limiter.enabled
    limiter.enabled = False
    try:
        yield built
    finally:
        limiter.enabled = was


def try_row(
    world: World, visitor: Visitor, row: Row, writes: WriteLog, expect_as: str | None = None
) -> str | None:
    """Run one row for one role (judged as `expect_as`, if given); return what went wrong."""
    role = visitor.role
    if row.own_session:
        # Signing in or out, or deleting the account, must not touch the shared session.
        from townhall.accounts.permissions import Role

        person = world.person(Role(role)) if role != "anonymous" else None
        db.session.commit()
        visitor = Visitor(visitor.app, role, person, None)
    actor = visitor.user
    target = getattr(world, row.make)(role, actor) if row.make else None
    db.session.commit()  # the request reads on its own connection
    names = {"w": world, "t": target, "role": role, "actor": actor, "n": ROLES.index(role)}
    url = fill(row.url or row.rule, **names)
    data = fill(row.data, **names) if row.data else None
    body = row.json(world, target, role) if row.json else None
    kept = getattr(world, row.keeps)() if row.keeps else None
    response, changes = writes.during(lambda: visitor.request(row, url, data, body))
    got = outcome_of(response, row.secret)
    expected = row.expect[expect_as or role]
    problems = []
    if got != expected:
        problems.append(f"expected {expected}, got {got} ({response.status_code})")
    if row.changes is not None:
        # A refused request never changes anything; nor does any GET here.
        should_change = row.changes and got == OK and row.method != "GET"
        if should_change and not changes:
            problems.append("answered ok but changed nothing")
        if not should_change and changes and (got != OK or row.method != "GET"):
            problems.append(f"changed {', '.join(changes)} though it should not")
    if row.keeps and getattr(world, row.keeps)() != kept:
        problems.append(f"changed {row.keeps}")
    if not problems:
        return None
    return f"{row.label} {url} as {role}: " + "; ".join(problems)


def test_every_route_has_a_row_and_every_row_a_route(app: Flask) -> None:
    """A new route without a row fails, and so does a row for a route that is gone."""
    routes = routes_of(app)
    covered = {(row.rule, row.method) for row in ROWS}
    missing = sorted(routes - covered)
    stale = sorted(covered - routes)
    assert not missing and not stale, (
        "\n".join(f"no row for {method} {rule}" for rule, method in missing)
        + "\n"
        + "\n".join(
            f"a row for {method} {rule}, which the app no longer has" for rule, method in stale
        )
    )


def test_rows_name_every_role() -> None:
    """Each row says what each role meets."""
    incomplete = [row.label for row in ROWS if set(row.expect) != set(ROLES)]
    assert not incomplete, incomplete


# The table runs in parts (each with its own world), so parallel workers share it out.
PARTS = {
    "people": ("", "live", "standards", ".well-known", "privacy", "sw.js", "favicon.ico", "sign-in",
               "sign-out", "sign-up", "verify", "password", "account", "admin", "notifications"),
    "consultations": ("consultations", "officer"),
    "places-and-moderation": ("places", "c", "tasks", "moderation", "engagement"),
    "decisions": ("proposals", "votes"),
    "api": ("api",),
}  # fmt: skip


def part_of(row: Row) -> str:
    """Which part of the table a row belongs to, by the first segment of its rule."""
    first = row.rule.split("/")[1]
    return next(name for name, firsts in PARTS.items() if first in firsts)


def test_every_row_is_in_a_part() -> None:
    """No row falls outside the parts that run."""
    lost = []
    for row in ROWS:
        try:
            part_of(row)
        except StopIteration:
            lost.append(row.label)
    assert not lost, lost


@pytest.mark.parametrize("part", list(PARTS))
def test_authorization_matrix(app: Flask, world: World, part: str) -> None:
    """Every row, for every role, meets the outcome the table gives."""
    visitors = [Visitor(app, role, world.actor(role), world.tokens.get(role)) for role in ROLES]
    rows = [row for row in ROWS if part_of(row) == part]
    failures = []
    writes = WriteLog()
    writes.attach(db.engine)
    try:
        for row in rows:
            for visitor in visitors:
                try:
                    problem = try_row(world, visitor, row, writes)
                except Exception as error:  # one broken row must not hide the others
                    db.session.rollback()
                    problem = f"{row.label} as {visitor.role}: raised {error!r}"
                if problem:
                    failures.append(problem)
    finally:
        writes.detach(db.engine)
    assert not failures, f"{len(failures)} mismatches:\n" + "\n".join(failures)


def test_a_demoted_officers_token_keeps_its_scope_but_not_the_role(
    app: Flask, world: World
) -> None:
    """A token's officer scope outlives its owner's role: the role must still decide."""
    from townhall.accounts import service as accounts
    from townhall.accounts.permissions import Role

    officer = world.actor("officer")
    accounts.change_role(officer, Role.CITIZEN, changed_by=world.admin_author)
    db.session.commit()
    visitor = Visitor(app, "officer", officer, world.tokens["officer"])
    writes = WriteLog()
    writes.attach(db.engine)
    try:
        failures = [
            problem
            for row in ROWS
            if part_of(row) == "api"
            and (problem := try_row(world, visitor, row, writes, expect_as="citizen"))
        ]
    finally:
        writes.detach(db.engine)
    assert not failures, f"{len(failures)} mismatches:\n" + "\n".join(failures)


def test_refusals_are_not_csrf_failures(app: Flask, world: World) -> None:
    """The matrix's posts carry a real CSRF token: without one the same post is a 400
    (the CSRF check), so a 403 in the table is the permission check speaking."""
    officer = Visitor(app, "officer", world.actor("officer"), None)
    row = next(r for r in ROWS if (r.method, r.rule) == ("POST", "/consultations/new"))
    data = fill(row.data, w=world, role="officer")
    bare = officer.client.post("/consultations/new", data=data)
    assert bare.status_code == 400
    sent = officer.client.post("/consultations/new", data={"csrf_token": officer.csrf, **data})
    assert sent.status_code in (302, 303), sent.status_code
