"""Nearby mode and the task board over the socket (a real client against a live server)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import DEFAULT_PASSWORD, IsolatedClient, csrf_token_from
from tests.live.conftest import Recorder, close_all, session_cookie
from tests.places.conftest import LIBRARY, PARK
from townhall.accounts.permissions import Role
from townhall.database import utcnow
from townhall.extensions import db
from townhall.places import service


@pytest.fixture
def socket_as(live_server, app):
    """`socket_as(user)`: a connected socket client signed in as `user`."""
    app.test_client_class = IsolatedClient
    clients: list[Recorder] = []

    def make(user):
        http = app.test_client()
        token = csrf_token_from(http)
        response = http.post(
            "/sign-in",
            data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 302
        recorder = Recorder(live_server, session_cookie(http))
        clients.append(recorder)
        return recorder.connect()

    yield make
    close_all(clients)


def test_nearby_position_over_the_socket(app, socket_as, create_user, create_place):
    app.config["PLACES_NEARBY_INTERVAL_SECONDS"] = 60
    create_place()
    socket = socket_as(create_user())
    answer = socket.call("nearby_position", {"latitude": LIBRARY[0], "longitude": LIBRARY[1]})
    assert [item["title"] for item in answer["items"]] == ["Central Library"]
    again = socket.call("nearby_position", {"latitude": PARK[0], "longitude": PARK[1]})
    assert again["ok"] is False and again["error"] == "too_soon"
    assert "once a minute" in again["message"]


@pytest.mark.parametrize(
    "position",
    [{"latitude": 91, "longitude": 0}, {"latitude": "x", "longitude": 0}, {}, [1, 2]],
)
def test_bad_positions_over_the_socket_are_refused(socket_as, create_user, position):
    socket = socket_as(create_user())
    answer = socket.call("nearby_position", position)
    assert answer["ok"] is False and answer["error"] in ("invalid", "malformed")


def test_only_officers_join_the_task_board(socket_as, create_user, create_place):
    place = create_place()
    officer = create_user(role=Role.OFFICER)
    staff = create_user(role=Role.STAFF)
    assert socket_as(staff).join("staff_tasks")["ok"] is False
    board = socket_as(officer)
    assert board.join("staff_tasks")["ok"] is True
    task = service.create_task(officer, place.id, "Check the noticeboard", utcnow() + timedelta(1))
    db.session.commit()
    service.accept_task(staff, task)
    db.session.commit()
    changed = board.wait_for("task_changed", where=lambda e: e["data"]["status"] == "accepted")
    assert changed["data"]["refresh"] == ["tasks"]
