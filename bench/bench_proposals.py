"""Benchmarks of stored ballots (`python -m bench proposals`).

Figures:
- approval_sql_1m_ballots: an approval tally over 1,000,000 ballots stored in SQLite
  (about 2.5 million marks over 10 options), counted by one SQL GROUP BY, divided by
  the time to fetch the same marks and count them in Python (the baseline).
- http_ballots_per_second: ballots accepted per second over HTTP from 50 concurrent
  signed-in voters (each POST a full ranked ballot through the real view: session,
  CSRF, eligibility, validation, write, commit), against gunicorn (one gthread
  worker, 50 threads) on a free 127.0.0.1 port; the value is the ratio to the same
  server answering a bare endpoint that inserts one row, with the absolute rates
  beside it.

The 1,000,000 ballots are bulk-loaded with SQLite's foreign-key checks off, with
voter ids that have no user rows: the tally reads only `ballot_mark`, and making a
million accounts would measure password hashing, not counting.
"""

from __future__ import annotations

import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

SEED = 2025
STORED_BALLOTS = 1_000_000
OPTIONS = 10
VOTERS = 50
BALLOTS_PER_VOTER = 20  # bounded: 1,000 ballot requests, 1,000 bare requests
PASSWORD = "bench horse battery staple"


def _best_of(runs: int, work: Callable[[], Any]) -> tuple[float, Any]:
    best, outcome = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        outcome = work()
        best = min(best, time.perf_counter() - start)
    return best, outcome


def _app(database_url: str):
    from townhall import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "bench-secret",
            "TESTING": False,
            "MAIL_SERVER": None,
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_SIGN_IN": "10000 per minute",
        }
    )


def _setup(method: str, voters: int) -> tuple[int, list[str]]:
    """In the current app: schema, an officer, an open consultation, a vote, `voters`
    verified citizens. Return the vote id and the citizens' emails."""
    from townhall.accounts import service as accounts
    from townhall.accounts.permissions import Role
    from townhall.consultations import service as consultations
    from townhall.database import utcnow
    from townhall.extensions import db
    from townhall.proposals.models import Method
    from townhall.proposals.votes import VoteDetails, create_vote

    db.create_all()
    consultations.ensure_default_areas()
    officer = accounts.register_user(
        "officer@bench.example.org", "Officer", PASSWORD, role=Role.OFFICER, verified=True
    )
    areas = {a.name: a for a in consultations.list_areas()}
    now = utcnow()
    consultation = consultations.create_consultation(
        officer,
        consultations.ConsultationDetails(
            title="Bench",
            summary="Bench",
            body="Bench",
            process_area_id=areas["Community Consultations"].id,
            service_area_id=areas["Libraries"].id,
            closes_at=now + timedelta(days=1),
            uses_voting=True,
        ),
    )
    consultations.open_consultation(consultation)
    vote = create_vote(
        consultation,
        officer,
        VoteDetails(
            title="Bench vote",
            method=Method(method),
            opens_at=now - timedelta(minutes=1),
            closes_at=now + timedelta(days=1),
            stated_options=[(f"Option {n}", None) for n in range(OPTIONS)],
        ),
        now=now - timedelta(minutes=2),
    )
    emails = []
    for n in range(voters):
        email = f"voter{n}@bench.example.org"
        accounts.register_user(email, f"Voter {n}", PASSWORD, verified=True)
        emails.append(email)
    db.session.commit()
    return vote.id, emails


# --- the SQL tally -----------------------------------------------------------------


