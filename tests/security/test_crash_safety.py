"""Crash safety: SIGKILL the real server in the middle of a stream of votes and comments.

The server runs as production runs it (gunicorn, one worker, threads) on a database
of this test's own, prepared by `flask townhall prepare --no-demo`. Client threads
stream ballots (people voting and changing their votes) and comments; part-way
through, the worker and its master are killed with SIGKILL; a new server starts on
the same database and the stream goes on. Right after the kill (before the stream can
overwrite what it left) and again at the end:

- every ballot and comment the server acknowledged (2xx or 3xx) is stored, and a
  person's ballot is their last acknowledged one (or one sent after it whose answer
  the kill swallowed);
- nothing is half-written: no ballot without its marks, no comment without its
  moderation case, decision and audit entry, no rows left pointing at nothing;
- at the end, the counts the pages show match the database, and
  `flask townhall audit verify` passes.
"""

from __future__ import annotations

import random
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select, text

from tests.conftest import DEFAULT_PASSWORD, settings_for_tests
from tests.security.crash_server import Server, environment, flask, signed_in
from tests.security.plain_http import Credentials, Reply, ServerGone, WebSession
from townhall import create_app
from townhall.accounts.permissions import Role
from townhall.database import utcnow
from townhall.extensions import db

PEOPLE = 24
THREADS = 6
ACKS_BEFORE_KILL = 50
ACKS_AFTER_RESTART = 30
STREAM_LIMIT_S = 20
COMMENT_FIELD = "comment-body"


# --- the database and the world on it ----------------------------------------------


@dataclass
class World:
    """What the stream needs: the consultation, the vote, its options and the people."""

    consultation_id: int
    vote_id: int
    option_ids: list[int]
    people: dict[int, Credentials] = field(default_factory=dict)


def build_world(app: Flask) -> World:
    """People, an open consultation and an open approval vote, through the services."""
    from townhall.accounts import service as accounts
    from townhall.consultations import service as consultations
    from townhall.proposals.models import Method
    from townhall.proposals.votes import VoteDetails, create_vote

    with app.app_context():
        officer = accounts.register_user(
            "officer@crash.example", "Olive Officer", DEFAULT_PASSWORD, role=Role.OFFICER,
            verified=True,
        )  # fmt: skip
        people = [
            accounts.register_user(
                f"person{n}@crash.example", f"Person {n}", DEFAULT_PASSWORD, verified=True
            )
            for n in range(PEOPLE)
        ]
        areas = {a.name: a for a in consultations.list_areas()}
        now = utcnow()
        consultation = consultations.create_consultation(
            officer,
            consultations.ConsultationDetails(
                title="Library opening hours",
                summary="Should the central library open on Sundays?",
                body="We propose Sunday opening.",
                process_area_id=areas["Community Consultations"].id,
                service_area_id=areas["Libraries"].id,
                closes_at=now + timedelta(days=30),
                uses_voting=True,
            ),
        )
        consultations.open_consultation(consultation)
        vote = create_vote(
            consultation,
            officer,
            VoteDetails(
                title="Which days should it open?",
                method=Method.APPROVAL,
                opens_at=now,
                closes_at=now + timedelta(days=7),
                stated_options=[(day, None) for day in ("Friday", "Saturday", "Sunday", "Monday")],
            ),
            now=now,
        )
        db.session.commit()
        world = World(consultation.id, vote.id, [o.id for o in vote.options])
        ids = [p.id for p in people]
        db.session.remove()
    for person_id, n in zip(ids, range(PEOPLE), strict=True):
        world.people[person_id] = signed_in(app, f"person{n}@crash.example")
    return world


# --- the stream -------------------------------------------------------------------


@dataclass
class Attempt:
    """One request of the stream and what became of it."""

    kind: str  # "ballot" or "comment"
    person_id: int
    choice: frozenset[int] = frozenset()  # a ballot's approved options
    body: str = ""  # a comment's text
    status: int | None = None  # None: no answer (the server was killed or down)
    receipt: str | None = None

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 400


