"""Hostile input to every HTML form, every page and every socket event.

The form endpoints are found in the app's URL map (every rule that accepts POST
outside /api/; the API has its own fuzzing from its OpenAPI document in
tests/api/test_schema_fuzz.py). Each is posted by someone allowed to use it, on a
seeded town hall, with fields drawn from tests/security/fuzz_strategies.py: the
form's own fields (found on the app's pages, including those a form shows only on one
object: a queued case, an open vote, a closed consultation, a live reset link) missing,
repeated or hostile, extra fields, bad CSRF tokens, odd content types and junk query
strings. Every page (GET) gets junk in its path converters and query string,
anonymous and as an admin.

The test app has TOWNHALL_RAISE_ERRORS on, so an unhandled exception fails the test
with its traceback instead of becoming a friendly 500. Every answer must be below
500, and every refusal (4xx) must say what is wrong in plain words: the form's error
summary, the error page's message, or a JSON message.

Socket events (join, leave and every action registered with live) get arbitrary
payloads through a real python-socketio client; the ack is never a server error and
the server carries on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from werkzeug.exceptions import HTTPException
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

from tests.conftest import DEFAULT_PASSWORD, IsolatedClient
from tests.security.fuzz_strategies import (
    HOSTILE_TEXT,
    KNOWN_ARGUMENTS,
    NASTY_ROOMS,
    FormField,
    encode_body,
    query_strings,
    socket_payloads,
    submissions,
    to_wire,
    urlencode,
)
from townhall.accounts.models import User
from townhall.accounts.permissions import Role
from townhall.database import MAX_ID
from townhall.extensions import db

# Examples per endpoint: each is one request, so the whole file stays well under a
# minute per database. derandomize makes CI runs repeatable; the seed is fixed.
FORM_EXAMPLES = 20
PAGE_EXAMPLES = 4
SOCKET_EXAMPLES = 60


def fuzz_settings(examples: int) -> settings:
    """Settings for one endpoint's examples."""
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        # Huge strings are one character times a length, so draws stay small; but
        # a request with a 600 kB body can take a while, which is what we test.
        suppress_health_check=[HealthCheck.too_slow],
    )


# --- who posts each form ---------------------------------------------------------

ANONYMOUS = None
#: The role each form is posted as, when it is not an admin (who may use every form).
ROLE_FOR: dict[str, Role | None] = {
    "accounts.sign_in": ANONYMOUS,
    "accounts.sign_up": ANONYMOUS,
    "accounts.forgot_password": ANONYMOUS,
    "accounts.reset_password": ANONYMOUS,
    "moderation.appeal_case": Role.CITIZEN,
    "moderation.appeal_sanction": Role.CITIZEN,
    "places.task_action": Role.STAFF,
}

#: Endpoints that take a POST but show no form on a page the fuzzer reads (they get junk
#: fields only); every other form's fields must be found, so hostile values reach them.
NO_FORM_ON_A_PAGE = {
    "accounts.resend_verification": "shown only while one's email is unconfirmed",
    "places.nearby": "JSON, posted by the nearby page's script",
    "places.push_subscribe": "JSON, posted by the push script",
    "places.push_unsubscribe": "JSON, posted by the push script",
}

#: The blueprints with HTML forms, in groups of about equal work (each group is one
#: test on one seeded town hall); a new blueprint with a form must be added here.
BLUEPRINT_GROUPS = (
    ("accounts", "api_pages", "notifications", "dialogue"),
    ("consultations", "engagement", "places"),
    ("moderation", "proposals"),
)
BLUEPRINTS = tuple(name for group in BLUEPRINT_GROUPS for name in group)