def _load_approvals(vote_id: int, option_ids: list[int]) -> int:
    """Bulk-load STORED_BALLOTS approval ballots; return how many marks were stored."""
    from townhall.extensions import db

    rng = random.Random(SEED)
    weights = [1 / (n + 1) for n in range(len(option_ids))]
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.execute("PRAGMA synchronous=OFF")
        marks = 0
        batch = 100_000
        for start in range(0, STORED_BALLOTS, batch):
            ballots, rows = [], []
            for ballot_id in range(start + 1, start + batch + 1):
                ballots.append((ballot_id, vote_id, 1_000_000 + ballot_id, f"{ballot_id:064x}"))
                picked = set(rng.choices(option_ids, weights=weights, k=rng.randint(1, 4)))
                rows.extend((ballot_id, option_id, vote_id) for option_id in picked)
            cursor.executemany(
                "INSERT INTO ballot (id, vote_id, voter_id, receipt_hash, cast_at, changed_at) "
                "VALUES (?, ?, ?, ?, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                ballots,
            )
            cursor.executemany(
                "INSERT INTO ballot_mark (ballot_id, option_id, vote_id) VALUES (?, ?, ?)", rows
            )
            marks += len(rows)
        connection.commit()
        cursor.execute("ANALYZE")
        connection.commit()
    finally:
        connection.close()
    return marks


def approval_sql_tally() -> dict[str, Any]:
    """Time the SQL GROUP BY tally against fetching the marks and counting in Python."""
    from townhall.extensions import db
    from townhall.proposals import votes
    from townhall.proposals.models import Vote

    with tempfile.TemporaryDirectory() as folder:
        app = _app(f"sqlite:///{folder}/tally.db")
        with app.app_context():
            vote_id, _ = _setup("approval", 0)
            vote = db.session.get(Vote, vote_id)
            option_ids = [o.id for o in vote.options]
            start = time.perf_counter()
            marks = _load_approvals(vote_id, option_ids)
            load_seconds = time.perf_counter() - start

            def by_sql() -> dict[int, int]:
                return {o: n for (o, _), n in votes.count_marks(vote).items()}

            def in_python() -> dict[int, int]:
                # The driver's own cursor, not ORM rows: the fastest way to fetch them.
                cursor = db.session.connection().connection.cursor()
                cursor.execute("SELECT option_id FROM ballot_mark WHERE vote_id = ?", (vote_id,))
                return dict(Counter(option_id for (option_id,) in cursor))

            sql_seconds, sql_counts = _best_of(3, by_sql)
            python_seconds, python_counts = _best_of(3, in_python)
            assert sql_counts == python_counts, "the two tallies disagree"
            full_seconds, result = _best_of(1, lambda: votes.tally_vote(vote))
            assert result.details["voters"] == STORED_BALLOTS
            db.session.remove()
            db.engine.dispose()
    ratio = sql_seconds / python_seconds
    return {
        "figure": "approval_sql_1m_ballots",
        "value": round(ratio, 3),
        "unit": "ratio (SQL GROUP BY / fetch + count in Python)",
        "baseline": f"Python count over fetched rows {python_seconds:.3f} s",
        "goal": "<= 0.5",
        "met": ratio <= 0.5,
        "sql_seconds": round(sql_seconds, 3),
        "python_seconds": round(python_seconds, 3),
        "full_tally_seconds": round(full_seconds, 3),
        "ballots": STORED_BALLOTS,
        "marks": marks,
        "load_seconds": round(load_seconds, 1),
    }


# --- ballots over HTTP ------------------------------------------------------------


def server_app():
    """The app gunicorn serves for the HTTP figure, with the bare endpoint added.

    Settings come from the environment the benchmark starts gunicorn with.
    """
    from sqlalchemy import text

    from townhall.extensions import csrf, db

    app = _app(os.environ["BENCH_DATABASE_URL"])

    @csrf.exempt
    def bare() -> tuple[str, int]:
        """Insert one row and commit: the floor a ballot's write sits on."""
        db.session.execute(text("INSERT INTO bench_row (created_at) VALUES (CURRENT_TIMESTAMP)"))
        db.session.commit()
        return "ok", 200

    app.add_url_rule("/bench/bare", "bench_bare", bare, methods=["POST"])
    return app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, seconds: float = 30) -> None:
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"the server at {url} did not start")


TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _hammer(sessions: list[Any], request: Callable[[Any, int], bool]) -> tuple[float, int]:
    """Run BALLOTS_PER_VOTER requests from each session at once; return seconds, successes."""
    done = [0] * len(sessions)
    barrier = threading.Barrier(len(sessions) + 1)

    def work(index: int) -> None:
        barrier.wait()
        for n in range(BALLOTS_PER_VOTER):
            if request(sessions[index], n):
                done[index] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(sessions))]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - start, sum(done)


