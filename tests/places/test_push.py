"""Web Push end to end, against a push service served by the test on localhost.

The fake push service does what a browser's would: it checks the VAPID signature
against the key the page subscribed with, and decrypts the payload (RFC 8291,
aes128gcm) with the device's private key using http_ece, as the receiving side.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Iterator
from datetime import timedelta

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from sqlalchemy import func, select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.conftest import free_port
from townhall.database import utcnow
from townhall.extensions import db
from townhall.places import push
from townhall.places.errors import PushInvalid
from townhall.places.models import PushMessage, PushSubscription


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class FakePushService:
    """A push service for one device: verifies VAPID, decrypts, answers `status`."""

    def __init__(self, vapid_public_key: str) -> None:
        self.device_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.vapid_public_key = vapid_public_key
        self.status = 201
        self.received: list[dict] = []
        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, self.wsgi, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def subscription(self) -> dict:
        public = self.device_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": f"http://127.0.0.1:{self.port}/push/device-1",
            "keys": {"p256dh": b64(public), "auth": b64(self.auth)},
        }

    def _check_vapid(self, header: str) -> None:
        # "vapid t=<jwt>, k=<public key>" (RFC 8292): the key must be the one the
        # browser subscribed with, and the JWT must be signed by it.
        parts = dict(p.strip().split("=", 1) for p in header[len("vapid ") :].split(","))
        assert parts["k"] == self.vapid_public_key
        head, claims, signature = parts["t"].split(".")
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(parts["k"]))
        raw = unb64(signature)
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        public.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
        assert json.loads(unb64(claims))["aud"] == f"http://127.0.0.1:{self.port}"

    def wsgi(self, environ, start_response):
        request = Request(environ)
        try:
            assert request.headers["Content-Encoding"] == "aes128gcm"
            assert int(request.headers["TTL"]) > 0
            self._check_vapid(request.headers["Authorization"])
            plain = http_ece.decrypt(
                request.get_data(),
                private_key=self.device_key,
                auth_secret=self.auth,
                version="aes128gcm",
            )
            self.received.append(json.loads(plain))
        except Exception as error:  # make a failure visible to the test
            self.received.append({"error": repr(error)})
            return Response("bad", status=400)(environ, start_response)
        return Response("", status=self.status)(environ, start_response)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)
        self.server.server_close()


@pytest.fixture
def vapid_file(app, tmp_path):
    app.config["PLACES_VAPID_KEY_FILE"] = str(tmp_path / "vapid.pem")
    return tmp_path / "vapid.pem"


@pytest.fixture
def push_service(app, vapid_file) -> Iterator[FakePushService]:
    with FakePushService(push.public_key()) as service:
        yield service


def test_vapid_keys_are_made_once_and_kept_private(app, vapid_file):
    assert not vapid_file.exists()
    first = push.public_key()
    assert vapid_file.exists() and (vapid_file.stat().st_mode & 0o777) == 0o600
    assert push.public_key() == first
    assert len(unb64(first)) == 65


def test_subscribe_then_receive_an_encrypted_push(client, sign_in, create_user, push_service, app):
    person = create_user()
    sign_in(person)
    token = _token(client)
    response = client.post(
        "/places/push/subscribe",
        json={"subscription": push_service.subscription, "device": "Test phone"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert client.get("/places/push/key").get_json()["key"] == push.public_key()
    assert push.queue(
        [person.id], {"title": "Townhall", "body": "Bins: have your say", "url": "/c/1"}
    )
    db.session.commit()
    assert push.deliver_due() == {"sent": 1, "retried": 0, "dropped": 0, "gone": 0}
    db.session.commit()
    assert push_service.received == [
        {"title": "Townhall", "body": "Bins: have your say", "url": "/c/1"}
    ]
    assert db.session.scalar(select(PushSubscription.last_success_at)) is not None


def test_failures_are_retried_with_back_off_then_dropped(create_user, push_service):
    person = create_user()
    push.subscribe(person, push_service.subscription)
    push_service.status = 503
    push.queue([person.id], {"body": "hello"})
    db.session.commit()
    now = utcnow()
    waits = []
    for attempt in range(push.MAX_ATTEMPTS):
        counts = push.deliver_due(now)
        db.session.commit()
        message = db.session.scalar(select(PushMessage))
        if message is None:
            assert counts["dropped"] == 1 and attempt == push.MAX_ATTEMPTS - 1
            break
        assert counts["retried"] == 1
        waits.append(message.next_attempt_at - now)
        assert push.deliver_due(now) == {"sent": 0, "retried": 0, "dropped": 0, "gone": 0}
        now = message.next_attempt_at
    assert waits == [push.FIRST_RETRY * 2**n for n in range(push.MAX_ATTEMPTS - 1)]
    assert len(push_service.received) == push.MAX_ATTEMPTS
    # The subscription itself stays: only a 404 or 410 says it is gone.
    assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 1


def test_a_retry_that_succeeds_delivers(create_user, push_service):
    person = create_user()
    push.subscribe(person, push_service.subscription)
    push_service.status = 500
    push.queue([person.id], {"body": "second time lucky"})
    db.session.commit()
    assert push.deliver_due()["retried"] == 1
    push_service.status = 201
    assert push.deliver_due(utcnow() + timedelta(minutes=1))["sent"] == 1


@pytest.mark.parametrize("status", [404, 410])
def test_a_gone_subscription_is_removed(create_user, push_service, status):
    person = create_user()
    push.subscribe(person, push_service.subscription)
    push_service.status = status
    push.queue([person.id], {"body": "anyone there?"})
    push.queue([person.id], {"body": "hello?"})
    db.session.commit()
    assert push.deliver_due()["gone"] == 1
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 0
    assert db.session.scalar(select(func.count()).select_from(PushMessage)) == 0


def _good_keys():
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    raw = key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {"p256dh": b64(raw), "auth": b64(os.urandom(16))}


@pytest.mark.parametrize(
    "subscription",
    [
        None,
        "https://push.example/x",
        {"endpoint": "https://push.example/x"},
        {"endpoint": "ftp://push.example/x", "keys": "good"},
        {"endpoint": "http://push.example/x", "keys": "good"},
        {"endpoint": "https:///nohost", "keys": "good"},
        {"endpoint": "https://push.example/" + "x" * 1000, "keys": "good"},
        {"endpoint": "https://push.example/x", "keys": {"p256dh": "abc", "auth": "def"}},
        {"endpoint": "https://push.example/x", "keys": {"p256dh": "!!!", "auth": "def"}},
    ],
)
def test_bad_subscriptions_are_400(client, sign_in, create_user, subscription):
    if isinstance(subscription, dict) and subscription.get("keys") == "good":
        subscription = {**subscription, "keys": _good_keys()}
    sign_in(create_user())
    response = client.post(
        "/places/push/subscribe",
        json={"subscription": subscription},
        headers={"X-CSRFToken": _token(client)},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]


def test_subscribing_needs_the_csrf_token(client, sign_in, create_user):
    sign_in(create_user())
    response = client.post(
        "/places/push/subscribe",
        json={"subscription": {"endpoint": "https://push.example/x", "keys": _good_keys()}},
    )
    assert response.status_code == 400


def test_subscribing_again_refreshes_and_unsubscribe_forgets(create_user):
    person = create_user()
    data = {"endpoint": "https://push.example/x", "keys": _good_keys()}
    first = push.subscribe(person, data, "Phone")
    again = push.subscribe(person, {**data, "keys": _good_keys()}, "Phone")
    assert first.id == again.id
    assert push.unsubscribe(person, data["endpoint"])
    with pytest.raises(PushInvalid):
        push.subscribe(person, {"endpoint": "http://10.0.0.1/x", "keys": _good_keys()})


def _token(client) -> str:
    import re

    html = client.get("/places/areas").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
