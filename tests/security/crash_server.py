"""Townhall run as production runs it, for the crash test: the `flask` commands and a
gunicorn process (one worker, threads) on a database of the test's own.

`Server.kill()` SIGKILLs the worker and then its master, so nothing is left to finish
a request or roll back cleanly: what the database holds afterwards is what it had
committed at that instant.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from flask import Flask

from tests.conftest import DEFAULT_PASSWORD, free_port
from tests.security.plain_http import CSRF_INPUT, Credentials, ServerGone, WebSession

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
START_TIMEOUT_S = 30
SUITE_STANDARDS = REPO / "tests" / "moderation" / "suite_standards.toml"


def environment(database_url: str, secret_key: str, folder: Path) -> dict[str, str]:
    """The environment of a production process on `database_url`, files under `folder`.

    Redis is left out (one process needs none); the suite's standards drop the
    posting-rate and new-account clauses that would hold a stream of posts; sign-ins
    all come from 127.0.0.1, so their per-address limit is lifted.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TOWNHALL_", "REDIS_", "DATABASE_", "SECRET_", "MAIL_"))
    }
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=secret_key,
        MAIL_OUTBOX=str(folder / "outbox"),
        TOWNHALL_VAPID_KEY_FILE=str(folder / "vapid_private.pem"),
        TOWNHALL_STANDARDS=str(SUITE_STANDARDS),
        TOWNHALL_RATELIMIT_SIGN_IN="100000 per minute",
        PYTHONUNBUFFERED="1",
    )
    return env


def flask(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run `flask --app wsgi ARGS` as an operator would; return what it printed."""
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check:
        assert result.returncode == 0, f"flask {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


class Server:
    """`gunicorn -w 1 --threads N wsgi:app` on a free port (8 threads unless told)."""

    def __init__(self, env: dict[str, str], log: Path, threads: int = 8) -> None:
        self.env = env
        self.log = log
        self.threads = threads
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the server and wait until it answers."""
        self.launch()
        self.wait_until_ready()

    def launch(self) -> None:
        """Start the server; it takes a moment to answer (see `wait_until_ready`)."""
        self.port = free_port()
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "-w",
                    "1",
                    "--threads",
                    str(self.threads),
                    "--graceful-timeout",
                    "5",
                    "-b",
                    f"127.0.0.1:{self.port}",
                    "wsgi:app",
                ],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_until_ready(self) -> None:
        """Wait until the server answers a page."""
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gunicorn exited:\n{self.log.read_text()}"
            try:
                if WebSession(self.base_url).send("GET", "/standards").status == 200:
                    return
            except ServerGone:
                pass
            time.sleep(0.1)
        raise AssertionError(
            f"gunicorn did not answer in {START_TIMEOUT_S} s:\n{self.log.read_text()}"
        )

    def worker_pids(self) -> list[int]:
        """The master's children: the worker that serves requests."""
        assert self.process is not None
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(child) for child in children]

    def kill(self) -> None:
        """SIGKILL the worker, then the master: no clean shutdown of anything."""
        assert self.process is not None
        workers = self.worker_pids()
        assert workers, "gunicorn has no worker to kill"
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        for pid in workers:
            _wait_gone(pid)
        self.process = None

    def stop(self) -> None:
        """Stop the server politely (SIGTERM), or kill it if it will not go."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


def _wait_gone(pid: int) -> None:
    """Wait until a killed process has gone (it was the master's child, not ours)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        status = Path(f"/proc/{pid}/stat")
        if status.exists() and ") Z " in status.read_text():
            return  # a zombie: dead, waiting to be reaped by init
        time.sleep(0.05)
    raise AssertionError(f"process {pid} did not die")


def signed_in(app: Flask, email: str, password: str = DEFAULT_PASSWORD) -> Credentials:
    """Sign `email` in through the sign-in form of `app`, and return the session's cookie
    and a CSRF token.

    `app` must share the server's database and SECRET_KEY, so the cookie is as good on
    the real server; signing in here keeps the suite's light password hashing (the
    server would rehash each password at full cost).
    """
    client = app.test_client()
    token = CSRF_INPUT.search(client.get("/sign-in").get_data(as_text=True))
    assert token, "no CSRF token on /sign-in"
    answer = client.post(
        "/sign-in", data={"email": email, "password": password, "csrf_token": token[1]}
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    token = CSRF_INPUT.search(client.get("/").get_data(as_text=True))
    assert token, "no CSRF token on / once signed in"
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return Credentials(f"{cookie.key}={cookie.value}", token[1])
