"""Fan-out benchmark of live updates (`python -m bench live`).

1,000 python-socketio asyncio clients, all in this one process, sit in one
consultation's room while comments are posted over HTTP at a steady rate (30 at 2
a second, each by a different resident). Each client records when each
`comment_posted` reaches it; latency runs from the start of the POST that made the
comment to its arrival, so it includes the request itself (the database write, the
after-commit publish). Three set-ups, in the same run, on loopback only:

- bare: a Flask-SocketIO server that only broadcasts (bench/live_bare.py), on the
  same stack (threading mode, simple-websocket, gunicorn -w 1 with threads): the
  limit of the stack, and the baseline;
- one process: Townhall under gunicorn -w 1 --threads, as the README's recipe;
- two processes with Redis: two such processes sharing the SQLite database (WAL)
  and Redis (the Socket.IO message queue and the event store); half the clients
  on each, comments posted through the first. Skipped, and said so, without Redis
  (REDIS_URL, else a Redis on 127.0.0.1:6379).

Then 200 residents react to one comment at once (the stand-in for a vote burst until
votes publish tallies): each client counts the `reactions_changed` messages it
receives; coalescing keeps that to a few a second whatever the rate, and the last
one must show all 200.

Figures: live_p50_ms / live_p99_ms / live_msgs_per_s for each set-up, the p99 ratio
to the bare server, and the burst's messages per client. Goals (issue 6): p99 under
500 ms at 1,000 clients and within 1.5 times the bare server in the same run.

Sessions and CSRF tokens are minted with the run's secret key rather than by signing
in 230 people, which would spend the run hashing passwords.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = int(os.environ.get("TOWNHALL_BENCH_LIVE_CLIENTS", "1000"))
POSTS = 30
# Comments per second: 2,000 deliveries a second at 1,000 clients, within what one
# Python process of asyncio clients can take in on these two cores.
RATE = 2.0
VOTERS = 200
P99_GOAL_MS = 500.0
RATIO_GOAL = 1.5
CONNECT_CONCURRENCY = 100
COALESCE_SECONDS = 0.25
# The whole run stays under four minutes: a set-up that would start past this point
# is skipped, and the run says so (on a quiet machine all three fit in about half).
BUDGET_SECONDS = 150


# --- the data and the sessions --------------------------------------------------


@dataclass
class Setup:
    """What the servers serve: the database, the consultation and who acts on it."""

    folder: Path
    secret: str
    database_url: str
    consultation_id: int = 0
    comment_id: int = 0
    posters: list[dict[str, str]] = field(default_factory=list)
    voters: list[dict[str, str]] = field(default_factory=list)


def _prepare(folder: Path) -> Setup:
    """Migrate a fresh SQLite database and add the consultation and the people."""
    from datetime import timedelta

    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from townhall import create_app
    from townhall.accounts.models import User
    from townhall.accounts.permissions import Role
    from townhall.accounts.service import register_user
    from townhall.consultations import service as consultations
    from townhall.database import utcnow
    from townhall.dialogue import service as dialogue
    from townhall.extensions import db

    setup = Setup(folder, "bench-" + secrets.token_hex(16), f"sqlite:///{folder / 'live.db'}")
    app = create_app(
        {
            "SECRET_KEY": setup.secret,
            "SQLALCHEMY_DATABASE_URI": setup.database_url,
            "MAIL_SERVER": None,
            "MAIL_OUTBOX": str(folder / "outbox"),
            "RATELIMIT_STORAGE_URI": "memory://",
            "SOCKETIO_MESSAGE_QUEUE": None,
        }
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        officer = register_user(
            "officer@bench.example", "Olive Officer", secrets.token_urlsafe(16),
            role=Role.OFFICER, verified=True,
        )  # fmt: skip
        consultations.ensure_default_areas()
        areas = {a.name: a for a in consultations.list_areas()}
        consultation = consultations.create_consultation(
            officer,
            consultations.ConsultationDetails(
                title="Library opening hours",
                summary="Should the central library open on Sundays?",
                body="We propose Sunday opening.",
                process_area_id=areas["Community Consultations"].id,
                service_area_id=areas["Libraries"].id,
                closes_at=utcnow() + timedelta(days=30),
            ),
        )
        consultations.open_consultation(consultation)
        # Everyone else shares one password hash: nobody signs in with it.
        now = utcnow()
        db.session.execute(
            insert(User),
            [
                {"email": f"resident{n}@bench.example", "display_name": f"Resident {n}",
                 "password_hash": officer.password_hash, "role": Role.CITIZEN,
                 "email_verified_at": now, "session_version": 1}
                for n in range(POSTS + VOTERS)
            ],
        )  # fmt: skip
        people = list(db.session.scalars(select(User).where(User.id != officer.id)))
        target = dialogue.post_comment(consultation, officer, "React to this one.")
        db.session.commit()
        setup.consultation_id, setup.comment_id = consultation.id, target.id
        sessions = [_session_for(app, person) for person in people]
        setup.posters, setup.voters = sessions[:POSTS], sessions[POSTS:]
        db.engine.dispose()
    return setup


def _session_for(app: Any, user: Any) -> dict[str, str]:
    """A session cookie and CSRF token for `user`, as signing in would give."""
    from itsdangerous import URLSafeTimedSerializer

    raw = secrets.token_hex(20)
    cookie = app.session_interface.get_signing_serializer(app).dumps(
        {"_user_id": user.get_id(), "_fresh": True, "csrf_token": raw}
    )
    token = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)
    return {"cookie": cookie, "csrf": token}


# --- servers ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Servers:
    """gunicorn processes (one worker with threads each), stopped on exit."""

    def __init__(self, target: str, count: int, env: dict[str, str], folder: Path, name: str):
        self.urls: list[str] = []
        self.processes: list[tuple[subprocess.Popen, Any]] = []
        threads = str(CLIENTS + 100)
        for n in range(count):
            port = _free_port()
            log = (folder / f"{name}{n}.log").open("wb")
            command = [
                sys.executable, "-m", "gunicorn", "-w", "1", "--threads", threads,
                "--worker-connections", str(2 * CLIENTS + 200), "--backlog", "2048",
                "-b", f"127.0.0.1:{port}", target,
            ]  # fmt: skip
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
            self.processes.append((process, log))
            self.urls.append(f"http://127.0.0.1:{port}")

    def __enter__(self) -> Servers:
        import requests

        deadline = time.monotonic() + 60
        for url in self.urls:
            while True:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{url} did not start")
                try:
                    with requests.get(url + "/live/none", timeout=5):
                        break
                except requests.RequestException:
                    time.sleep(0.2)
        return self

    def __exit__(self, *exc: object) -> None:
        for process, _ in self.processes:
            process.terminate()
        for process, log in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
            log.close()


def _server_env(setup: Setup, redis_url: str | None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DATABASE_URL", "TOWNHALL_TEST_DATABASE_URL"}
    }
    env |= {
        "DATABASE_URL": setup.database_url,
        "SECRET_KEY": setup.secret,
        "MAIL_OUTBOX": str(setup.folder / "outbox"),
        "TOWNHALL_SOCKETIO_CHANNEL": "townhall-bench-" + uuid.uuid4().hex,
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def _redis_url() -> str | None:
    import redis

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.ping()
        client.close()
        return url
    except Exception:
        return None


# --- clients -----------------------------------------------------------------------


class Audience:
    """Many asyncio Socket.IO clients in this process, recording what reaches them."""

    def __init__(self, urls: list[str], room: str | None, events: tuple[str, ...]):
        self.urls, self.room, self.events = urls, room, events
        self.clients: list[Any] = []
        # (event, client index, key, arrival time)
        self.arrivals: list[tuple[str, int, Any, float]] = []

    async def connect(self, count: int) -> None:
        import socketio

        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

        async def one(index: int) -> None:
            client = socketio.AsyncClient(reconnection=False)
            for name in self.events:
                client.on(name, self._recorder(name, index))
            async with gate:
                url = self.urls[index % len(self.urls)]
                await client.connect(url, transports=["websocket"], wait_timeout=60)
                if self.room:
                    answer = await client.call("join", {"room": self.room}, timeout=60)
                    if not answer.get("ok"):
                        raise RuntimeError(f"join refused: {answer}")
            self.clients.append(client)

        await asyncio.gather(*(one(i) for i in range(count)))

    def _recorder(self, name: str, index: int):
        async def record(data: Any) -> None:
            key = _key_of(name, data)
            self.arrivals.append((name, index, key, time.monotonic()))

        return record

    async def close(self) -> None:
        async def one(client: Any) -> None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.disconnect(), 10)

        await asyncio.gather(*(one(c) for c in self.clients))


def _key_of(name: str, data: Any) -> Any:
    if name == "tick":
        return data["n"]
    if name == "comment_posted":
        return data["data"]["comment_id"]
    if name == "reactions_changed":
        return data["data"]["counts"]["agree"]
    return None


def _post_comments(base: str, setup: Setup, run: str) -> dict[int, float]:
    """Post POSTS comments at RATE a second; return the start time of each, by comment id.

    Each run's words differ (`run`): the standards refuse a person's repeated post.
    """
    import requests

    started: dict[int, float] = {}
    lock = threading.Lock()
    path = f"{base}/consultations/{setup.consultation_id}/comments"

    def post(n: int) -> None:
        person = setup.posters[n]
        with requests.Session() as http:
            http.cookies.set("session", person["cookie"])
            began = time.monotonic()
            with http.post(
                path,
                data={"comment-body": f"Point {n} ({run}): Sunday opening, from resident {n}.",
                      "csrf_token": person["csrf"]},
                allow_redirects=False,
                timeout=30,
            ) as response:  # fmt: skip
                match = re.search(r"comment-(\d+)$", response.headers.get("Location", ""))
                answers.append(f"{response.status_code} {response.headers.get('Location', '')}")
        if match:
            with lock:
                started[int(match.group(1))] = began

    answers: list[str] = []
    _steady(post)
    if not started:  # say why, rather than wait for events that cannot come
        raise RuntimeError(f"no comment was accepted: {sorted(set(answers))[:5]}")
    return started


def _broadcast(base: str) -> dict[int, float]:
    """Ask the bare server for POSTS broadcasts at RATE a second; return their start times."""
    import requests

    started: dict[int, float] = {}

    def post(n: int) -> None:
        began = time.monotonic()
        started[n] = began
        with requests.post(f"{base}/broadcast?n={n}", timeout=30):
            pass

    _steady(post)
    return started


def _steady(post: Any) -> None:
    """Call post(n) for n in range(POSTS) at RATE a second, overlapping if one is slow."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        begin = time.monotonic()
        futures = []
        for n in range(POSTS):
            delay = begin + n / RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(post, n))
        for future in futures:
            future.result()