def http_ballots() -> dict[str, Any]:
    """Ballots accepted per second by 50 concurrent voters, beside a bare one-row insert."""
    import requests
    from sqlalchemy import text

    from townhall.extensions import db
    from townhall.proposals.models import Vote

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/http.db"
        app = _app(url)
        with app.app_context():
            vote_id, emails = _setup("irv", VOTERS)
            option_ids = [o.id for o in db.session.get(Vote, vote_id).options]
            with db.engine.begin() as connection:
                connection.execute(
                    text("CREATE TABLE bench_row (id INTEGER PRIMARY KEY, created_at TIMESTAMP)")
                )
            db.engine.dispose()
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = dict(os.environ, BENCH_DATABASE_URL=url, SECRET_KEY="bench-secret")
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "1", "-k", "gthread",
             "--threads", str(VOTERS), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
             "bench.bench_proposals:server_app()"],
            cwd=str(Path(__file__).resolve().parent.parent),
            env=env,
        )  # fmt: skip
        try:
            _wait_for(base + "/sign-in")
            sessions = []
            for email in emails:
                s = requests.Session()
                token = TOKEN.search(s.get(base + "/sign-in").text).group(1)
                r = s.post(
                    base + "/sign-in",
                    data={"csrf_token": token, "email": email, "password": PASSWORD},
                    allow_redirects=False,
                )
                assert r.status_code == 302, re.findall(r"<li>(.*?)</li>", r.text)
                s.csrf = TOKEN.search(s.get(f"{base}/votes/{vote_id}").text).group(1)
                s.index = len(sessions)
                sessions.append(s)
            rng = random.Random(SEED)
            rankings = [
                [str(o) for o in rng.sample(option_ids, 3)]
                for _ in range(VOTERS * BALLOTS_PER_VOTER)
            ]

            failures: list[str] = []

            def cast(s: Any, n: int) -> bool:
                r = s.post(
                    f"{base}/votes/{vote_id}/ballot",
                    data={"csrf_token": s.csrf, "rank": rankings[n * VOTERS + s.index]},
                    allow_redirects=False,
                )
                if r.status_code != 303:
                    failures.append(f"{r.status_code} {re.findall(r'<li>(.*?)</li>', r.text)[-1:]}")
                return r.status_code == 303

            def bare(s: Any, n: int) -> bool:
                return s.post(base + "/bench/bare", allow_redirects=False).status_code == 200

            bare(sessions[0], 0)  # warm both paths once
            cast(sessions[0], 0)
            ballot_seconds, accepted = _hammer(sessions, cast)
            bare_seconds, inserted = _hammer(sessions, bare)
        finally:
            server.terminate()
            server.wait(timeout=30)
    wanted = VOTERS * BALLOTS_PER_VOTER
    assert accepted == wanted, f"{accepted} of {wanted} ballots accepted: {Counter(failures)}"
    assert inserted == wanted, f"only {inserted} of {wanted} bare inserts succeeded"
    ballots_rate = accepted / ballot_seconds
    bare_rate = inserted / bare_seconds
    ratio = ballots_rate / bare_rate
    return {
        "figure": "http_ballots_per_second",
        "value": round(ratio, 3),
        "unit": "ratio (ballots/s over bare one-row inserts/s)",
        "baseline": f"bare insert {bare_rate:.0f}/s; ballots {ballots_rate:.0f}/s",
        "goal": ">= 0.25",
        "met": ratio >= 0.25,
        "ballots_per_second": round(ballots_rate, 1),
        "bare_inserts_per_second": round(bare_rate, 1),
        "voters": VOTERS,
        "requests": wanted,
    }


def figures() -> list[dict[str, Any]]:
    """The proposals benchmarks' figures."""
    return [approval_sql_tally(), http_ballots()]


if __name__ == "__main__":
    for figure in figures():
        print(figure)