#: Where the ids in path converters come from, by argument name.
ID_TABLES = {
    "token_id": ("api_token",),
    "area_id": ("area", "saved_area"),
    "user_id": (),  # only the world's citizen and staff member: never demote the admin
    "consultation_id": ("consultation",),
    "comment_id": ("comment",),
    "objective_id": ("engagement_objective",),
    "plan_id": ("engagement_plan",),
    "appeal_id": ("moderation_appeal",),
    "case_id": ("moderation_case",),
    "content_id": ("comment", "proposal"),
    "sanction_id": ("moderation_sanction",),
    "place_id": ("place",),
    "proposal_id": ("proposal",),
    "vote_id": ("vote",),
    "task_id": ("staff_task",),
    "notification_id": ("notification",),
}
WORDS_FOR = {
    "kind": ("comment", "proposal", "announcement", "display_name"),
    "table": ("consultations", "proposals", "outcomes", "tallies", "ballots"),
    "name": ("socket.io.min.js", "socket.io.js"),
}
MISSING_IDS = (0, 999_999, MAX_ID)


# --- the seeded town hall ---------------------------------------------------------


@dataclass
class World:
    """A seeded town hall: one person per role, and ids and words for every path converter.

    Some forms show only on a particular object, so their fields can be read and their
    posts reach the view's own checks only there: `needs` names, by endpoint, the ids
    tried first for it (a case still queued, open votes of every ballot shape, a closed
    consultation for its outcome, a post one may flag).
    """

    people: dict[Role, User]
    preferred: dict[str, list[int]] = field(default_factory=dict)
    ids: dict[str, list[int]] = field(default_factory=dict)
    needs: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    #: Words for string converters (a check-in code, a password-reset token), by name.
    words: dict[str, list[str]] = field(default_factory=dict)

    def id_values(self, name: str, endpoint: str | None = None) -> list[int]:
        """Ids worth trying for a path argument: what the endpoint needs, the world's own,
        then others."""
        needed = self.needs.get(endpoint or "", {}).get(name, [])
        return list(
            dict.fromkeys([*needed, *self.preferred.get(name, []), *self.ids.get(name, [])])
        )

    def word_values(self, name: str) -> list[str]:
        """Words worth trying for a string argument: the world's own, then known ones."""
        return [*self.words.get(name, []), *WORDS_FOR.get(name, ())]

    def pages_per_rule(self, endpoint: str) -> int:
        """How many of a page's ids to read forms from: 3, or all the endpoint needs."""
        return max([3, *(len(ids) for ids in self.needs.get(endpoint, {}).values())])


