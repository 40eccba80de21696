"""Socket connections against a running server: who may join which room, and how bad
input is refused (with an error event and a log line) while the server carries on."""

from __future__ import annotations

import logging

import pytest
import socketio

from townhall.accounts.permissions import Role
from townhall.live import ActionRefused, register_action
from townhall.live.events import MAX_PAYLOAD_BYTES, unregister_action


@pytest.fixture
def staff_consultation(create_consultation):
    return create_consultation(status="open", audience="staff", title="Staff car parking")


@pytest.fixture
def public_consultation(create_consultation):
    return create_consultation(status="open", title="Library opening hours")


def test_anonymous_reader_joins_a_public_consultation(socket_for, public_consultation):
    answer = socket_for().join(f"consultation:{public_consultation.id}")
    assert answer["ok"] is True
    assert answer["room"] == f"consultation:{public_consultation.id}"


def test_citizen_cannot_join_a_staff_only_consultation(socket_for, create_user, staff_consultation):
    citizen = socket_for(create_user())
    answer = citizen.join(f"consultation:{staff_consultation.id}")
    assert answer == {
        "ok": False,
        "error": "unknown_room",
        "message": "There is no such room.",
        "event": "join",
    }
    assert citizen.wait_for("live_error")["error"] == "unknown_room"


def test_staff_join_a_staff_only_consultation(socket_for, create_user, staff_consultation):
    staff = socket_for(create_user(role=Role.STAFF))
    assert staff.join(f"consultation:{staff_consultation.id}")["ok"] is True


def test_draft_consultation_room_is_only_for_officers(socket_for, create_user, create_consultation):
    draft = create_consultation(status="draft")
    assert socket_for(create_user()).join(f"consultation:{draft.id}")["ok"] is False
    assert socket_for(create_user(role=Role.OFFICER)).join(f"consultation:{draft.id}")["ok"]


def test_only_moderators_join_the_moderators_room(socket_for, create_user):
    assert socket_for(create_user()).join("moderators")["ok"] is False
    assert socket_for(create_user(role=Role.STAFF)).join("moderators")["ok"] is False
    assert socket_for().join("moderators")["ok"] is False
    assert socket_for(create_user(role=Role.MODERATOR)).join("moderators")["ok"] is True


def test_a_person_joins_only_their_own_room(socket_for, create_user):
    me, someone = create_user(), create_user()
    mine = socket_for(me)
    assert mine.join(f"user:{me.id}")["ok"] is True
    assert mine.join(f"user:{someone.id}")["ok"] is False
    assert socket_for().join(f"user:{me.id}")["ok"] is False


@pytest.mark.parametrize(
    "room",
    [
        "consultation:999999",
        "consultation:abc",
        "nonsense:1",
        "moderators:1",
        "user",
        "",
        "x" * 500,
    ],
)
def test_unknown_rooms_are_refused(socket_for, room, caplog):
    client = socket_for()
    with caplog.at_level(logging.WARNING, logger="townhall.live.events"):
        answer = client.join(room)
    assert answer["ok"] is False
    assert answer["error"] == "unknown_room"
    assert "refused join (unknown_room)" in caplog.text


@pytest.mark.parametrize(
    "payload",
    [None, "consultation:1", ["consultation:1"], 42, {"room": 5}, {"room": "user:1", "last_id": -1},
     {"room": "user:1", "last_id": "7"}, {"room": "user:1", "last_id": True}],
)  # fmt: skip
def test_malformed_join_payloads_are_refused(socket_for, payload):
    answer = socket_for().call("join", payload)
    assert answer["ok"] is False
    assert answer["error"] in {"malformed", "unknown_room"}


def test_oversized_payload_is_refused_and_the_connection_kept(socket_for, public_consultation):
    client = socket_for()
    answer = client.call("join", {"room": "x", "padding": "y" * (MAX_PAYLOAD_BYTES + 10)})
    assert answer["error"] == "too_large"
    assert client.wait_for("live_error")["error"] == "too_large"
    # The same socket still works.
    assert client.join(f"consultation:{public_consultation.id}")["ok"] is True


