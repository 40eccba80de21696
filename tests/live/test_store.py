"""The event store: ids per room, a capped list for catch-up, and sockets per person;
the same behaviour in memory and in Redis."""

from __future__ import annotations

import uuid

import pytest

from townhall.live.publish import Coalescer
from townhall.live.store import MemoryStore, RedisStore


@pytest.fixture(params=["memory", "redis"])
def store(request, redis_url):
    if request.param == "memory":
        yield MemoryStore(capacity=5)
        return
    if not redis_url:
        pytest.skip("REDIS_URL is not set: the Redis store is tested in the PostgreSQL+Redis pass")
    store = RedisStore(redis_url, prefix=f"townhall-test-{uuid.uuid4().hex}:", capacity=5)
    yield store
    for key in store.redis.scan_iter(f"{store.prefix}*"):
        store.redis.delete(key)


def test_ids_increase_per_room(store):
    assert store.last_id("consultation:1") == 0
    assert [store.append("consultation:1", "a", {}).get("id") for _ in range(3)] == [1, 2, 3]
    assert store.append("consultation:2", "a", {})["id"] == 1
    assert store.last_id("consultation:1") == 3


def test_since_returns_what_was_missed_in_order(store):
    for n in range(4):
        store.append("r:1", "happened", {"n": n}, key="k" if n % 2 else None)
    missed = store.since("r:1", 2)
    assert [(e["id"], e["data"]["n"], e["key"]) for e in missed] == [(3, 2, None), (4, 3, "k")]
    assert missed[0]["event"] == "happened" and missed[0]["room"] == "r:1"
    assert store.since("r:1", 4) == []


def test_since_says_reload_when_too_far_behind_or_ahead(store):
    for n in range(8):
        store.append("r:1", "happened", {"n": n})
    assert store.since("r:1", 0) is None  # ids 1 to 3 have been dropped
    assert [e["id"] for e in store.since("r:1", 3)] == [4, 5, 6, 7, 8]
    assert store.since("r:1", 99) is None  # ids this store never gave
    assert store.since("r:1", -1) is None


def test_reserved_id_is_kept_when_put(store):
    first = store.reserve("r:1")
    store.append("r:1", "other", {})
    store.put("r:1", first, "tally_updated", {"votes": 3}, "tally")
    assert [e["id"] for e in store.since("r:1", 0)] == [1, 2]
    assert store.since("r:1", 0)[0]["data"] == {"votes": 3}


def test_sockets_per_person(store):
    store.add_socket(7, "a")
    store.add_socket(7, "b")
    store.add_socket(8, "c")
    store.remove_socket(7, "a")
    assert store.sockets_of(7) == ["b"]
    assert store.sockets_of(9) == []


def test_coalescer_sends_first_soon_then_at_most_once_per_interval_and_last():
    sent: list[tuple[str, dict]] = []
    coalescer = Coalescer(lambda room, key, event, data: sent.append((key, data)), 0.1)
    import time

    started = time.monotonic()
    for n in range(1, 501):
        coalescer.submit("r:1", "tally", "tally_updated", {"n": n})
        time.sleep(0.001)
    elapsed = time.monotonic() - started
    coalescer.flush()
    time.sleep(0.25)
    values = [data["n"] for _, data in sent]
    # The first goes when the sending thread wakes, not after the changes stop (how
    # soon is a matter for bench/, not a timed assertion here).
    assert values[0] < 500
    assert values[-1] == 500
    assert values == sorted(values)
    assert len(values) <= elapsed / 0.1 + 3


def test_coalescer_keeps_keys_apart():
    sent: list[tuple[str, int]] = []
    coalescer = Coalescer(lambda room, key, event, data: sent.append((key, data["n"])), 0.05)
    for n, key in enumerate(("a", "b", "a", "b")):
        coalescer.submit("r:1", key, "tally_updated", {"n": n})
    coalescer.flush()
    import time

    time.sleep(0.2)
    # How many messages go depends on when the sending thread wakes ([a, b],
    # [a, b, a], [a, a, b, b], ...); what may not vary: each key is sent, never more
    # often than it changed, and each key's last message is its newest state.
    for key, newest in (("a", 2), ("b", 3)):
        mine = [n for k, n in sent if k == key]
        assert 1 <= len(mine) <= 2
        assert mine[-1] == newest