@pytest.fixture
def world(app: Flask, create_user, areas) -> World:
    """A demo council, with objects of the test's own people to edit and appeal."""
    from townhall.accounts.service import request_password_reset
    from townhall.api.tokens import create_token
    from townhall.consultations.models import Consultation, Status
    from townhall.database import utcnow
    from townhall.demo_council import seed_demo_council
    from townhall.dialogue.models import Comment
    from townhall.dialogue.service import post_comment
    from townhall.moderation import service as moderation
    from townhall.moderation.models import SanctionKind, Verdict
    from townhall.places.alerts import save_area
    from townhall.places.service import check_in_code
    from townhall.proposals import votes
    from townhall.proposals.models import Method, Proposal, Vote

    app.config["RATELIMIT_SIGN_IN"] = "10000 per minute"
    people = {
        role: create_user(role=role, display_name=f"Fuzz {role.label}")
        for role in (Role.ADMIN, Role.OFFICER, Role.MODERATOR, Role.STAFF, Role.CITIZEN)
    }
    admin, citizen, moderator = people[Role.ADMIN], people[Role.CITIZEN], people[Role.MODERATOR]
    seed_demo_council(people[Role.OFFICER])
    vote = db.session.scalars(db.select(Vote).order_by(Vote.id)).first()
    assert vote is not None, "the demo council has a vote"
    consultation = vote.consultation
    mine = post_comment(consultation, admin, "The admin's own comment, to edit and delete.")
    theirs = post_comment(consultation, citizen, "A citizen's comment, hidden then appealed.")
    db.session.flush()
    case = moderation.flag_post("comment", theirs.id, people[Role.STAFF], "5.1", "Off topic.")
    moderation.decide_case(case, moderator, Verdict.REMOVE, clause_number="5.1")
    first = moderation.sanction_user(citizen, moderator, SanctionKind.WARN, "5.1", "On topic.")
    second = moderation.sanction_user(citizen, moderator, SanctionKind.WARN, "5.1", "Again.")
    moderation.appeal_sanction(first, citizen, "I was on topic.")
    create_token(admin, "fuzz", ["read"])
    # The objects some forms need (see World.needs).
    queued = [
        moderation.flag_post(
            "comment",
            post_comment(consultation, citizen, f"Queued comment {n} for a moderator.").id,
            people[Role.STAFF],
            "5.1",
            "Off topic.",
        )
        for n in range(3)
    ]
    now = utcnow()
    # The demo's open vote asks for a ranking; these ask for ticks, scores and one choice.
    other_shapes = [
        votes.create_vote(
            consultation,
            people[Role.OFFICER],
            votes.VoteDetails(
                title=f"Fuzz: {method.label}",
                method=method,
                opens_at=now - timedelta(minutes=1),
                closes_at=now + timedelta(days=7),
                stated_options=[] if method is Method.MAJORITY else [("Oak", None), ("Ash", None)],
            ),
            now=now - timedelta(minutes=2),
        )
        for method in (Method.APPROVAL, Method.SCORE, Method.MAJORITY)
    ]
    db.session.flush()
    open_votes = [
        v.id
        for v in db.session.scalars(
            db.select(Vote).where(Vote.consultation_id == consultation.id).order_by(Vote.id)
        )
        if v.is_open_at(now)
    ]
    assert len(open_votes) == 1 + len(other_shapes), "the demo consultation has an open vote"
    closed = db.session.scalars(
        db.select(Consultation)
        .where(Consultation.status == Status.CLOSED)
        .order_by(Consultation.id)
    ).first()
    assert closed is not None, "the demo council has a closed consultation"
    # A resident's comment, which the admin may flag (not their own, still shown).
    flaggable = db.session.scalars(
        db.select(Comment)
        .where(
            Comment.consultation_id == consultation.id,
            Comment.author_id.not_in([p.id for p in people.values()]),
            Comment.deleted_at.is_(None),
        )
        .order_by(Comment.id)
    ).first()
    assert flaggable is not None, "the demo council's residents have commented"
    # An area of interest of the admin's, for its delete button.
    save_area(admin, "Fuzz home", 51.752, -1.2577, 500)
    # A person of their own: a fuzzed reset that succeeds changes only their password.
    forgetful = create_user(display_name="Fuzz Forgetful")
    reset = request_password_reset(forgetful.email)
    assert reset is not None
    # And one moving address: the links that confirm the move, and that stop it.
    from townhall.accounts.service import make_not_me_token, request_email_change

    mover = create_user(display_name="Fuzz Mover")
    move = request_email_change(mover, DEFAULT_PASSWORD, "fuzz.moved@example.org")
    assert move is not None
    not_me = make_not_me_token(mover, "fuzz.moved@example.org")
    db.session.commit()

    proposal = db.session.scalars(
        db.select(Proposal).where(Proposal.consultation_id == consultation.id)
    ).first()
    made = World(people=people)
    made.preferred = {
        "consultation_id": [consultation.id],
        "comment_id": [mine.id, theirs.id],
        "content_id": [theirs.id],
        "case_id": [case.id],
        "sanction_id": [second.id, first.id],
        "vote_id": [vote.id],
        "proposal_id": [proposal.id] if proposal else [],
        "user_id": [citizen.id, people[Role.STAFF].id],
    }
    made.needs = {
        "moderation.case": {"case_id": [c.id for c in queued]},
        "proposals.show_vote": {"vote_id": open_votes},
        "proposals.cast": {"vote_id": open_votes},
        "consultations.outcome": {"consultation_id": [closed.id]},
        "moderation.flag": {"content_id": [flaggable.id]},
    }
    made.words["token"] = [reset[1], move, not_me]
    for name, tables in ID_TABLES.items():
        found: list[int] = []
        for table in tables:
            rows = db.session.execute(text(f"SELECT id FROM {table} ORDER BY id LIMIT 3"))
            found.extend(row[0] for row in rows)
        made.ids[name] = found
    place_id = next(iter(made.ids["place_id"]), None)
    if place_id is not None:
        from townhall.places.models import Place

        made.words["code"] = [check_in_code(db.session.get(Place, place_id))]
    return made


