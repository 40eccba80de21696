"""Benchmark of a page of threads (`python -m bench dialogue`).

A consultation with 2,000 comments in 300 threads (some deeper than the page
indents), on SQLite in a temporary folder, read by a signed-in resident, so the
reaction buttons and their forms are rendered too.

Figures:
- dialogue_page_ms: the median time to serve the consultation page (its first
  page of threads, 20 threads with all their replies) through the Flask test client.
- dialogue_page_vs_template: that median divided by the median time to render the
  dialogue's section template from the same page of threads already in memory.
  It says how much the whole request (loading the page's threads in a fixed
  number of queries, building the trees, the rest of the consultation page)
  costs beside the HTML alone; N+1 queries would push it up with every comment.
- dialogue_page_queries: the SQL statements that serve the page.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

COMMENTS = 2000
THREADS = 300
RUNS = 21
RATIO_GOAL = 3.0


def _app(folder: Path):
    from flask_migrate import upgrade

    from townhall import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(folder / "bench.db"),
            "MAIL_SERVER": None,
            "MAIL_OUTBOX": str(folder / "outbox"),
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_ENABLED": False,
            "SOCKETIO_MESSAGE_QUEUE": None,
            "TOWNHALL_RAISE_ERRORS": True,
        }
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    return app


def _discussion(app) -> tuple[int, str, str]:
    """Make the people, the consultation and its discussion; return (id, email, password)."""
    from datetime import timedelta

    from sqlalchemy import insert, select

    from tests.dialogue.discussion import build_discussion
    from townhall.accounts import service as accounts
    from townhall.accounts.models import User
    from townhall.accounts.permissions import Role
    from townhall.consultations import service as consultations
    from townhall.database import utcnow
    from townhall.extensions import db

    password = "tangerine lantern bicycle harbour"
    with app.app_context():
        officer = accounts.register_user(
            "officer@bench.example.org", "Bench Officer", password, role=Role.OFFICER, verified=True
        )
        reader = accounts.register_user(
            "reader@bench.example.org", "Bench Reader", password, verified=True
        )
        now = utcnow()
        # Authors never sign in: a placeholder hash spares 40 slow argon2 hashes.
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"resident{n}@bench.example.org",
                    "display_name": f"Resident {n}",
                    "password_hash": "!",
                    "email_verified_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(40)
            ],
        )
        consultations.ensure_default_areas()
        areas = {a.name: a for a in consultations.list_areas()}
        consultation = consultations.create_consultation(
            officer,
            consultations.ConsultationDetails(
                title="Library opening hours",
                summary="Should the central library open on Sundays?",
                body="We propose **Sunday opening** from 10:00 to 16:00.",
                process_area_id=areas["Community Consultations"].id,
                service_area_id=areas["Libraries"].id,
                closes_at=now + timedelta(days=30),
            ),
        )
        consultations.open_consultation(consultation)
        db.session.commit()
        authors = list(db.session.scalars(select(User).where(User.id != officer.id)))
        build_discussion(consultation, authors, comments=COMMENTS, threads=THREADS)
        return consultation.id, reader.email, password


def _median_ms(run, times: int) -> float:
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def figures() -> list[dict[str, Any]]:
    """Measure the dialogue page figures."""
    from flask import render_template
    from flask_login import login_user
    from sqlalchemy import event

    from townhall.accounts.models import User
    from townhall.consultations import service as consultations
    from townhall.consultations.models import Consultation
    from townhall.dialogue import views
    from townhall.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        app = _app(folder)
        consultation_id, email, password = _discussion(app)
        url = f"/consultations/{consultation_id}"
        # The schedule check runs every few seconds per process; keep it out of the timing.
        consultations.apply_schedule_if_due = lambda: False

        client = app.test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text)
        assert token, "no CSRF token on the sign-in page"
        signed_in = client.post(
            "/sign-in", data={"email": email, "password": password, "csrf_token": token.group(1)}
        )
        assert signed_in.status_code == 302, re.findall(r"<li>(.*?)</li>", signed_in.text)
        for _ in range(3):
            assert client.get(url).status_code == 200

        def serve() -> None:
            response = client.get(url)
            assert response.status_code == 200

        http_ms = _median_ms(serve, RUNS)

        with app.app_context():
            statements: list[str] = []

            def record(*args: Any) -> None:
                statements.append(args[2])

            event.listen(db.engine, "before_cursor_execute", record)
            serve()
            event.remove(db.engine, "before_cursor_execute", record)

        with app.test_request_context(url):
            reader = db.session.scalar(db.select(User).where(User.email == email))
            login_user(reader)
            consultation = db.session.get(Consultation, consultation_id)
            context = views.section_context(consultation, reader)  # loaded once, kept
            shown = sum(1 + t.reply_count for t in context["threads"].threads)

            def render() -> None:
                render_template(views.SECTION_TEMPLATE, **context)

            for _ in range(3):
                render()
            template_ms = _median_ms(render, RUNS)

        with app.app_context():
            db.engine.dispose()

    ratio = http_ms / template_ms
    common = {
        "comments": COMMENTS,
        "threads": THREADS,
        "comments_on_page": shown,
        "runs": RUNS,
        "note": "SQLite, Flask test client, signed-in reader; medians",
    }
    return [
        {
            "figure": "dialogue_page_ms",
            "value": round(http_ms, 2),
            "unit": "ms (median, whole consultation page)",
            "baseline": f"section template from memory {template_ms:.2f} ms",
            "goal": "<= 250",
            "met": http_ms <= 250,
            **common,
        },
        {
            "figure": "dialogue_page_vs_template",
            "value": round(ratio, 3),
            "unit": "ratio (page served / section template rendered from memory)",
            "baseline": f"section template from memory {template_ms:.2f} ms",
            "goal": f"<= {RATIO_GOAL}",
            "met": ratio <= RATIO_GOAL,
            **common,
        },
        {
            "figure": "dialogue_page_queries",
            "value": len(statements),
            "unit": "SQL statements per page",
            "baseline": "the same for 6 comments (tests/dialogue/test_query_count.py)",
            "goal": "<= 25",
            "met": len(statements) <= 25,
            **common,
        },
    ]
