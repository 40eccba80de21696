"""Room membership follows access: whatever reduces what a person may read (a demotion,
a suspension, ended sessions, a deleted account) closes their sockets once it commits,
so their pages reconnect and rejoin only the rooms they may now read; a promotion
disconnects nobody. Real python-socketio clients against a running server."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
import requests

from tests.conftest import link_in
from tests.live.conftest import Recorder, close_all
from tests.live.test_scale_out import _sign_in, _token, two_servers  # noqa: F401
from townhall.accounts import service as accounts
from townhall.accounts.models import User
from townhall.accounts.permissions import Role
from townhall.extensions import db
from townhall.live import MODERATORS_ROOM, publish_now, user_room
from townhall.moderation.models import SanctionKind
from townhall.moderation.service import sanction_user
from townhall.places import service as places
from townhall.places.privacy import delete_account


@pytest.fixture
def staff_consultation(create_consultation):
    return create_consultation(status="open", audience="staff", title="Staff car parking")


@pytest.fixture
def public_consultation(create_consultation):
    return create_consultation(status="open", title="Library opening hours")


@pytest.fixture
def admin(create_user) -> User:
    return create_user(role=Role.ADMIN, display_name="Ada Admin")


@pytest.fixture
def moderator(create_user) -> User:
    return create_user(role=Role.MODERATOR, display_name="Mo Moderator")


@pytest.fixture
def reconnect(live_server: str) -> Iterator[Callable[[Recorder], Recorder]]:
    """`reconnect(socket)`: a new socket with the same session, as the page's client makes."""
    made: list[Recorder] = []

    def make(old: Recorder) -> Recorder:
        fresh = Recorder(live_server, old.headers.get("Cookie"))
        made.append(fresh)
        return fresh.connect()

    yield make
    close_all(made)


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def stays(check: Callable[[], bool], seconds: float = 0.6) -> bool:
    """Whether `check` holds throughout `seconds` (for what must not happen)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not check():
            return False
        time.sleep(0.05)
    return check()


def change_role_over_http(post_form, person: User, role: Role) -> None:
    """Change `person`'s role through the admin's form (the test client is the admin)."""
    response = post_form(
        f"/admin/users/{person.id}/role",
        {"role": role.value, "confirm": "yes"},
        token_page="/admin/users",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]


def refused(answer: dict) -> bool:
    return answer["ok"] is False and answer["error"] == "unknown_room"


def test_demoted_staff_leave_a_staff_consultations_room(
    socket_for, reconnect, create_user, admin, staff_consultation, sign_in, post_form
):
    room = f"consultation:{staff_consultation.id}"
    staff, colleague = create_user(role=Role.STAFF), create_user(role=Role.STAFF)
    demoted, bystander = socket_for(staff), socket_for(colleague)
    assert demoted.join(room)["ok"] and bystander.join(room)["ok"]

    sign_in(admin)
    change_role_over_http(post_form, staff, Role.CITIZEN)

    assert eventually(lambda: not demoted.client.connected)
    publish_now(room, "consultation_updated", {"refresh": ["status"]})
    assert bystander.wait_for("consultation_updated")["room"] == room
    assert "consultation_updated" not in demoted.names()
    assert bystander.client.connected

    # The page comes back on the same session: as a citizen now, refused the room.
    again = reconnect(demoted)
    assert refused(again.join(room))
    assert again.join(user_room(staff.id))["ok"] is True
    publish_now(room, "consultation_updated", {"refresh": ["status"]})
    bystander.wait_for("consultation_updated")
    assert stays(lambda: "consultation_updated" not in again.names(), 0.3)


def test_a_demoted_moderator_leaves_the_moderators_room(
    socket_for, reconnect, create_user, admin, moderator, sign_in, post_form
):
    other_moderator = create_user(role=Role.MODERATOR)
    demoted, colleague = socket_for(moderator), socket_for(other_moderator)
    assert demoted.join(MODERATORS_ROOM)["ok"] and colleague.join(MODERATORS_ROOM)["ok"]

    sign_in(admin)
    change_role_over_http(post_form, moderator, Role.CITIZEN)

    assert eventually(lambda: not demoted.client.connected)
    publish_now(MODERATORS_ROOM, "queue_changed", {"refresh": ["moderation-queue"]})
    colleague.wait_for("queue_changed")
    assert "queue_changed" not in demoted.names()
    assert refused(reconnect(demoted).join(MODERATORS_ROOM))
    assert colleague.client.connected


def test_an_officer_made_moderator_leaves_the_staff_task_board(
    socket_for, reconnect, create_user, admin, sign_in, post_form
):
    # Not a step down the list of roles, but officers' permissions are lost: a change
    # counts as a reduction whenever the new role lacks anything the old one had.
    officer = create_user(role=Role.OFFICER)
    socket = socket_for(officer)
    assert socket.join(places.TASKS_ROOM)["ok"]

    sign_in(admin)
    change_role_over_http(post_form, officer, Role.MODERATOR)

    assert eventually(lambda: not socket.client.connected)
    again = reconnect(socket)
    assert refused(again.join(places.TASKS_ROOM))
    assert again.join(MODERATORS_ROOM)["ok"] is True


def test_a_promotion_disconnects_nobody(
    socket_for, create_user, admin, moderator, staff_consultation, public_consultation,
    sign_in, post_form,
):  # fmt: skip
    citizen = create_user()
    citizens_socket, moderators_socket = socket_for(citizen), socket_for(moderator)
    public_room = f"consultation:{public_consultation.id}"
    assert citizens_socket.join(public_room)["ok"]
    assert refused(citizens_socket.join(f"consultation:{staff_consultation.id}"))
    assert moderators_socket.join(MODERATORS_ROOM)["ok"]

    sign_in(admin)
    change_role_over_http(post_form, citizen, Role.STAFF)
    change_role_over_http(post_form, moderator, Role.ADMIN)

    assert stays(lambda: citizens_socket.client.connected and moderators_socket.client.connected)
    # The same sockets carry on, and may now join what the new role may read.
    publish_now(public_room, "consultation_updated", {"refresh": ["status"]})
    assert citizens_socket.wait_for("consultation_updated")["room"] == public_room
    assert citizens_socket.join(f"consultation:{staff_consultation.id}")["ok"] is True
    assert moderators_socket.join(places.TASKS_ROOM)["ok"] is True


def test_a_suspended_citizen_is_disconnected_and_follows_only_their_own_room(
    socket_for, reconnect, create_user, moderator, public_consultation, sign_in, post_form
):
    citizen, neighbour = create_user(), create_user()
    room = f"consultation:{public_consultation.id}"
    suspended, other = socket_for(citizen), socket_for(neighbour)
    assert suspended.join(room)["ok"] and other.join(room)["ok"]

    sign_in(moderator)
    url = f"/moderation/people/{citizen.id}/sanction"
    response = post_form(
        url, {"kind": "suspend", "clause": "1.1", "reason": "Insults", "hours": "24"},
        token_page=url,
    )  # fmt: skip
    assert response.status_code == 303

    assert eventually(lambda: not suspended.client.connected)
    assert other.client.connected
    # Their pages show only why and until when; the socket follows suit.
    again = reconnect(suspended)
    assert refused(again.join(room))
    assert again.join(user_room(citizen.id))["ok"] is True


def test_a_mute_or_a_warning_disconnects_nobody(
    socket_for, create_user, moderator, public_consultation
):
    # A muted person may still read everything; only posting is barred.
    citizen = create_user()
    socket = socket_for(citizen)
    room = f"consultation:{public_consultation.id}"
    assert socket.join(room)["ok"]
    sanction_user(citizen, moderator, SanctionKind.WARN, "1.1", "Mind your words")
    sanction_user(citizen, moderator, SanctionKind.MUTE, "1.1", "Cool off", hours=2)
    db.session.commit()
    assert stays(lambda: socket.client.connected)
    assert socket.join(room)["ok"] is True


def test_nothing_happens_before_the_commit_nor_after_a_rollback(
    socket_for, create_user, admin, moderator
):
    socket = socket_for(moderator)
    assert socket.join(MODERATORS_ROOM)["ok"]

    accounts.change_role(moderator, Role.CITIZEN, changed_by=admin)
    sanction_user(moderator, admin, SanctionKind.SUSPEND, "1.1", "Test", hours=1)
    db.session.flush()
    assert stays(lambda: socket.client.connected)
    db.session.rollback()
    assert stays(lambda: socket.client.connected)

    moderator = db.session.get(User, moderator.id)
    accounts.change_role(moderator, Role.CITIZEN, changed_by=db.session.get(User, admin.id))
    db.session.flush()
    assert stays(lambda: socket.client.connected, 0.3)
    db.session.commit()
    assert eventually(lambda: not socket.client.connected)


def test_a_password_reset_closes_the_sockets_of_every_other_session(
    socket_for, create_user, staff_consultation, client, post_form, mailbox
):
    # Someone holding an old session (a shared computer, a stolen cookie) stops
    # receiving the staff room's events as soon as the owner resets their password.
    staff = create_user(role=Role.STAFF)
    old_session = socket_for(staff)
    assert old_session.join(f"consultation:{staff_consultation.id}")["ok"]
    assert post_form("/password/forgot", {"email": staff.email}).status_code == 200
    path = link_in(mailbox()[0]).split("localhost", 1)[1]
    response = post_form(
        path,
        {"password": "fresh new passphrase", "confirm": "fresh new passphrase"},
        token_page=path,
    )
    assert response.status_code == 302
    assert eventually(lambda: not old_session.client.connected)


def test_a_deleted_account_is_disconnected(socket_for, reconnect, create_user, staff_consultation):
    # However the account goes (here without anyone signing out over HTTP).
    staff = create_user(role=Role.STAFF)
    socket = socket_for(staff)
    room = f"consultation:{staff_consultation.id}"
    assert socket.join(room)["ok"]
    delete_account(staff)
    db.session.commit()
    assert eventually(lambda: not socket.client.connected)
    again = reconnect(socket)
    assert refused(again.join(room))
    assert refused(again.join(user_room(staff.id)))


def test_a_demotion_through_one_process_closes_the_socket_on_the_other(
    two_servers,  # noqa: F811
    create_user,
    staff_consultation,
):
    first, second = two_servers
    admin = create_user(role=Role.ADMIN)
    staff = create_user(role=Role.STAFF)
    room = f"consultation:{staff_consultation.id}"
    clients: list[Recorder] = []
    with requests.Session() as staff_http, requests.Session() as admin_http:
        try:
            _sign_in(staff_http, second, staff.email)
            cookie = "session=" + staff_http.cookies["session"]
            socket = Recorder(second, cookie).connect()
            clients.append(socket)
            assert socket.join(room)["ok"]

            _sign_in(admin_http, first, admin.email)
            with admin_http.post(
                f"{first}/admin/users/{staff.id}/role",
                data={
                    "role": "citizen",
                    "confirm": "yes",
                    "csrf_token": _token(admin_http, f"{first}/admin/users"),
                },
                allow_redirects=False,
                timeout=10,
            ) as response:
                assert response.status_code == 303, response.text[:500]

            assert eventually(lambda: not socket.client.connected, 10)
            again = Recorder(second, cookie).connect()
            clients.append(again)
            assert refused(again.join(room))
        finally:
            close_all(clients)


@pytest.mark.browser
def test_a_demoted_readers_page_reconnects_and_stops_following_the_room(
    browser, live_server, create_user, admin, staff_consultation, sign_in, post_form
):
    from playwright.sync_api import expect

    from tests.browser.test_live_journey import open_as, wait_until_joined

    staff = create_user(role=Role.STAFF, display_name="Sam Staff")
    context, page = open_as(browser, live_server, staff, f"/consultations/{staff_consultation.id}")
    try:
        wait_until_joined(page)
        sign_in(admin)
        change_role_over_http(post_form, staff, Role.CITIZEN)
        # The page connects again by itself; the staff room refuses it, and it says so.
        notice = page.locator(".live-reload")
        expect(notice).to_contain_text("This page no longer updates live.")
        expect(notice.get_by_role("link", name="Reload the page")).to_be_visible()
        # Its own room took it back: it still hears what is meant for this person.
        assert eventually(lambda: _announced(page, staff), 10)
        assert page.evaluate("window.notReloaded") is True
    finally:
        context.close()


def _announced(page, staff: User) -> bool:
    publish_now(user_room(staff.id), "test_notice", {"announce": "Still following you."})
    time.sleep(0.8)  # the live region gathers announcements for 0.7 s
    return page.locator("#live-announcer").inner_text() == "Still following you."
