"""Webhooks: registered by admins, recorded with the change, signed, retried, logged."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from tests.api.conftest import assert_problem
from townhall.accounts.permissions import Role
from townhall.api.models import WebhookDelivery
from townhall.api.webhooks import (
    BACKOFF,
    MAX_ATTEMPTS,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    deliver_due,
    verify,
)
from townhall.consultations import service
from townhall.database import utcnow
from townhall.extensions import db


class Receiver:
    """A webhook receiver on 127.0.0.1 that records what it is sent."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.answers: list[int] = []  # statuses to answer with, in turn; then 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                body = self.rfile.read(length).decode()
                receiver.received.append({"headers": dict(self.headers), "body": body})
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"thanks" if status == 200 else b"try later")

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def events(self) -> list[str]:
        return [json.loads(r["body"])["event"] for r in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()
    r.thread.join(timeout=5)


@pytest.fixture
def admin_api(api_as, create_user):
    return api_as(create_user(role=Role.ADMIN), "read", "officer")


def _register(admin_api, url: str, *events: str) -> dict[str, Any]:
    response = admin_api.post("/webhooks", {"url": url, "events": list(events)})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_round_trip_verified_by_signature(
    admin_api, receiver, client, sign_in, post_form, create_consultation, officer
):
    hook = _register(admin_api, receiver.url, "consultation.closed", "outcome.published")
    assert hook["secret"].startswith("whsec_")
    consultation = create_consultation(status="open", author=officer)
    # Closed through the page, as an officer would.
    sign_in(officer)
    page = post_form(
        f"/consultations/{consultation.id}/transition",
        {"action": "close", "confirm": "yes"},
        token_page=f"/consultations/{consultation.id}",
    )
    assert page.status_code == 303
    assert deliver_due() == 1
    [delivery] = receiver.received
    headers, body = delivery["headers"], delivery["body"]
    assert verify(hook["secret"], headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
    assert not verify("whsec_wrong", headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
    assert not verify(
        hook["secret"], headers[TIMESTAMP_HEADER], body + " ", headers[SIGNATURE_HEADER]
    )
    event = json.loads(body)
    assert event["event"] == "consultation.closed"
    assert event["data"]["consultation"]["id"] == consultation.id
    log = admin_api.get(f"/webhooks/{hook['id']}/deliveries").get_json()["items"]
    assert log[0]["response_status"] == 200 and log[0]["response_body"] == "thanks"
    assert log[0]["delivered_at"] is not None


def test_only_subscribed_events_and_only_committed_changes(
    admin_api, receiver, create_consultation, officer
):
    _register(admin_api, receiver.url, "outcome.published")
    consultation = create_consultation(status="open", author=officer)
    service.close_consultation(consultation)
    db.session.commit()
    assert deliver_due() == 0  # not subscribed to closing
    service.publish_outcome(
        consultation, officer, you_said="a", decision="b", reasons="c", next_steps="d"
    )
    db.session.rollback()  # changed their mind: no event
    assert deliver_due() == 0
    service.publish_outcome(
        consultation, officer, you_said="a", decision="Do it", reasons="c", next_steps="d"
    )
    db.session.commit()
    assert deliver_due() == 1
    assert receiver.events() == ["outcome.published"]
    assert json.loads(receiver.received[0]["body"])["data"]["outcome"]["decision"] == "Do it"


def test_failures_are_retried_with_back_off_then_given_up(
    admin_api, receiver, create_consultation, officer
):
    _register(admin_api, receiver.url, "consultation.opened")
    receiver.answers = [500, 503]
    create_consultation(status="open", author=officer)
    now = utcnow()
    assert deliver_due(now) == 1
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert delivery.attempts == 1 and delivery.response_status == 500
    assert delivery.next_attempt_at == now + BACKOFF[0]
    assert deliver_due(now) == 0  # not due yet
    assert deliver_due(now + BACKOFF[0]) == 1
    db.session.refresh(delivery)
    assert delivery.attempts == 2 and delivery.next_attempt_at == now + BACKOFF[0] + BACKOFF[1]
    assert deliver_due(now + BACKOFF[0] + BACKOFF[1]) == 1
    db.session.refresh(delivery)
    assert delivery.delivered_at is not None and delivery.attempts == 3
    assert len(receiver.received) == 3
    # Every attempt carries its own fresh timestamp and a valid signature.
    assert len({r["headers"][TIMESTAMP_HEADER] for r in receiver.received}) >= 1


def test_an_unreachable_endpoint_is_given_up_after_the_last_retry(
    admin_api, create_consultation, officer
):
    _register(admin_api, "http://127.0.0.1:9/nothing-listens", "consultation.opened")
    create_consultation(status="open", author=officer)
    when = utcnow()
    for attempt in range(MAX_ATTEMPTS):
        assert deliver_due(when) == 1
        delivery = db.session.scalars(select(WebhookDelivery)).one()
        db.session.refresh(delivery)
        if attempt < MAX_ATTEMPTS - 1:
            when = delivery.next_attempt_at
    assert delivery.failed_at is not None and delivery.response_status is None
    assert delivery.response_body.startswith("Not delivered")
    assert deliver_due(when + timedelta(days=1)) == 0


def test_vote_closed_event(admin_api, receiver, api_as, officer, create_consultation):
    _register(admin_api, receiver.url, "vote.closed")
    consultation = create_consultation(status="open", author=officer, uses_voting=True)
    boss = api_as(officer, "officer", "read")
    now = utcnow()
    vote = boss.post(
        f"/consultations/{consultation.id}/votes",
        {
            "title": "Yes or no?",
            "method": "majority",
            "opens_at": (now - timedelta(minutes=1)).isoformat(),
            "closes_at": (now + timedelta(days=1)).isoformat(),
        },
    ).get_json()
    boss.post(f"/votes/{vote['id']}/close")
    deliver_due()
    assert receiver.events() == ["vote.closed"]


def test_only_admins_manage_webhooks(api_as, officer, admin_api, receiver):
    body = {"url": receiver.url, "events": ["vote.closed"]}
    assert_problem(api_as(officer, "officer").post("/webhooks", body), 403, "admins")
    assert_problem(admin_api.post("/webhooks", {"url": "ftp://x", "events": ["vote.closed"]}), 422)
    assert_problem(admin_api.post("/webhooks", {"url": receiver.url, "events": ["nope"]}), 422)
    hook = _register(admin_api, receiver.url, "vote.closed")
    assert [h["id"] for h in admin_api.get("/webhooks").get_json()["items"]] == [hook["id"]]
    assert admin_api.delete(f"/webhooks/{hook['id']}").get_json()["disabled"] is True
    assert_problem(admin_api.delete("/webhooks/999999"), 404)
    assert_problem(admin_api.get("/webhooks/999999/deliveries"), 404)


def test_background_delivery_after_commit(app, admin_api, receiver, create_consultation, officer):
    """In production the commit itself starts the sending, in a thread."""
    _register(admin_api, receiver.url, "consultation.opened")
    app.config["TOWNHALL_WEBHOOKS_IN_BACKGROUND"] = True
    create_consultation(status="open", author=officer)
    for _ in range(100):
        if receiver.received:
            break
        threading.Event().wait(0.05)
    assert receiver.events() == ["consultation.opened"]
    from townhall.api.webhooks import _delivering

    with _delivering:  # the thread has finished its work
        pass


def test_command_sends_what_is_due(runner, admin_api, receiver, create_consultation, officer):
    _register(admin_api, receiver.url, "consultation.opened")
    create_consultation(status="open", author=officer)
    result = runner.invoke(args=["api", "deliver-webhooks"])
    assert result.exit_code == 0 and "Tried 1" in result.output
    assert receiver.events() == ["consultation.opened"]