def _react(base: str, setup: Setup) -> tuple[float, int]:
    """VOTERS residents press "Agree" on one comment at once; return (seconds, accepted)."""
    import requests

    path = f"{base}/consultations/{setup.consultation_id}/comments/{setup.comment_id}/reactions"

    def press(person: dict[str, str]) -> bool:
        with requests.Session() as http:
            http.cookies.set("session", person["cookie"])
            with http.post(
                path,
                data={"kind": "agree", "csrf_token": person["csrf"]},
                headers={"Accept": "application/json"},
                timeout=60,
            ) as response:
                return response.status_code == 200

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=50) as pool:
        accepted = sum(pool.map(press, setup.voters))
    return time.monotonic() - began, accepted


# --- measuring -----------------------------------------------------------------------


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Delivery:
    """What one set-up delivered."""

    p50_ms: float
    p99_ms: float
    per_second: float
    delivered: int
    expected: int


def _delivery(arrivals: list[tuple[str, int, Any, float]], event: str, started: dict) -> Delivery:
    latencies = [
        (at - started[key]) * 1000 for name, _, key, at in arrivals
        if name == event and key in started
    ]  # fmt: skip
    if not latencies:
        raise RuntimeError(f"no {event} arrived")
    first = min(started.values())
    last = max(at for name, _, key, at in arrivals if name == event and key in started)
    return Delivery(
        _quantile(latencies, 0.5),
        _quantile(latencies, 0.99),
        len(latencies) / (last - first),
        len(latencies),
        CLIENTS * POSTS,
    )


