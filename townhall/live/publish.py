"""Publishing: domain services hand live plain events, sent only once their
transaction commits, numbered per room, and for bursty counts, coalesced.
"""

from __future__ import annotations

import heapq
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from flask import Flask, current_app

from townhall.database import on_commit
from townhall.extensions import db, socketio
from townhall.live.rooms import ROOM_NAME, user_room
from townhall.live.store import Event, Store

log = logging.getLogger(__name__)

EXTENSION_KEY = "townhall_live"
# Socket.IO event names: snake_case, named for what happened (`comment_posted`).
EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]{1,60}$")
# Names the protocol itself uses; a domain event may not take them.
RESERVED_EVENTS = frozenset(
    {"connect", "disconnect", "connect_error", "message", "join", "leave", "live_error"}
)
# A coalesced key sends at most one message per interval (per process), and always
# sends the newest state at the end of a burst.
COALESCE_SECONDS = 0.25
# Events are ids and public data, never whole pages: refuse anything large.
MAX_EVENT_BYTES = 16 * 1024

Data = dict[str, Any]
DataOrLoader = Data | Callable[[], Data]


@dataclass
class LiveState:
    """The live module's per-app state: its store and its coalescer."""

    app: Flask
    store: Store
    coalesce_seconds: float = COALESCE_SECONDS
    coalescer: Coalescer = field(init=False)

    def __post_init__(self) -> None:
        self.coalescer = Coalescer(self.send_loaded, self.coalesce_seconds)

    def send(self, room: str, event: str, data: Data, key: str | None = None) -> Event | None:
        """Number, keep and emit one event now. Failures are logged, never raised.

        This runs after a commit: raising here would turn a saved change into an
        error page and skip the other after-commit work (email), so it must not.
        """
        try:
            numbered = self.store.append(room, event, data, key)
            _emit(numbered)
            return numbered
        except Exception:
            log.exception("could not publish %s to %s", event, room)
            return None

    def send_loaded(self, room: str, key: str, event: str, data: DataOrLoader) -> None:
        """Send a coalesced event, making its data now when it is a loader.

        The id is taken before the data is read, so of two messages for one key the
        one with the higher id was read later: a client keeping the highest id per
        key ends on the newest state, even when messages from several processes
        cross on the way.
        """
        try:
            event_id = self.store.reserve(room)
            if callable(data):
                with self.app.app_context():
                    data = _checked(data())
            numbered = self.store.put(room, event_id, event, data, key)
            _emit(numbered)
        except Exception:
            log.exception("could not publish coalesced %s to %s", event, room)


def _emit(numbered: Event) -> None:
    socketio.emit(
        numbered["event"],
        {
            "room": numbered["room"],
            "id": numbered["id"],
            "data": numbered["data"],
            "key": numbered["key"],
        },
        to=numbered["room"],
        namespace="/",
    )


