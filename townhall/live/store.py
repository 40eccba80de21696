"""Where live events are numbered and kept for reconnecting clients, and where each
person's open sockets are listed (so signing out can close them).

Two stores with one interface: `MemoryStore` for a single process (the default, and
tests), `RedisStore` when REDIS_URL is set, so every process numbers a room's events
from one counter (Redis INCR) and keeps the same capped list of recent ones.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from typing import Any, Protocol

log = logging.getLogger(__name__)

# How many recent events each room keeps for clients that reconnect; one further
# behind than this is told to reload the page instead.
DEFAULT_CAPACITY = 200
# Idle rooms' lists and socket sets expire from Redis; a room's counter lives longer,
# and a client whose last-seen id is past the counter (it expired) is told to reload.
LIST_TTL_SECONDS = 24 * 3600
COUNTER_TTL_SECONDS = 30 * 24 * 3600


class Event(dict):
    """One numbered event as clients receive it: `room`, `id`, `event`, `data`, `key`."""


class Store(Protocol):
    """What the live module needs from a store."""

    def append(self, room: str, event: str, data: Any, key: str | None = None) -> Event:
        """Number an event for `room`, keep it, and return it."""

    def reserve(self, room: str) -> int:
        """Take the next id of `room` for an event whose data is made afterwards."""

    def put(self, room: str, event_id: int, event: str, data: Any, key: str | None) -> Event:
        """Keep an event under an id taken with `reserve`, and return it."""

    def last_id(self, room: str) -> int:
        """The id of the newest event of `room` (0 when there is none)."""

    def since(self, room: str, last_id: int) -> list[Event] | None:
        """The events of `room` after `last_id`, oldest first; None when too far behind."""

    def add_socket(self, user_id: int, sid: str) -> None:
        """Remember that `sid` is one of `user_id`'s sockets."""

    def remove_socket(self, user_id: int, sid: str) -> None:
        """Forget the socket `sid`."""

    def sockets_of(self, user_id: int) -> list[str]:
        """The sockets `user_id` has open (on any process that shares the store)."""


def _make_event(room: str, event_id: int, event: str, data: Any, key: str | None) -> Event:
    return Event(room=room, id=event_id, event=event, data=data, key=key)


def _since(events: list[Event], last_id: int, newest: int, capacity: int) -> list[Event] | None:
    """Pick the events after `last_id` from a room's kept events (any order).

    None means the client is too far behind: some event it missed has been dropped
    from the capped list. An id reserved but not yet kept (a coalesced event being
    made) is not a gap: it reaches the client live, as it has joined the room already.
    """
    if last_id < 0 or last_id > newest:
        return None  # the client saw ids this store no longer knows: start afresh
    if last_id == newest:
        return []
    if newest - last_id > capacity:
        return None
    oldest_kept = min((e["id"] for e in events), default=newest + 1)
    if oldest_kept > last_id + 1:
        return None
    return sorted((e for e in events if e["id"] > last_id), key=lambda e: e["id"])