class Stream:
    """Client threads sending ballots and comments until told to stop."""

    def __init__(self, app: Flask, world: World) -> None:
        self.app = app
        self.world = world
        self.base_url = ""
        self.attempts: list[Attempt] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.acks = 0

    def snapshot(self) -> list[Attempt]:
        """The attempts so far (call when no answer can arrive, as with the server down)."""
        with self.lock:
            return list(self.attempts)

    def acknowledged(self) -> int:
        with self.lock:
            return self.acks

    def run(self, thread: int) -> None:
        people = list(self.world.people)[thread::THREADS]
        rng = random.Random(thread)
        n = 0
        while not self.stopping.is_set():
            person = people[n % len(people)]
            n += 1
            if rng.random() < 0.5:
                chosen = rng.sample(self.world.option_ids, rng.randint(1, 3))
                attempt = Attempt("ballot", person, choice=frozenset(chosen))
                path = f"/votes/{self.world.vote_id}/ballot"
                fields: list[tuple[str, Any]] = [("approve", str(o)) for o in chosen]
            else:
                attempt = Attempt(
                    "comment", person, body=f"Stream comment {thread}-{n}: Sundays would suit me."
                )
                path = f"/consultations/{self.world.consultation_id}/comments"
                fields = [(COMMENT_FIELD, attempt.body)]
            who = self.world.people[person]
            with self.lock:
                self.attempts.append(attempt)
            try:
                reply = WebSession(self.base_url).send(
                    "POST", path, [*fields, ("csrf_token", who.csrf_token)],
                    cookie_header=who.cookie_header,
                )  # fmt: skip
            except ServerGone:
                time.sleep(0.2)  # killed or not yet back: try the next one shortly
                continue
            self.record(attempt, reply)

    def record(self, attempt: Attempt, reply: Reply) -> None:
        attempt.status = reply.status
        if attempt.kind == "ballot" and attempt.acknowledged:
            attempt.receipt = self.receipt_in(reply)
        if attempt.acknowledged:
            with self.lock:
                self.acks += 1

    def receipt_in(self, reply: Reply) -> str:
        cookie = reply.set_cookies[self.app.config["SESSION_COOKIE_NAME"]]
        serializer = self.app.session_interface.get_signing_serializer(self.app)  # type: ignore[attr-defined]
        return serializer.loads(cookie)[f"receipt-{self.world.vote_id}"]


def wait_for(condition: Any, limit_s: float, what: str) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


# --- the test ----------------------------------------------------------------------


def test_acknowledged_votes_and_comments_survive_a_sigkill(
    database_url: str, server_database: str, tmp_path: Path
):
    secret = "crash-" + uuid.uuid4().hex
    env = environment(server_database, secret, tmp_path)
    flask(env, "townhall", "prepare", "--no-demo")
    settings = settings_for_tests(server_database, None, tmp_path / "outbox")
    settings.update(SECRET_KEY=secret, RATELIMIT_SIGN_IN="100000 per minute")
    app = create_app(settings)
    server = Server(env, tmp_path / "gunicorn.log")
    server.launch()  # it starts while the people sign in
    world = build_world(app)
    stream = Stream(app, world)
    threads = [threading.Thread(target=stream.run, args=(n,)) for n in range(THREADS)]
    try:
        server.wait_until_ready()
        stream.base_url = server.base_url
        for thread in threads:
            thread.start()
        wait_for(lambda: stream.acknowledged() >= ACKS_BEFORE_KILL, STREAM_LIMIT_S, "the stream")
        server.kill()
        killed_at = stream.acknowledged()
        # What the kill left, before the stream goes on and overwrites any of it.
        check_database(app, world, stream.snapshot())
        server.start()
        stream.base_url = server.base_url
        wait_for(
            lambda: stream.acknowledged() >= killed_at + ACKS_AFTER_RESTART,
            STREAM_LIMIT_S,
            "the stream after the restart",
        )
    finally:
        stream.stopping.set()
        for thread in threads:
            thread.join(timeout=30)

    # The operator's check runs beside the test's own: nothing writes any more.
    with ThreadPoolExecutor(max_workers=1) as pool:
        verifying = pool.submit(flask, env, "townhall", "audit", "verify")
        try:
            check_everything(app, world, stream, server)
        finally:
            server.stop()
        assert "The audit log is intact" in verifying.result().stdout


def check_everything(app: Flask, world: World, stream: Stream, server: Server) -> None:
    """Run every check on what the stream left behind."""
    statuses = sorted({a.status for a in stream.attempts if a.status is not None})
    assert all(s < 500 for s in statuses), statuses
    # Every answer the server gave was a yes; the rest were lost to the kill.
    assert {a.status for a in stream.attempts if not a.acknowledged} <= {None}, statuses
    assert any(a.status is None for a in stream.attempts), "the kill interrupted nothing"
    check_database(app, world, stream.attempts)
    with app.app_context():
        try:
            check_pages(world, server.base_url)
        finally:
            db.session.remove()


def check_database(app: Flask, world: World, attempts: list[Attempt]) -> None:
    """Acknowledged writes are stored, and nothing is half-written."""
    with app.app_context():
        try:
            check_ballots(world, attempts)
            check_comments(world, attempts)
            check_no_orphans()
            if db.engine.dialect.name == "sqlite":
                assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        finally:
            db.session.remove()
            db.engine.dispose()


# --- the checks --------------------------------------------------------------------