class Coalescer:
    """Send at most one message per `interval` per (room, key), and always the last.

    The first change after a quiet spell is sent at once; changes within the
    interval after a send replace each other, and the newest is sent when the
    interval ends. One background thread per app does the sending; it stops when
    idle and starts again on demand.
    """

    IDLE_SECONDS = 5.0

    def __init__(self, send: Callable[[str, str, str, DataOrLoader], None], interval: float):
        self.send = send
        self.interval = interval
        self._cond = threading.Condition()
        self._pending: dict[tuple[str, str], tuple[str, DataOrLoader]] = {}
        self._last_sent: dict[tuple[str, str], float] = {}
        self._due: list[tuple[float, tuple[str, str]]] = []
        self._thread: threading.Thread | None = None

    def submit(self, room: str, key: str, event: str, data: DataOrLoader) -> None:
        """Record the newest state of `key` in `room`; it is sent within the interval."""
        slot = (room, key)
        with self._cond:
            already_due = slot in self._pending
            self._pending[slot] = (event, data)
            if not already_due:
                earliest = self._last_sent.get(slot, float("-inf")) + self.interval
                heapq.heappush(self._due, (max(time.monotonic(), earliest), slot))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="townhall-live-coalescer", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        while True:
            ready: list[tuple[tuple[str, str], tuple[str, DataOrLoader]]] = []
            with self._cond:
                while not ready:
                    now = time.monotonic()
                    while self._due and self._due[0][0] <= now:
                        _, slot = heapq.heappop(self._due)
                        ready.append((slot, self._pending.pop(slot)))
                        self._last_sent[slot] = now
                    if ready:
                        break
                    if not self._due:
                        if not self._cond.wait(self.IDLE_SECONDS) and not self._due:
                            self._thread = None  # idle: stop; submit starts another
                            self._forget_old(now)
                            return
                    else:
                        self._cond.wait(self._due[0][0] - now)
            for (room, key), (event, data) in ready:
                self.send(room, key, event, data)

    def _forget_old(self, now: float) -> None:
        # A key last sent over an interval ago would be sent at once anyway.
        self._last_sent = {
            slot: at for slot, at in self._last_sent.items() if now - at < self.interval
        }

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until nothing is waiting to be sent (for tests and shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                if not self._pending:
                    return
            time.sleep(0.01)


def state(app: Flask | None = None) -> LiveState:
    """The live state of `app` (the current app when not given)."""
    target = app or current_app
    try:
        return target.extensions[EXTENSION_KEY]
    except KeyError:
        raise RuntimeError("townhall.live is not set up: add it to MODULES") from None


def _check_names(room: str, event: str) -> None:
    if not isinstance(room, str) or not ROOM_NAME.match(room):
        raise ValueError(f"bad room name {room!r}")
    if not EVENT_NAME.match(event) or event in RESERVED_EVENTS:
        raise ValueError(f"bad live event name {event!r}: use snake_case, not {RESERVED_EVENTS}")


def _checked(data: Data) -> Data:
    """Copy `data` through JSON: later changes to the caller's objects cannot leak in."""
    if not isinstance(data, dict):
        raise TypeError("live event data must be a dict of JSON values")
    text = json.dumps(data, separators=(",", ":"))
    if len(text) > MAX_EVENT_BYTES:
        raise ValueError(f"live event data is {len(text)} bytes; send ids, not pages")
    return json.loads(text)


def publish(room: str, event: str, data: Data, *, session: Any = None) -> None:
    """Send `event` with `data` to everyone in `room` once the transaction commits.

    A rollback drops it. `data` must be what every member of the room may see:
    ids and public facts; clients fetch anything personal over HTTP.
    """
    _check_names(room, event)
    on_commit(session or db.session, partial(state().send, room, event, _checked(data)))


def publish_coalesced(
    room: str, key: str, event: str, data: DataOrLoader, *, session: Any = None
) -> None:
    """Like `publish`, for bursty state (tallies, counts): one message per interval per key.

    `data` may be a loader (a function returning the dict): it is then called when
    the message is sent, in an app context, so the message carries the state as it
    is then, not as one of many racing requests saw it. Prefer a loader for counts.
    """
    _check_names(room, event)
    if not key or len(key) > 100:
        raise ValueError("a coalescing key is a short non-empty string")
    payload = data if callable(data) else _checked(data)
    on_commit(session or db.session, partial(state().coalescer.submit, room, key, event, payload))


def publish_to_users(
    user_ids: Iterable[int], event: str, data: Data, *, session: Any = None
) -> None:
    """`publish` to each person's own room (`user:<id>`) once the transaction commits."""
    rooms = [user_room(uid) for uid in sorted(set(user_ids))]
    if not rooms:
        return
    _check_names(rooms[0], event)
    checked, live = _checked(data), state()

    def send_all() -> None:
        for room in rooms:
            live.send(room, event, checked)

    on_commit(session or db.session, send_all)


def publish_now(room: str, event: str, data: Data) -> Event | None:
    """Send an event at once, outside any transaction (nothing to wait for)."""
    _check_names(room, event)
    return state().send(room, event, _checked(data))


def last_event_id(room: str) -> int | None:
    """The id of the newest event of `room`, for a page to start its catch-up from.

    Pages render it; a failure to read it (Redis down) must not break the page, so
    it is then None and the client joins the room without catching up.
    """
    try:
        return state().store.last_id(room)
    except Exception:
        log.exception("could not read the last event id of %s", room)
        return None
