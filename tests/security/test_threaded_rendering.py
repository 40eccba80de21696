"""Posts rendered at once on the real server keep their own words.

The server runs as production runs it (gunicorn, one worker, many threads) on a
database of this test's own. Staff post comments into a staff-only consultation while
officers post into a public one and anonymous visitors read the public one, all at
once, for several rounds. Afterwards:

- no answer was a 5xx;
- every stored comment's HTML is exactly what its own text renders to alone, so no
  post holds another's words;
- no page the public read, during or after, shows a word from the staff-only posts.

A renderer shared between threads (a cached bleach Cleaner or linkify-it) splices
texts together under exactly this load.
"""

from __future__ import annotations

import http.client
import re
import uuid
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from tests.conftest import DEFAULT_PASSWORD, settings_for_tests
from tests.security.crash_server import Server, environment, flask, signed_in
from tests.security.plain_http import Credentials, Reply, WebSession, at_once
from townhall import create_app
from townhall.accounts.permissions import Role
from townhall.database import utcnow
from townhall.extensions import db
from townhall.markup import render_markdown

STAFF = 12
OFFICERS = 12
READERS = 8
ROUNDS = 6
SERVER_THREADS = 32
COMMENT_FIELD = "comment-body"
STAFF_MARKER = re.compile(r"staffsecret\d+x")


def _text(marker: str) -> str:
    """A comment long enough, with links and emphasis, to keep a renderer busy."""
    return "\n\n".join(
        f"**{marker}** point {i}: see https://example.org/{marker}/{i} and *{marker}*."
        for i in range(40)
    )


def _people(app: Flask) -> tuple[int, int, list[Credentials], list[Credentials]]:
    """Staff, officers, a public and a staff-only consultation; return their ids and
    the signed-in staff and officers."""
    from townhall.accounts import service as accounts
    from townhall.consultations import service as consultations
    from townhall.consultations.models import Audience

    with app.app_context():
        staff = [
            accounts.register_user(
                f"staff{n}@threads.example", f"Staff {n}", DEFAULT_PASSWORD,
                role=Role.STAFF, verified=True,
            )
            for n in range(STAFF)
        ]  # fmt: skip
        officers = [
            accounts.register_user(
                f"officer{n}@threads.example", f"Officer {n}", DEFAULT_PASSWORD,
                role=Role.OFFICER, verified=True,
            )
            for n in range(OFFICERS)
        ]  # fmt: skip
        areas = {a.name: a for a in consultations.list_areas()}
        ids = []
        for audience, title in (
            (Audience.PUBLIC, "Library opening hours"),
            (Audience.STAFF, "Office move (staff only)"),
        ):
            consultation = consultations.create_consultation(
                officers[0],
                consultations.ConsultationDetails(
                    title=title,
                    summary="Tell us what you think.",
                    body="We are asking.",
                    process_area_id=areas["Community Consultations"].id,
                    service_area_id=areas["Libraries"].id,
                    audience=audience,
                    closes_at=utcnow() + timedelta(days=30),
                ),
            )
            consultations.open_consultation(consultation)
            ids.append(consultation.id)
        db.session.commit()
        staff_emails = [p.email for p in staff]
        officer_emails = [p.email for p in officers]
        db.session.remove()
    return (
        ids[0],
        ids[1],
        [signed_in(app, email) for email in staff_emails],
        [signed_in(app, email) for email in officer_emails],
    )


def test_posts_rendered_at_once_keep_their_own_words(server_database: str, tmp_path: Path):
    secret = "threads-" + uuid.uuid4().hex
    env = environment(server_database, secret, tmp_path)
    flask(env, "townhall", "prepare", "--no-demo")
    settings = settings_for_tests(server_database, None, tmp_path / "outbox")
    settings.update(SECRET_KEY=secret, RATELIMIT_SIGN_IN="100000 per minute")
    app = create_app(settings)
    server = Server(env, tmp_path / "gunicorn.log", threads=SERVER_THREADS)
    server.launch()  # it starts while the people sign in
    public_id, staff_id, staff, officers = _people(app)
    try:
        server.wait_until_ready()
        web = WebSession(server.base_url)
        replies: list[tuple[str, Reply]] = []
        for round_ in range(ROUNDS):

            def request(
                n: int, connection: http.client.HTTPConnection, round_: int = round_
            ) -> Reply:
                if n < STAFF:
                    who, where = staff[n], staff_id
                    marker = f"staffsecret{round_ * STAFF + n}x"
                elif n < STAFF + OFFICERS:
                    who, where = officers[n - STAFF], public_id
                    marker = f"publicword{round_ * OFFICERS + n - STAFF}x"
                else:
                    return web.send(
                        "GET", f"/consultations/{public_id}", cookie_header="",
                        connection=connection,
                    )  # fmt: skip
                fields = [(COMMENT_FIELD, _text(marker)), ("csrf_token", who.csrf_token)]
                return web.send(
                    "POST", f"/consultations/{where}/comments", fields,
                    cookie_header=who.cookie_header, connection=connection,
                )  # fmt: skip

            answers = at_once(STAFF + OFFICERS + READERS, request, web)
            replies += [
                ("post" if n < STAFF + OFFICERS else "read", r) for n, r in enumerate(answers)
            ]
        public_page = web.send("GET", f"/consultations/{public_id}", cookie_header="")
    finally:
        server.stop()

    failures = [(kind, r.status) for kind, r in replies if r.status >= 500]
    assert failures == [], f"server errors: {failures}\n{(tmp_path / 'gunicorn.log').read_text()}"
    assert all(r.status in (302, 303) for kind, r in replies if kind == "post"), [
        r.status for _, r in replies
    ]
    read_during = [r for kind, r in replies if kind == "read"]
    assert all(r.status == 200 for r in read_during)
    assert [STAFF_MARKER.findall(r.body) for r in read_during if STAFF_MARKER.search(r.body)] == []
    assert public_page.status == 200
    assert STAFF_MARKER.findall(public_page.body) == []

    from townhall.dialogue.models import Comment

    with app.app_context():
        try:
            comments = db.session.scalars(select(Comment)).all()
            assert len(comments) == ROUNDS * (STAFF + OFFICERS)
            spliced = [c.id for c in comments if c.body_html != render_markdown(c.body)]
            assert spliced == [], f"{len(spliced)} of {len(comments)} posts hold other words"
        finally:
            db.session.remove()
            db.engine.dispose()
