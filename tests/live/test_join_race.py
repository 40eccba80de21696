"""A join that races its socket's closing, and an event nested too deeply, are refused
quietly: no traceback in the log, and the server carries on (issue 14, findings 3 and 6)."""

from __future__ import annotations

import logging
import time

import pytest
from flask_socketio import disconnect

from townhall.live.rooms import register_room_kind, room_kinds

TOO_DEEP = "The JSON is nested too deeply (the limit is 32 levels)."


@pytest.fixture
def leaving_room():
    """A room kind whose join check sees the page leave: the socket closes meanwhile."""
    before = room_kinds().get("leaving")

    def can_join(user, key):
        disconnect()  # the server forgets the socket, as when the reader's page goes
        return True

    register_room_kind("leaving", can_join, keyed=False)
    yield "leaving"
    if before is None:
        from townhall.live import rooms

        rooms._kinds.pop("leaving", None)


def _tracebacks(caplog) -> list[logging.LogRecord]:
    """Errors logged by the app or the Socket.IO server (not the test server's own noise
    about a websocket closing mid-request, which is werkzeug's)."""
    return [
        r
        for r in caplog.records
        if r.exc_info or (r.levelno >= logging.ERROR and not r.name.startswith("werkzeug"))
    ]


@pytest.mark.parametrize("others", [0, 1], ids=["last socket", "others connected"])
def test_a_join_racing_its_socket_closing_is_refused_quietly(
    socket_for, leaving_room, caplog, others
):
    bystanders = [socket_for() for _ in range(others)]
    leaver = socket_for()
    with caplog.at_level(logging.INFO):
        leaver.client.emit("join", {"room": leaving_room})
        deadline = time.monotonic() + 10
        while leaver.client.connected and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # the handler finishes after the socket is gone
    assert not leaver.client.connected
    assert _tracebacks(caplog) == []
    assert "closed before joining leaving" in caplog.text
    for bystander in bystanders:  # the server carries on
        assert bystander.call("leave", {"room": "anything"})["ok"] is True


def test_an_event_nested_too_deeply_is_refused_in_words(socket_for, caplog):
    client = socket_for()
    # Sent as the raw Socket.IO packet: the client's own encoder recurses too.
    packet = '2["join",{"room":' + "[" * 5_000 + "]" * 5_000 + "}]"
    with caplog.at_level(logging.INFO):
        client.client.eio.send(packet)
        refusal = client.wait_for("live_error")
    assert refusal["error"] == "too_deep"
    assert refusal["message"] == TOO_DEEP
    assert _tracebacks(caplog) == []
    assert client.call("leave", {"room": "anything"})["ok"] is True  # still connected


def test_an_acked_event_nested_too_deeply_is_answered(socket_for):
    client = socket_for()
    room: list = []
    for _ in range(40):  # within what the client's encoder can write
        room = [room]
    answer = client.call("join", {"room": room})
    assert answer["ok"] is False and answer["error"] == "too_deep"