def check_ballots(world: World, attempts: list[Attempt]) -> None:
    """Each person's stored ballot is whole and is their last acknowledged one, or one
    sent after it whose answer was lost in the kill."""
    from townhall.proposals.models import Ballot, BallotMark
    from townhall.proposals.votes import _receipt_hash

    stored: dict[int, frozenset[int]] = {}
    receipts: dict[int, str] = {}
    for ballot in db.session.scalars(select(Ballot).where(Ballot.vote_id == world.vote_id)):
        marks = db.session.scalars(
            select(BallotMark.option_id).where(BallotMark.ballot_id == ballot.id)
        ).all()
        assert marks, f"ballot {ballot.id} has no marks"
        stored[ballot.voter_id] = frozenset(marks)
        receipts[ballot.voter_id] = ballot.receipt_hash
    acknowledged = 0
    for person in world.people:
        mine = [a for a in attempts if a.kind == "ballot" and a.person_id == person]
        last = max((i for i, a in enumerate(mine) if a.acknowledged), default=None)
        if last is None:
            assert person not in stored or stored[person] in {a.choice for a in mine}
            continue
        acknowledged += 1
        assert person in stored, f"person {person}'s acknowledged ballot is missing"
        possible = mine[last:]
        assert stored[person] in {a.choice for a in possible}, (
            f"person {person}'s ballot is {sorted(stored[person])}, not their last "
            f"acknowledged {sorted(mine[last].choice)}"
        )
        if len(possible) == 1:
            assert receipts[person] == _receipt_hash(mine[last].receipt or "")
    assert acknowledged, "no ballot was acknowledged"


def check_comments(world: World, attempts: list[Attempt]) -> None:
    """Every acknowledged comment is stored; every stored one is whole."""
    from townhall.dialogue.models import Comment
    from townhall.moderation.models import AuditEntry, ModerationCase, ModerationDecision

    comments = {
        c.body: c
        for c in db.session.scalars(
            select(Comment).where(Comment.consultation_id == world.consultation_id)
        )
    }
    sent = {a.body for a in attempts if a.kind == "comment"}
    assert set(comments) <= sent, "a comment nobody sent"
    missing = [a.body for a in attempts if a.kind == "comment" and a.acknowledged]
    missing = [body for body in missing if body not in comments]
    assert not missing, f"acknowledged comments lost: {missing}"
    audited = set(
        db.session.scalars(select(AuditEntry.subject).where(AuditEntry.subject.like("comment:%")))
    )
    for comment in comments.values():
        case = db.session.scalars(
            select(ModerationCase).where(
                ModerationCase.kind == "comment", ModerationCase.content_id == comment.id
            )
        ).one_or_none()
        assert case is not None, f"comment {comment.id} has no moderation case"
        assert db.session.scalar(
            select(func.count())
            .select_from(ModerationDecision)
            .where(ModerationDecision.case_id == case.id)
        ), f"comment {comment.id} has no decision"
        assert f"comment:{comment.id}" in audited, f"comment {comment.id} has no audit entry"


def check_no_orphans() -> None:
    """No rows that point at rows that are not there."""
    from townhall.dialogue.models import Comment
    from townhall.moderation.models import ModerationCase, ModerationDecision
    from townhall.proposals.models import Ballot, BallotMark

    markless = db.session.scalar(
        select(func.count())
        .select_from(Ballot)
        .where(~select(BallotMark.ballot_id).where(BallotMark.ballot_id == Ballot.id).exists())
    )
    assert markless == 0, "ballots without marks"
    stray_marks = db.session.scalar(
        select(func.count())
        .select_from(BallotMark)
        .where(~select(Ballot.id).where(Ballot.id == BallotMark.ballot_id).exists())
    )
    assert stray_marks == 0, "marks without a ballot"
    caseless = db.session.scalar(
        select(func.count())
        .select_from(ModerationCase)
        .where(
            ModerationCase.kind == "comment",
            ModerationCase.content_id.is_not(None),
            ~select(Comment.id).where(Comment.id == ModerationCase.content_id).exists(),
        )
    )
    assert caseless == 0, "moderation cases of comments that are not there"
    undecided = db.session.scalar(
        select(func.count())
        .select_from(ModerationCase)
        .where(
            ~select(ModerationDecision.id)
            .where(ModerationDecision.case_id == ModerationCase.id)
            .exists()
        )
    )
    assert undecided == 0, "moderation cases without a decision"


def check_pages(world: World, base_url: str) -> None:
    """What the pages say matches what the database holds."""
    from townhall.dialogue.models import Comment
    from townhall.proposals.models import Vote
    from townhall.proposals.votes import ballots_cast

    web = WebSession(base_url)
    vote_page = web.get(f"/votes/{world.vote_id}").body
    shown = re.search(r"Ballots cast</dt><dd>(\d+)</dd>", vote_page)
    assert shown, "the vote page shows no count of ballots"
    assert int(shown[1]) == ballots_cast(db.session.get_one(Vote, world.vote_id))
    page = web.get(f"/consultations/{world.consultation_id}").body
    comments = re.search(r"(\d+) comments?\s+in", page)
    assert comments, "the consultation page shows no count of comments"
    stored = db.session.scalar(
        select(func.count())
        .select_from(Comment)
        .where(Comment.consultation_id == world.consultation_id)
    )
    assert int(comments[1]) == stored
