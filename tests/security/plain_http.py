"""A small HTTP client for tests that drive a real server from many threads at once.

The Flask test client runs requests in the test's own thread; the race and crash
tests need real sockets against a real server. This client keeps the cookies of one
browser session, signs in through the form like a person, and hands out a frozen
copy of its cookies and CSRF token that any number of threads can post with.
Redirects are never followed: the test reads each answer as the server gave it.
"""

from __future__ import annotations

import http.client
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TIMEOUT_S = 60

Fields = dict[str, Any] | Sequence[tuple[str, Any]]


@dataclass
class Reply:
    """One answer from the server, unread beyond what a test needs."""

    status: int
    location: str | None
    body: str
    set_cookies: dict[str, str] = field(default_factory=dict)


class ServerGone(Exception):
    """The server closed the connection or refused it (as when it was killed)."""


def _encode(fields: Fields | None) -> bytes:
    if fields is None:
        return b""
    pairs: list[tuple[str, Any]] = []
    items = fields.items() if isinstance(fields, dict) else fields
    for name, value in items:
        if isinstance(value, list | tuple):
            pairs.extend((name, v) for v in value)
        else:
            pairs.append((name, value))
    return urlencode(pairs).encode()


@dataclass(frozen=True)
class Credentials:
    """What every request of one signed-in session carries: its cookies and CSRF token."""

    cookie_header: str
    csrf_token: str


class WebSession:
    """One browser session against `base_url` (http://host:port)."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.cookies: dict[str, str] = {}

    # --- single requests, keeping cookies ------------------------------------

    def connect(self) -> http.client.HTTPConnection:
        """An open connection to the server (so a thread can connect before it races)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT_S)
        try:
            connection.connect()
        except OSError as error:
            raise ServerGone(str(error)) from error
        return connection

    def send(
        self,
        method: str,
        path: str,
        fields: Fields | None = None,
        *,
        cookie_header: str | None = None,
        connection: http.client.HTTPConnection | None = None,
    ) -> Reply:
        """Send one request (form-encoded when `fields` is given); never follow redirects."""
        connection = connection or self.connect()
        headers = {"Cookie": cookie_header if cookie_header is not None else self.cookie_header()}
        body = _encode(fields) if fields is not None else None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            raise ServerGone(f"{method} {path}: {error!r}") from error
        finally:
            connection.close()
        jar: SimpleCookie = SimpleCookie()
        for value in response.headers.get_all("Set-Cookie") or []:
            jar.load(value)
        return Reply(
            status=response.status,
            location=response.headers.get("Location"),
            body=text,
            set_cookies={name: morsel.value for name, morsel in jar.items()},
        )

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def _keep(self, reply: Reply) -> Reply:
        for name, value in reply.set_cookies.items():
            if value:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return reply

    def get(self, path: str) -> Reply:
        """GET a page as this session, keeping any cookie it sets."""
        return self._keep(self.send("GET", path))

    def post(self, path: str, fields: Fields) -> Reply:
        """POST a form as this session (with a fresh CSRF token), keeping cookies."""
        payload = list(fields.items() if isinstance(fields, dict) else fields)
        if not any(name == "csrf_token" for name, _ in payload):
            payload.append(("csrf_token", self.csrf_token()))
        return self._keep(self.send("POST", path, payload))

    def csrf_token(self, page: str = "/") -> str:
        """The CSRF token of a form on `page` (signed in, every page's sign-out form)."""
        reply = self.get(page)
        match = CSRF_INPUT.search(reply.body)
        assert match, f"no CSRF token on {page} ({reply.status})"
        return match.group(1)

    def sign_in(self, email: str, password: str) -> None:
        """Sign in through the form, as a person would."""
        token = self.csrf_token("/sign-in")
        reply = self.post("/sign-in", {"email": email, "password": password, "csrf_token": token})
        assert reply.status in (302, 303), f"sign-in as {email} failed: {reply.status}"

    def credentials(self) -> Credentials:
        """This session's cookies and a CSRF token, frozen for many threads to share."""
        token = self.csrf_token("/")
        return Credentials(self.cookie_header(), token)


def at_once(
    count: int, request: Callable[[int, http.client.HTTPConnection], Reply], web: WebSession
) -> list[Reply]:
    """Run `request(n, connection)` for n in range(count), all released together.

    Each thread connects first, then waits at a barrier, so the requests reach the
    server as nearly together as threads allow.
    """
    barrier = threading.Barrier(count)

    def one(n: int) -> Reply:
        connection = web.connect()
        barrier.wait(timeout=TIMEOUT_S)
        return request(n, connection)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def post_at_once(
    web: WebSession,
    path: str,
    forms: Iterable[Fields],
    credentials: Credentials | Sequence[Credentials],
) -> list[Reply]:
    """POST each form to `path` at once, as the session(s) `credentials` name.

    One `Credentials` sends every form as the same person; a sequence sends form n
    as person n.
    """
    payloads = [list(f.items() if isinstance(f, dict) else f) for f in forms]
    people = [credentials] * len(payloads) if isinstance(credentials, Credentials) else credentials
    assert len(people) == len(payloads)

    def send(n: int, connection: http.client.HTTPConnection) -> Reply:
        who = people[n]
        fields = [*payloads[n], ("csrf_token", who.csrf_token)]
        return web.send(
            "POST", path, fields, cookie_header=who.cookie_header, connection=connection
        )

    return at_once(len(payloads), send, web)
