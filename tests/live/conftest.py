"""Fixtures for live tests: real python-socketio clients against a running server."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import socketio

from townhall.accounts.models import User


class Recorder:
    """A python-socketio client that records every event it receives."""

    def __init__(self, base_url: str, cookie: str | None = None, origin: str | None = None):
        self.base_url = base_url
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.received: list[tuple[str, Any]] = []
        self._lock = threading.Lock()
        self.client = socketio.Client(reconnection=False)
        self.headers: dict[str, str] = {}
        if cookie:
            self.headers["Cookie"] = cookie
        if origin:
            self.headers["Origin"] = origin

        @self.client.on("*")
        def any_event(event: str, data: Any = None) -> None:
            with self._lock:
                self.received.append((event, data))
            self.events.put((event, data))

    def connect(self, transports: tuple[str, ...] = ("websocket",)) -> Recorder:
        self.client.connect(
            self.base_url, headers=self.headers, transports=list(transports), wait_timeout=10
        )
        return self

    def join(self, room: str, last_id: int | None = None) -> dict[str, Any]:
        request: dict[str, Any] = {"room": room}
        if last_id is not None:
            request["last_id"] = last_id
        return self.client.call("join", request, timeout=10)

    def call(self, event: str, data: Any = None) -> Any:
        return self.client.call(event, data, timeout=10)

    def wait_for(
        self, name: str, timeout: float = 10.0, where: Callable[[Any], bool] | None = None
    ) -> Any:
        """The data of the next `name` event (matching `where`); fail after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {name} within {timeout}s; got {self.names()}")
            try:
                event, data = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if event == name and (where is None or where(data)):
                return data

    def names(self) -> list[str]:
        with self._lock:
            return [name for name, _ in self.received]

    def of(self, name: str) -> list[Any]:
        with self._lock:
            return [data for event, data in self.received if event == name]

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()
        # Wait for the client's threads to end, so none outlives the test.
        self.client.shutdown()


def session_cookie(client: Any) -> str:
    """The Cookie header of a Flask test client that has signed in."""
    cookie = client.get_cookie("session")
    assert cookie is not None, "the test client has no session: sign in first"
    return f"session={cookie.value}"


@pytest.fixture
def socket_for(live_server: str, app, create_user) -> Iterator[Callable[..., Recorder]]:
    """`socket_for(user=None)`: a connected socket client, signed in as `user` if given."""
    from tests.conftest import DEFAULT_PASSWORD, IsolatedClient, csrf_token_from

    # Each request in its own context, or Flask-Login's cached user leaks between them.
    app.test_client_class = IsolatedClient
    clients: list[Recorder] = []

    def make(user: User | None = None, *, origin: str | None = None, connect: bool = True):
        cookie = None
        if user is not None:
            http = app.test_client()
            token = csrf_token_from(http)
            response = http.post(
                "/sign-in",
                data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token},
            )
            assert response.status_code == 302
            cookie = session_cookie(http)
        recorder = Recorder(live_server, cookie, origin)
        clients.append(recorder)
        return recorder.connect() if connect else recorder

    yield make
    close_all(clients)


def close_all(clients: list[Recorder]) -> None:
    """Close clients together: each close waits up to 3 s for the server's goodbye."""
    threads = [threading.Thread(target=client.close) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)