class MemoryStore:
    """A store in this process's memory: right for one process, and for tests."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self._lock = threading.Lock()
        self._counters: dict[str, int] = {}
        self._events: dict[str, deque[Event]] = {}
        self._sockets: dict[int, set[str]] = {}

    def append(self, room: str, event: str, data: Any, key: str | None = None) -> Event:
        with self._lock:
            event_id = self._counters.get(room, 0) + 1
            self._counters[room] = event_id
            numbered = _make_event(room, event_id, event, data, key)
            self._events.setdefault(room, deque(maxlen=self.capacity)).append(numbered)
            return numbered

    def reserve(self, room: str) -> int:
        with self._lock:
            event_id = self._counters.get(room, 0) + 1
            self._counters[room] = event_id
            return event_id

    def put(self, room: str, event_id: int, event: str, data: Any, key: str | None) -> Event:
        numbered = _make_event(room, event_id, event, data, key)
        with self._lock:
            self._events.setdefault(room, deque(maxlen=self.capacity)).append(numbered)
        return numbered

    def last_id(self, room: str) -> int:
        with self._lock:
            return self._counters.get(room, 0)

    def since(self, room: str, last_id: int) -> list[Event] | None:
        with self._lock:
            kept = list(self._events.get(room, ()))
            newest = self._counters.get(room, 0)
        return _since(kept, last_id, newest, self.capacity)

    def add_socket(self, user_id: int, sid: str) -> None:
        with self._lock:
            self._sockets.setdefault(user_id, set()).add(sid)

    def remove_socket(self, user_id: int, sid: str) -> None:
        with self._lock:
            sids = self._sockets.get(user_id)
            if sids is not None:
                sids.discard(sid)
                if not sids:
                    del self._sockets[user_id]

    def sockets_of(self, user_id: int) -> list[str]:
        with self._lock:
            return sorted(self._sockets.get(user_id, ()))


# Number the event and keep it in one step, so the list's order is the ids' order
# even when several processes append to the same room at once.
_APPEND = """
local id = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
redis.call('LPUSH', KEYS[2], '{"id":' .. id .. ',' .. ARGV[1])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[2]) - 1)
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[4]))
return id
"""
# Keep an event under an id reserved earlier (same list, same trimming).
_PUT = """
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
"""

# One client per Redis URL for the whole process: its connection pool is shared by
# every app and thread, and never left for the garbage collector to close.
_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


def redis_client(url: str) -> Any:
    """The process's Redis client for `url`."""
    import redis

    from townhall.config import redis_client_options

    with _clients_lock:
        if url not in _clients:
            # Fail fast when Redis is down: pages read the last event ids as they render.
            _clients[url] = redis.Redis.from_url(url, **redis_client_options())
        return _clients[url]


class RedisStore:
    """A store in Redis, shared by every process that uses the same URL and prefix."""

    def __init__(self, url: str, prefix: str, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self.prefix = prefix
        self.redis = redis_client(url)
        self._append = self.redis.register_script(_APPEND)
        self._put = self.redis.register_script(_PUT)

    def _keys(self, room: str) -> tuple[str, str]:
        return f"{self.prefix}seq:{room}", f"{self.prefix}events:{room}"

    def append(self, room: str, event: str, data: Any, key: str | None = None) -> Event:
        counter, events = self._keys(room)
        body = json.dumps(
            {"room": room, "event": event, "data": data, "key": key}, separators=(",", ":")
        )
        event_id = int(
            self._append(
                keys=[counter, events],
                args=[body[1:], self.capacity, COUNTER_TTL_SECONDS, LIST_TTL_SECONDS],
            )
        )
        return _make_event(room, event_id, event, data, key)

    def reserve(self, room: str) -> int:
        counter = self._keys(room)[0]
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(counter)
            pipe.expire(counter, COUNTER_TTL_SECONDS)
            event_id, _ = pipe.execute()
        return int(event_id)

    def put(self, room: str, event_id: int, event: str, data: Any, key: str | None) -> Event:
        numbered = _make_event(room, event_id, event, data, key)
        self._put(
            keys=[self._keys(room)[1]],
            args=[json.dumps(numbered, separators=(",", ":")), self.capacity, LIST_TTL_SECONDS],
        )
        return numbered

    def last_id(self, room: str) -> int:
        value = self.redis.get(self._keys(room)[0])
        return int(value) if value is not None else 0

    def since(self, room: str, last_id: int) -> list[Event] | None:
        counter, events = self._keys(room)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.get(counter)
            pipe.lrange(events, 0, self.capacity - 1)
            newest_raw, raw = pipe.execute()
        newest = int(newest_raw) if newest_raw is not None else 0
        kept = [Event(json.loads(item)) for item in raw]
        return _since(kept, last_id, newest, self.capacity)

    def _sockets_key(self, user_id: int) -> str:
        return f"{self.prefix}sockets:{user_id}"

    def add_socket(self, user_id: int, sid: str) -> None:
        key = self._sockets_key(user_id)
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.sadd(key, sid)
            pipe.expire(key, LIST_TTL_SECONDS)
            pipe.execute()

    def remove_socket(self, user_id: int, sid: str) -> None:
        self.redis.srem(self._sockets_key(user_id), sid)

    def sockets_of(self, user_id: int) -> list[str]:
        return sorted(s.decode() for s in self.redis.smembers(self._sockets_key(user_id)))