# --- the URL map -----------------------------------------------------------------


def form_rules(app: Flask) -> list[Rule]:
    """Every rule that accepts POST outside the JSON API."""
    return [
        rule
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and not rule.rule.startswith("/api/")
    ]


def page_rules(app: Flask) -> list[Rule]:
    """Every rule that answers GET outside the JSON API."""
    return [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.rule.startswith("/api/")
    ]


def _any_words(converter: AnyConverter) -> list[str]:
    """The words an `<any(...)>` converter matches."""
    return [re.sub(r"\\(.)", r"\1", w) for w in converter.regex.strip("()").split("|")]


def _converter_values(rule: Rule, name: str, world: World) -> st.SearchStrategy[str]:
    converter = rule._converters[name]
    if isinstance(converter, IntegerConverter):
        good = world.id_values(name, rule.endpoint)
        odd = st.sampled_from([*MISSING_IDS, MAX_ID + 1, 2**63, 10**30])
        if not good:
            return odd.map(str)
        # Mostly real ids, so the request reaches the view's own checks.
        return st.one_of(st.sampled_from(good), st.sampled_from(good[:1]), odd).map(str)
    if isinstance(converter, AnyConverter):
        return st.one_of(st.sampled_from(_any_words(converter)), HOSTILE_TEXT)
    known = world.word_values(name)
    if not known:
        return HOSTILE_TEXT
    # Mostly the world's own word (a live token, a real code), so posts reach the view.
    return st.one_of(st.sampled_from(known), st.sampled_from(known[:1]), HOSTILE_TEXT)


_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def paths(rule: Rule, world: World, *, hostile: bool = True) -> st.SearchStrategy[str]:
    """Paths matching `rule` with values for its converters (ids, words, junk)."""
    names = list(rule._converters)
    if not names:
        return st.just(rule.rule)

    def build(values: list[str]) -> str:
        given_values = dict(zip(names, values, strict=True))
        return _ARGUMENT.sub(lambda m: quote(to_wire(given_values[m.group(1)]), safe=""), rule.rule)

    values = [_converter_values(rule, name, world) for name in names]
    drawn = st.tuples(*values).map(lambda vs: build(list(vs)))
    real = first_path(rule, world)
    if len(names) > 1 and real is not None:
        # Converters drawn one by one rarely name objects that go together (a post of
        # that kind, a comment in that consultation): often take the world's own path.
        return st.one_of(st.just(real), drawn)
    return drawn


def first_path(rule: Rule, world: World, which: int = 0) -> str | None:
    """The rule's path with the world's first (or `which`th) id or word for each converter."""
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            known: list[Any] = world.id_values(name, rule.endpoint)
        elif isinstance(converter, AnyConverter):
            known = _any_words(converter)
        else:
            known = world.word_values(name)
        if not known:
            return None
        values[name] = quote(str(known[min(which, len(known) - 1)]), safe="")
    return _ARGUMENT.sub(lambda m: values[m.group(1)], rule.rule)


# --- the app's own forms, read from its pages -------------------------------------


