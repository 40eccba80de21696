"""Scale-out: two server processes (gunicorn, one worker with threads each, as the
README recommends) on the same PostgreSQL and Redis share events through the Socket.IO
Redis message queue and the Redis event store.

Needs PostgreSQL and Redis (TOWNHALL_TEST_DATABASE_URL and REDIS_URL); CI runs it in
its PostgreSQL+Redis pass. Without them it is skipped, and says why.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy.engine import make_url

from tests.conftest import DEFAULT_PASSWORD, free_port
from tests.live.conftest import Recorder, close_all

ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def two_servers(database_url: str, redis_url: str | None, tmp_path: Path) -> Iterator[list[str]]:
    """Start two gunicorn processes sharing the test database and Redis; yield their URLs."""
    if make_url(database_url).get_backend_name() != "postgresql" or not redis_url:
        pytest.skip(
            "the two-process test needs PostgreSQL and Redis: set TOWNHALL_TEST_DATABASE_URL "
            "and REDIS_URL (CI runs it in its PostgreSQL+Redis pass)"
        )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        # One secret for both, as in production: a session from one is good on the other.
        "SECRET_KEY": "scale-out-" + uuid.uuid4().hex,
        # A channel of its own, so other runs sharing this Redis cannot cross-talk.
        "TOWNHALL_SOCKETIO_CHANNEL": "townhall-test-" + uuid.uuid4().hex,
        "MAIL_OUTBOX": str(tmp_path / "outbox"),
    }
    servers: list[tuple[subprocess.Popen, object]] = []
    urls = []
    try:
        for n in range(2):
            port = free_port()
            log = (tmp_path / f"server{n}.log").open("wb")
            command = [sys.executable, "-m", "gunicorn", "-w", "1", "--threads", "20",
                       "-b", f"127.0.0.1:{port}", "wsgi:app"]  # fmt: skip
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
            servers.append((process, log))
            urls.append(f"http://127.0.0.1:{port}")
        for (process, _), url in zip(servers, urls, strict=True):
            _wait_until_up(process, url, tmp_path)
        yield urls
    finally:
        for process, _ in servers:
            process.terminate()
        for process, log in servers:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
            log.close()  # type: ignore[attr-defined]


def _wait_until_up(process: subprocess.Popen, url: str, tmp_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            logs = "\n".join(p.read_text() for p in tmp_path.glob("server*.log"))
            raise AssertionError(f"a server process exited early:\n{logs}")
        try:
            with requests.get(url + "/consultations", timeout=5) as response:
                if response.status_code == 200:
                    return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not start within 60 s")


def _token(http: requests.Session, url: str) -> str:
    with http.get(url, timeout=10) as response:
        match = CSRF.search(response.text)
    assert match, f"no form on {url}"
    return match.group(1)


def _sign_in(http: requests.Session, base: str, email: str) -> None:
    token = _token(http, base + "/sign-in")
    with http.post(
        base + "/sign-in",
        data={"email": email, "password": DEFAULT_PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    ) as response:
        assert response.status_code == 302, response.text[:500]


def test_comment_posted_through_one_process_reaches_clients_of_both(
    two_servers, create_consultation, create_user
):
    first, second = two_servers
    consultation = create_consultation(status="open", title="Library opening hours")
    author = create_user(display_name="Cleo Citizen")
    room = f"consultation:{consultation.id}"
    clients: list[Recorder] = []
    with requests.Session() as http:
        try:
            _sign_in(http, first, author.email)
            cookie = "session=" + http.cookies["session"]
            # A reader on each process; the author's own socket on the second.
            on_first = Recorder(first).connect()
            on_second = Recorder(second).connect()
            authors_socket = Recorder(second, cookie).connect()
            clients += [on_first, on_second, authors_socket]
            for client in (on_first, on_second):
                assert client.join(room, last_id=0)["ok"]

            page = f"{first}/consultations/{consultation.id}"
            with http.post(
                f"{page}/comments",
                data={"comment-body": "Posted through the first process.",
                      "csrf_token": _token(http, page)},
                allow_redirects=False,
                timeout=10,
            ) as response:  # fmt: skip
                assert response.status_code == 302, response.text[:500]

            got_first = on_first.wait_for("comment_posted")
            got_second = on_second.wait_for("comment_posted")
            assert got_first == got_second
            assert got_first["room"] == room
            # One counter for the room in Redis: a client of either process catches up
            # from the same ids.
            late = Recorder(second).connect()
            clients.append(late)
            missed = late.join(room, last_id=got_first["id"] - 1)["events"]
            assert [e["id"] for e in missed] == [got_first["id"]]

            # Signing out through the first process closes the socket on the second.
            token = _token(http, f"{first}/account")
            with http.post(
                f"{first}/sign-out", data={"csrf_token": token}, allow_redirects=False, timeout=10
            ) as response:
                assert response.status_code == 302
            deadline = time.monotonic() + 10
            while authors_socket.client.connected and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not authors_socket.client.connected
            assert on_second.client.connected
        finally:
            close_all(clients)