def test_unknown_event_is_refused_with_an_error_event(socket_for, caplog):
    client = socket_for()
    with caplog.at_level(logging.WARNING, logger="townhall.live.events"):
        answer = client.call("drop_tables", {"please": True})
    assert answer["error"] == "unknown_event"
    error = client.wait_for("live_error")
    assert error == {
        "ok": False,
        "error": "unknown_event",
        "message": "There is no such event.",
        "event": "drop_tables",
    }
    assert "refused drop_tables (unknown_event)" in caplog.text


@pytest.fixture
def echo_action():
    """A socket action registered for the test: it echoes, or refuses on request."""
    calls = []

    def echo(user, data):
        calls.append((user.id, data))
        if data.get("refuse"):
            raise ActionRefused("Not like that.", "not_allowed")
        if data.get("crash"):
            raise RuntimeError("a bug in a handler")
        return {"ok": True, "echo": data.get("text")}

    register_action("test_echo", echo)
    yield calls
    unregister_action("test_echo")


def test_unauthenticated_socket_cannot_write(socket_for, echo_action, caplog):
    client = socket_for()
    with caplog.at_level(logging.WARNING, logger="townhall.live.events"):
        answer = client.call("test_echo", {"text": "hello"})
    assert answer["error"] == "sign_in_required"
    assert client.wait_for("live_error")["error"] == "sign_in_required"
    assert echo_action == []
    assert "refused test_echo (sign_in_required)" in caplog.text


def test_signed_in_socket_writes_through_a_registered_action(socket_for, create_user, echo_action):
    user = create_user()
    client = socket_for(user)
    assert client.call("test_echo", {"text": "hello"}) == {"ok": True, "echo": "hello"}
    assert echo_action == [(user.id, {"text": "hello"})]
    assert client.call("test_echo", {"refuse": True})["error"] == "not_allowed"
    assert client.call("test_echo", "not an object")["error"] == "malformed"


def test_a_failing_handler_answers_with_an_error_and_others_carry_on(
    socket_for, create_user, echo_action, public_consultation, caplog
):
    broken, bystander = socket_for(create_user()), socket_for()
    room = f"consultation:{public_consultation.id}"
    assert bystander.join(room)["ok"]
    with caplog.at_level(logging.ERROR, logger="townhall.live.events"):
        answer = broken.call("test_echo", {"crash": True})
    assert answer["error"] == "server_error"
    assert "handler failed" in caplog.text
    # Both sockets keep working, and the bystander still receives events.
    assert broken.call("test_echo", {"text": "again"})["echo"] == "again"
    from townhall.live import publish_now

    publish_now(room, "test_happened", {"n": 1})
    assert bystander.wait_for("test_happened")["data"] == {"n": 1}


# Over long-polling, so the Origin header is exactly ours (the websocket library adds
# its own beside it).
def test_another_origin_cannot_connect(socket_for):
    client = socket_for(origin="http://evil.example", connect=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(transports=("polling",))


def test_same_origin_connects(socket_for, live_server):
    client = socket_for(origin=live_server, connect=False)
    assert client.connect(transports=("polling",)).client.connected


def test_signing_out_disconnects_that_persons_sockets(socket_for, create_user, app):
    from tests.conftest import DEFAULT_PASSWORD, csrf_token_from

    user, other = create_user(), create_user()
    http = app.test_client()
    http.post(
        "/sign-in",
        data={
            "email": user.email,
            "password": DEFAULT_PASSWORD,
            "csrf_token": csrf_token_from(http),
        },
    )
    mine = socket_for(user)
    second_tab = socket_for(user)
    theirs = socket_for(other)
    assert mine.client.connected and second_tab.client.connected
    response = http.post("/sign-out", data={"csrf_token": csrf_token_from(http, "/account")})
    assert response.status_code == 302
    for client in (mine, second_tab):
        assert _eventually(lambda c=client: not c.client.connected)
    assert theirs.client.connected


def _eventually(check, timeout: float = 5.0) -> bool:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()