class FormReader(HTMLParser):
    """Collect each POST form on a page: its action and its fields with their values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, FormField]]] = []
        self._fields: dict[str, FormField] | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._fields = {}
            self.forms.append((a.get("action", ""), self._fields))
        if self._fields is None:
            return
        name = a.get("name")
        if tag in ("input", "button") and name:
            if a.get("type") in ("checkbox", "radio"):
                value = a.get("value", "y")
            else:
                value = a.get("value", "")
            self._add(name, value)
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")
        elif tag == "select" and name:
            self._select = name
            self._add(name, "")
        elif tag == "option" and self._select:
            self._add(self._select, a.get("value", ""))

    def handle_data(self, data: str) -> None:
        if self._fields is not None and self._textarea:
            old = self._fields[self._textarea]
            self._fields[self._textarea] = FormField(old.name, old.value + data, old.choices)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._fields = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def _add(self, name: str, value: str) -> None:
        assert self._fields is not None
        old = self._fields.get(name)
        if old is None:
            self._fields[name] = FormField(name, value)
        elif value not in (old.value, *old.choices):
            self._fields[name] = FormField(name, old.value or value, (*old.choices, value))


# Found once per process: field names do not change between tests.
_FORM_FIELDS: dict[str, tuple[FormField, ...]] = {}


def _read_forms(client: FlaskClient, app: Flask, pages: list[str]) -> None:
    adapter = app.url_map.bind("localhost")
    for page in pages:
        response = client.get(page)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        reader = FormReader()
        reader.feed(response.get_data(as_text=True))
        for action, fields in reader.forms:
            try:
                endpoint, _ = adapter.match(urlsplit(action or page).path, method="POST")
            except HTTPException:
                continue
            known = {f.name: f for f in _FORM_FIELDS.get(endpoint, ())}
            known.update({k: v for k, v in fields.items() if k not in known})
            _FORM_FIELDS[endpoint] = tuple(known.values())


def form_fields(app: Flask, world: World) -> dict[str, tuple[FormField, ...]]:
    """The fields of every form on the app's pages, by the endpoint they post to."""
    if _FORM_FIELDS:
        return _FORM_FIELDS
    # Each page with the world's first few ids: a form shows only on some objects
    # (an open vote, a case still queued, a post one may flag).
    pages = list(
        dict.fromkeys(
            p
            for rule in page_rules(app)
            for n in range(world.pages_per_rule(rule.endpoint))
            if (p := first_path(rule, world, n))
        )
    )
    client = fresh_client(app)
    _read_forms(client, app, [p for p in pages if "<" not in p])
    for role in (Role.CITIZEN, Role.STAFF, Role.ADMIN):
        sign_in_as(client, world.people[role])
        _read_forms(client, app, pages)
    return _FORM_FIELDS


# --- clients and answers ----------------------------------------------------------


def fresh_client(app: Flask) -> FlaskClient:
    """A new browser: no cookies, each request in its own app context."""
    app.test_client_class = IsolatedClient
    return app.test_client()


CSRF_INPUT = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_token(client: FlaskClient) -> str:
    """The CSRF token of the client's session, from a page with a form."""
    for page in ("/", "/sign-in", "/account"):
        match = CSRF_INPUT.search(client.get(page).get_data(as_text=True))
        if match:
            return match.group(1)
    raise AssertionError("no page with a CSRF token")