async def _wait_for(audience: Audience, event: str, expected: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(1 for a in audience.arrivals if a[0] == event) >= expected:
            return
        await asyncio.sleep(0.1)


async def _run_bare(setup: Setup) -> Delivery:
    env = _server_env(setup, None)
    with Servers("bench.live_bare:app", 1, env, setup.folder, "bare") as servers:
        audience = Audience(servers.urls, None, ("tick",))
        await audience.connect(CLIENTS)
        started = await asyncio.to_thread(_broadcast, servers.urls[0])
        await _wait_for(audience, "tick", CLIENTS * POSTS, 20)
        await audience.close()
    return _delivery(audience.arrivals, "tick", started)


async def _run_townhall(
    setup: Setup, processes: int, redis_url: str | None, burst: bool
) -> tuple[Delivery, dict[str, float] | None]:
    env = _server_env(setup, redis_url)
    room = f"consultation:{setup.consultation_id}"
    name = f"townhall{processes}-"
    with Servers("wsgi:app", processes, env, setup.folder, name) as servers:
        audience = Audience(servers.urls, room, ("comment_posted", "reactions_changed"))
        await audience.connect(CLIENTS)
        run = f"{processes} process{'es' if processes > 1 else ''}"
        started = await asyncio.to_thread(_post_comments, servers.urls[0], setup, run)
        await _wait_for(audience, "comment_posted", CLIENTS * len(started), 20)
        delivery = _delivery(audience.arrivals, "comment_posted", started)
        votes = None
        if burst:
            seconds, accepted = await asyncio.to_thread(_react, servers.urls[0], setup)
            await asyncio.sleep(COALESCE_SECONDS * 4 + 1)
            per_client: dict[int, list[int]] = defaultdict(list)
            for event, index, agree, _ in sorted(audience.arrivals, key=lambda a: a[3]):
                if event == "reactions_changed":
                    per_client[index].append(agree)
            counts = [len(per_client.get(i, [])) for i in range(CLIENTS)]
            finals = [per_client[i][-1] if per_client.get(i) else -1 for i in range(CLIENTS)]
            votes = {
                "seconds": seconds,
                "accepted": accepted,
                "max_per_client": max(counts),
                "mean_per_client": sum(counts) / len(counts),
                "final_right": sum(1 for f in finals if f == accepted) / CLIENTS,
            }
        await audience.close()
    return delivery, votes


def _figure(name: str, value: float, unit: str, baseline: Any, goal: str, met: bool, **extra):
    return {
        "figure": name, "value": round(value, 3), "unit": unit, "baseline": baseline,
        "goal": goal, "met": met, **extra,
    }  # fmt: skip


async def _measure() -> list[dict]:
    folder = Path(tempfile.mkdtemp(prefix="townhall-bench-live-"))
    began = time.monotonic()

    def mark(what: str) -> None:
        print(f"bench live: {what} at {time.monotonic() - began:.0f}s", file=sys.stderr)

    try:
        setup = await asyncio.to_thread(_prepare, folder)
        bare = await _run_bare(setup)
        mark("bare server measured")
        one, votes = await _run_townhall(setup, 1, None, burst=True)
        mark("one process measured")
        redis_url = _redis_url()
        two = None
        if not redis_url:
            print("bench live: no Redis reachable: two-process figures not measured")
        elif time.monotonic() - began > BUDGET_SECONDS:
            print("bench live: over the time budget (a busy machine?): two processes skipped")
        else:
            two, _ = await _run_townhall(setup, 2, redis_url, burst=False)
            mark("two processes measured")
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    out = [
        _figure("live_bare_p50_ms", bare.p50_ms, "ms", "stack limit", "baseline", True,
                clients=CLIENTS, posts=POSTS),
        _figure("live_bare_p99_ms", bare.p99_ms, "ms", "stack limit", "baseline", True),
        _figure("live_bare_msgs_per_s", bare.per_second, "msg/s", "stack limit", "baseline", True,
                delivered=bare.delivered, expected=bare.expected),
    ]  # fmt: skip
    runs = [("1proc", one)] + ([("2proc_redis", two)] if two else [])
    for label, run in runs:
        ratio = run.p99_ms / bare.p99_ms
        out += [
            _figure(f"live_{label}_p50_ms", run.p50_ms, "ms", round(bare.p50_ms, 1), "info",
                    True),
            _figure(f"live_{label}_p99_ms", run.p99_ms, "ms", round(bare.p99_ms, 1),
                    f"< {P99_GOAL_MS:.0f}", run.p99_ms < P99_GOAL_MS),
            _figure(f"live_{label}_p99_vs_bare", ratio, "ratio", round(bare.p99_ms, 1),
                    f"<= {RATIO_GOAL}", ratio <= RATIO_GOAL),
            _figure(f"live_{label}_msgs_per_s", run.per_second, "msg/s",
                    round(bare.per_second, 1), "info", run.delivered == run.expected,
                    delivered=run.delivered, expected=run.expected),
        ]  # fmt: skip
    if votes:
        bound = votes["seconds"] / COALESCE_SECONDS + 3
        out += [
            _figure("live_burst_msgs_per_client_max", votes["max_per_client"], "messages",
                    f"{VOTERS} reactions in {votes['seconds']:.1f}s",
                    f"<= {bound:.0f} (one per {COALESCE_SECONDS}s)",
                    votes["max_per_client"] <= bound, mean=round(votes["mean_per_client"], 2),
                    accepted=votes["accepted"]),
            _figure("live_burst_last_is_final", votes["final_right"], "share of clients",
                    f"{votes['accepted']} agrees", "1.0", votes["final_right"] == 1.0),
        ]  # fmt: skip
    return out


def figures() -> list[dict]:
    """Run the fan-out benchmark and return its figures."""
    return asyncio.run(_measure())


if __name__ == "__main__":
    print(json.dumps(figures(), indent=2))
