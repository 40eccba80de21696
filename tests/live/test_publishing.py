"""Events reach a room's sockets only after the transaction commits, carry only public
ids and facts, are numbered per room for catch-up, and bursts are coalesced."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from townhall.accounts.permissions import Role
from townhall.consultations import service as consultations
from townhall.dialogue import service as dialogue
from townhall.dialogue.models import ReactionKind
from townhall.extensions import db
from townhall.live import publish, publish_coalesced, publish_now, state


@pytest.fixture
def consultation(create_consultation):
    return create_consultation(status="open", title="Library opening hours")


def room_of(consultation) -> str:
    return f"consultation:{consultation.id}"


def nothing_arrives(client, name: str, seconds: float = 0.4) -> bool:
    time.sleep(seconds)
    return name not in client.names()


def test_event_is_sent_only_when_the_transaction_commits(socket_for, consultation):
    reader = socket_for()
    assert reader.join(room_of(consultation))["ok"]
    consultations.close_consultation(consultation)
    db.session.flush()
    assert nothing_arrives(reader, "consultation_closed")
    db.session.commit()
    event = reader.wait_for("consultation_closed")
    assert event["room"] == room_of(consultation)
    assert event["data"]["status"] == "closed"
    assert event["data"]["refresh"] == ["status"]


def test_rolled_back_change_publishes_nothing(socket_for, consultation, create_user):
    officer = create_user(role=Role.OFFICER)
    reader = socket_for()
    assert reader.join(room_of(consultation))["ok"]
    consultations.post_announcement(consultation, officer, "Road closed", "Use the side door.")
    db.session.rollback()
    publish_now(room_of(consultation), "test_marker", {})
    reader.wait_for("test_marker")
    assert "announcement_posted" not in reader.names()


def test_comment_posted_over_http_reaches_the_room_with_ids_only(
    socket_for, consultation, create_user, client, sign_in, post_form
):
    reader = socket_for()
    assert reader.join(room_of(consultation))["ok"]
    author = create_user(display_name="Cleo Citizen")
    sign_in(author)
    response = post_form(
        f"/consultations/{consultation.id}/comments",
        {"comment-body": "Sunday opening would help working parents."},
        token_page=f"/consultations/{consultation.id}",
    )
    assert response.status_code == 302
    event = reader.wait_for("comment_posted")
    data = event["data"]
    assert set(data) == {"consultation_id", "comment_id", "parent_id", "root_id", "url"}
    assert data["url"] == f"/consultations/{consultation.id}/comments/{data['comment_id']}"
    assert "Cleo" not in str(event) and "Sunday" not in str(event)
    assert event["id"] == state().store.last_id(room_of(consultation))


def test_edit_and_delete_are_published(socket_for, consultation, create_user):
    author = create_user()
    comment = dialogue.post_comment(consultation, author, "First words")
    db.session.commit()
    reader = socket_for()
    assert reader.join(room_of(consultation))["ok"]
    dialogue.edit_comment(comment, author, "Better words")
    db.session.commit()
    assert reader.wait_for("comment_edited")["data"]["comment_id"] == comment.id
    dialogue.delete_comment(comment, author)
    db.session.commit()
    assert reader.wait_for("comment_deleted")["data"]["comment_id"] == comment.id


def test_announcement_and_outcome_are_published(socket_for, consultation, create_user):
    officer = create_user(role=Role.OFFICER)
    reader = socket_for()
    assert reader.join(room_of(consultation))["ok"]
    consultations.post_announcement(consultation, officer, "Road closed", "Use the side door.")
    db.session.commit()
    announced = reader.wait_for("announcement_posted")["data"]
    assert announced["announce"] == "New announcement: Road closed"
    assert announced["refresh"] == ["announcements"]
    consultations.close_consultation(consultation)
    consultations.publish_outcome(
        consultation, officer, you_said="Yes", decision="Open", reasons="Demand", next_steps="May"
    )
    db.session.commit()
    assert reader.wait_for("outcome_published")["data"]["status"] == "outcome_published"


def test_page_names_its_room_and_last_event_id(client, consultation):
    publish_now(room_of(consultation), "test_marker", {})
    html = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    last = state().store.last_id(room_of(consultation))
    assert f'data-live-room="{room_of(consultation)}" data-live-last="{last}"' in html
    assert 'id="live-announcer"' in html and 'aria-live="polite"' in html
    assert re.search(r'<script src="/static/js/live\.js[^"]*" data-socketio-src="/live/', html)


def test_reconnecting_client_catches_up_from_its_last_id(socket_for, consultation):
    room = room_of(consultation)
    first = socket_for()
    seen = first.join(room, last_id=0)
    last_seen = seen["last_id"]
    first.close()
    for n in range(3):
        publish_now(room, "test_missed", {"n": n})
    again = socket_for().join(room, last_id=last_seen)
    assert [e["data"]["n"] for e in again["events"]] == [0, 1, 2]
    assert [e["id"] for e in again["events"]] == [last_seen + 1, last_seen + 2, last_seen + 3]
    assert again["last_id"] == last_seen + 3


def test_client_too_far_behind_is_told_to_reload(socket_for, consultation):
    room = room_of(consultation)
    capacity = state().store.capacity
    for n in range(capacity + 5):
        publish_now(room, "test_flood", {"n": n})
    client = socket_for()
    assert client.join(room, last_id=1)["reload"] is True
    assert client.join(room, last_id=10)["events"][0]["id"] == 11
    assert client.join(room, last_id=10_000)["reload"] is True


def test_reaction_counts_are_coalesced_and_the_last_is_final(socket_for, consultation, create_user):
    author = create_user()
    comment = dialogue.post_comment(consultation, author, "React to me")
    db.session.commit()
    reader = socket_for()
    assert reader.join(room_of(consultation))["ok"]
    people = [create_user(role=Role.CITIZEN) for _ in range(8)]
    started = time.monotonic()
    toggles = 0
    for _ in range(5):
        for person in people:
            for kind in (ReactionKind.AGREE, ReactionKind.HELPFUL):
                dialogue.toggle_reaction(comment, person, kind)
                db.session.commit()
                toggles += 1
    elapsed = time.monotonic() - started
    db.session.refresh(comment)
    final = {kind.value: comment.count_of(kind) for kind in ReactionKind}
    # The final state arrives (within a few intervals, however loaded the machine)...
    reader.wait_for("reactions_changed", where=lambda m: m["data"]["counts"] == final)
    state().coalescer.flush()
    time.sleep(0.5)
    # ...and nothing older comes after it.
    messages = reader.of("reactions_changed")
    assert messages[-1]["data"]["counts"] == final
    assert messages[-1]["key"] == f"reactions:{comment.id}"
    # At most one message per 0.25 s, plus the first and last of the burst.
    assert len(messages) <= elapsed / 0.25 + 3 < toggles


def test_publish_checks_names_and_data(app):
    with pytest.raises(ValueError):
        publish("consultation:1", "Bad Name", {})
    with pytest.raises(ValueError):
        publish("not a room!", "thing_happened", {})
    with pytest.raises(ValueError):
        publish("consultation:1", "join", {})
    with pytest.raises(TypeError):
        publish("consultation:1", "thing_happened", ["not", "a", "dict"])  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        publish("consultation:1", "thing_happened", {"page": "x" * 20_000})
    with pytest.raises(ValueError):
        publish_coalesced("consultation:1", "", "tally_updated", {})
    db.session.rollback()


def test_socket_client_is_served_from_npm(client):
    with client.get("/live/socket.io.min.js") as response:
        if response.status_code == 404:
            pytest.skip("node_modules/socket.io-client is not installed (run `make setup`)")
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert b"io" in response.get_data()[:2000]
    assert client.get("/live/package.json").status_code == 404
    assert client.get("/live/..%2Fpackage.json").status_code == 404


def test_live_imports_no_domain_module():
    """Live knows no domain: domains register with it, never the reverse."""
    package = Path(__file__).resolve().parents[2] / "townhall" / "live"
    domains = ("consultations", "dialogue", "proposals", "moderation", "places", "api", "voting")
    for source in package.glob("*.py"):
        text = source.read_text()
        for domain in domains:
            assert f"townhall.{domain}" not in text, f"{source.name} imports {domain}"


def test_notifications_reach_only_their_persons_room(socket_for, consultation, create_user):
    officer, follower, other = (
        create_user(role=Role.OFFICER),
        create_user(),
        create_user(),
    )
    consultations.follow(follower, consultation)
    db.session.commit()
    # A signed-in socket is in its person's room from the start.
    followers_socket, others_socket = socket_for(follower), socket_for(other)
    consultations.post_announcement(consultation, officer, "Road closed", "Use the side door.")
    db.session.commit()
    told = followers_socket.wait_for("notification_added")
    assert told["room"] == f"user:{follower.id}"
    assert told["data"]["refresh"] == ["notifications"]
    publish_now(f"user:{other.id}", "test_marker", {})
    others_socket.wait_for("test_marker")
    assert "notification_added" not in others_socket.names()