def sign_in_as(client: FlaskClient, user: User | None) -> None:
    """Start a fresh session, signed in as `user` (or anonymous)."""
    client._cookies.clear()
    if user is None:
        return
    response = client.post(
        "/sign-in",
        data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


# Werkzeug's and Flask-WTF's own words: a refusal in these did not go through our pages.
NOT_PLAIN = (
    "The browser (or proxy) sent a request that this server could not understand",
    "The requested URL was not found on the server",
    "The method is not allowed for the requested URL",
    "The CSRF token is missing",
    "The CSRF token is invalid",
    "Traceback (most recent call last)",
)
# A refusal shown on one of our pages: its heading, then words in a paragraph or an
# error summary's list (the error page, a form sent back, a notice saying what to do).
MAIN = re.compile(r"<main\b.*?</main>", re.S)
HEADING = re.compile(r"<h1\b[^>]*>\s*[^<\s][^<]*</h1>")
WORDS = re.compile(r"<(?:p|li)\b[^>]*>\s*(?:<a [^>]*>)?[^<]*[A-Za-z]{3,}[^<]*[ .][^<]*<")


def assert_answer(response: Any, what: str) -> None:
    """Below 500, and a refusal says what is wrong in plain words."""
    status = response.status_code
    assert status < 500, f"{what} -> {status}"
    if status < 400:
        return
    if response.is_json:
        body = response.get_json(silent=True)
        assert isinstance(body, dict), f"{what} -> {status} with JSON that is not an object"
        message = body.get("message") or body.get("detail") or body.get("error")
        assert isinstance(message, str) and message.strip(), f"{what} -> {status}: {body}"
        return
    assert response.mimetype == "text/html", f"{what} -> {status} as {response.mimetype}"
    page = response.get_data(as_text=True)
    for words in NOT_PLAIN:
        assert words not in page, f"{what} -> {status} says {words!r}"
    main = MAIN.search(page)
    assert main and HEADING.search(main.group(0)) and WORDS.search(main.group(0)), (
        f"{what} -> {status} with no message: {page[:2000]}"
    )


# --- the tests --------------------------------------------------------------------


def test_every_form_has_a_poster(app):
    """A new form endpoint fails here until it is in a blueprint this file fuzzes."""
    unknown = {r.endpoint for r in form_rules(app) if r.endpoint.split(".")[0] not in BLUEPRINTS}
    assert not unknown, f"add these to BLUEPRINTS (and ROLE_FOR if not for admins): {unknown}"
    assert len(form_rules(app)) >= 50


@pytest.mark.parametrize("blueprints", BLUEPRINT_GROUPS, ids="+".join)
def test_forms_refuse_hostile_input_in_plain_words(app, world, blueprints):
    fields = form_fields(app, world)
    client = fresh_client(app)
    rules = [r for r in form_rules(app) if r.endpoint.split(".")[0] in blueprints]
    assert {r.endpoint.split(".")[0] for r in rules} == set(blueprints)
    unread = {r.endpoint for r in rules if not fields.get(r.endpoint)} - set(NO_FORM_ON_A_PAGE)
    assert not unread, f"no page shows these forms: add what they need to World.needs: {unread}"
    for rule in sorted(rules, key=lambda r: (r.endpoint == "accounts.sign_out", r.rule)):
        role = ROLE_FOR.get(rule.endpoint, Role.ADMIN)
        user = world.people[role] if role is not None else None
        sign_in_as(client, user)
        token = csrf_token(client)
        fuzz_form(client, rule, fields.get(rule.endpoint, ()), world, token)


def fuzz_form(
    client: FlaskClient, rule: Rule, fields: tuple[FormField, ...], world: World, token: str
) -> None:
    """Post hostile submissions of one form."""

    @given(submission=submissions(fields), path=paths(rule, world))
    @fuzz_settings(FORM_EXAMPLES)
    def post(submission, path):
        body, headers = encode_body(submission, token)
        url = f"{path}?{submission.query}" if submission.query else path
        response = client.post(url, data=body, headers=headers)
        assert_answer(response, f"POST {url[:200]} ({rule.endpoint}) {submission.describe()}")

    post()


@pytest.mark.parametrize("role", [ANONYMOUS, Role.ADMIN], ids=["anonymous", "admin"])
def test_pages_refuse_junk_paths_and_queries_in_plain_words(app, world, role):
    client = fresh_client(app)
    sign_in_as(client, world.people[role] if role is not None else None)
    rules = page_rules(app)
    assert len(rules) >= 60
    for rule in rules:
        fuzz_page(client, rule, world)


# Numbers that look like ids to `str.isdigit` but are not ones a database can hold.
NASTY_NUMBERS = ("99999999999999999999", "2147483648", "²", "-1", "0", "1e3", "٣")


def fuzz_page(client: FlaskClient, rule: Rule, world: World) -> None:
    """Ask for one page with junk in its path and query string."""
    path = first_path(rule, world)
    if path is not None:
        # Every argument the app reads, at once, with each kind of nasty number.
        for number in NASTY_NUMBERS:
            url = f"{path}?{urlencode([(name, number) for name in KNOWN_ARGUMENTS])}"
            assert_answer(client.get(url), f"GET {url[:200]} ({rule.endpoint})")
    ids = [n for n, c in rule._converters.items() if isinstance(c, IntegerConverter)]
    for number in (MAX_ID + 1, 2**63, 10**30) if ids else ():
        # Ids no database column holds, in every id of the path at once.
        url = _ARGUMENT.sub(lambda m, n=number: str(n) if m.group(1) in ids else "x", rule.rule)
        assert_answer(client.get(url), f"GET {url[:200]} ({rule.endpoint})")

    @given(path=paths(rule, world), query=query_strings())
    @fuzz_settings(PAGE_EXAMPLES)
    def get(path, query):
        url = f"{path}?{query}" if query else path
        assert_answer(client.get(url), f"GET {url[:200]} ({rule.endpoint})")

    get()


# --- input comes back when a form is refused --------------------------------------


@pytest.fixture
def small_world(app, create_user, create_consultation) -> World:
    """One open consultation and a citizen: enough for the spot checks."""
    consultation = create_consultation(status="open", uses_proposals=True)
    made = World(people={Role.CITIZEN: create_user(display_name="Cara Citizen")})
    made.preferred["consultation_id"] = [consultation.id]
    return made


@pytest.fixture
def signed_in(app, small_world) -> Callable[[Role | None], FlaskClient]:
    def make(role: Role | None) -> FlaskClient:
        client = fresh_client(app)
        sign_in_as(client, small_world.people[role] if role is not None else None)
        return client

    return make


def test_a_refused_comment_comes_back_with_its_text(app, signed_in, small_world):
    from townhall.dialogue.forms import comment_max_chars

    with app.test_request_context():
        limit = comment_max_chars()
    client = signed_in(Role.CITIZEN)
    consultation_id = small_world.preferred["consultation_id"][0]
    words = "Sunday opening would help shift workers. " * 400
    response = client.post(
        f"/consultations/{consultation_id}/comments",
        data={"comment-body": words[: limit + 1], "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Sunday opening would help shift workers." in page
    assert f"Comments can be at most {limit:,} characters" in page
    # A forged token: refused before the view runs, replayed into the form.
    response = client.post(
        f"/consultations/{consultation_id}/comments",
        data={"comment-body": "Please keep the Tuesday late opening.", "csrf_token": "forged"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Please keep the Tuesday late opening." in page
    assert "did not come from this site" in page


def test_a_refused_sign_up_keeps_the_name_but_not_the_password(signed_in):
    client = signed_in(ANONYMOUS)
    response = client.post(
        "/sign-up",
        data={
            "display_name": "Priya Shah",
            "email": "not an email",
            "password": "a long secret phrase here",
            "confirm": "a long secret phrase here",
            "csrf_token": csrf_token(client),
        },
    )
    assert 400 <= response.status_code < 500
    page = response.get_data(as_text=True)
    assert 'value="Priya Shah"' in page
    assert "not an email" in page
    assert "a long secret phrase here" not in page


def test_a_refused_proposal_comes_back_with_its_text(signed_in, small_world):
    client = signed_in(Role.CITIZEN)
    consultation_id = small_world.preferred["consultation_id"][0]
    response = client.post(
        f"/consultations/{consultation_id}/proposals/new",
        data={
            "title": "",
            "body": "A reading garden behind the library.",
            "cost": "-5",
            "csrf_token": csrf_token(client),
        },
    )
    assert 400 <= response.status_code < 500
    assert "A reading garden behind the library." in response.get_data(as_text=True)


def test_json_sent_to_a_form_is_refused_in_plain_words(signed_in, small_world):
    client = signed_in(Role.CITIZEN)
    consultation_id = small_world.preferred["consultation_id"][0]
    token = csrf_token(client)
    for body in ("[]", "true", '{"comment-body": ["a", {"b": 1}]}'):
        response = client.post(
            f"/consultations/{consultation_id}/comments",
            data=body,
            headers={"Content-Type": "application/json", "X-CSRFToken": token},
        )
        assert response.status_code == 415
        assert "forms take what you type in them, not JSON" in response.get_data(as_text=True)
    # A view that reads JSON still does.
    response = client.post(
        "/places/nearby",
        data='{"latitude": 51.75, "longitude": -1.25}',
        headers={"Content-Type": "application/json", "X-CSRFToken": token},
    )
    assert response.status_code != 415


# --- sockets ----------------------------------------------------------------------


@pytest.fixture
def socket_client(live_server, app, small_world) -> Iterator[Callable[[Role | None], Any]]:
    """`socket_client(role)`: a connected python-socketio client, signed in as `role`."""
    from tests.live.conftest import Recorder, close_all, session_cookie

    made: list[Recorder] = []

    def make(role: Role | None) -> Recorder:
        cookie = None
        if role is not None:
            http = fresh_client(app)
            sign_in_as(http, small_world.people[role])
            cookie = session_cookie(http)
        recorder = Recorder(live_server, cookie)
        made.append(recorder)
        return recorder.connect()

    yield make
    close_all(made)


def socket_events() -> dict[str, tuple[str, ...]]:
    """Every socket event a client may send, with the keys its payload uses."""
    from townhall.live.events import _actions

    events = {"join": ("room", "last_id"), "leave": ("room",)}
    known_keys = {"nearby_position": ("latitude", "longitude")}
    for name in _actions:
        events[name] = known_keys.get(name, ("id", "room", "text"))
    return events


@pytest.mark.parametrize("role", [ANONYMOUS, Role.CITIZEN], ids=["anonymous", "citizen"])
def test_socket_events_refuse_any_payload_and_carry_on(socket_client, small_world, role):
    events = socket_events()
    assert "nearby_position" in events, "the places action is registered"
    client = socket_client(role)
    bystander = socket_client(ANONYMOUS)
    room = f"consultation:{small_world.preferred['consultation_id'][0]}"
    assert bystander.join(room)["ok"] is True

    @given(
        event=st.sampled_from([*events, "no_such_event"]),
        data=st.data(),
    )
    @fuzz_settings(SOCKET_EXAMPLES)
    def send(event, data):
        payload = data.draw(socket_payloads(events.get(event, ("x",))))
        answer = client.call(event, payload)
        assert isinstance(answer, dict), f"{event} {payload!r:.200} -> {answer!r}"
        assert answer.get("error") != "server_error", f"{event} {payload!r:.200} -> {answer}"
        if answer.get("ok") is not True:
            assert isinstance(answer.get("message"), str) and answer["message"]
        assert client.client.connected

    send()
    for nasty in NASTY_ROOMS:
        for event in ("join", "leave"):
            answer = client.call(event, {"room": nasty, "last_id": 0})
            assert answer.get("error") != "server_error", f"{event} {nasty} -> {answer}"
    # Both sockets still work.
    assert client.join(room)["ok"] is True
    from townhall.live import publish_now

    publish_now(room, "fuzz_done", {"n": 1})
    assert bystander.wait_for("fuzz_done")["data"] == {"n": 1}
