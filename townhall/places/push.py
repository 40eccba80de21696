"""Web Push: the council's VAPID keys, devices' subscriptions, and delivery with back-off.

pywebpush encrypts each payload for its device (RFC 8291, aes128gcm) and signs the
request with our VAPID key (RFC 8292, made by py-vapid on first run and kept under
instance/). A push service answering 404 or 410 says the subscription is gone: it
is removed. Other failures are retried with exponential back-off, then dropped.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import logging
import os
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from sqlalchemy import delete, select

from townhall.accounts.models import User
from townhall.database import on_commit, utcnow
from townhall.extensions import db
from townhall.places.errors import PushInvalid
from townhall.places.models import ENDPOINT_MAX, LABEL_MAX, PushMessage, PushSubscription

log = logging.getLogger(__name__)

VAPID_FILE = "vapid_private.pem"
MAX_ATTEMPTS = 6
FIRST_RETRY = timedelta(seconds=30)
PUSH_TTL_SECONDS = 24 * 3600
MAX_DEVICES = 10
_key_lock = threading.Lock()


# --- keys -------------------------------------------------------------------------------


def _vapid_path(app: Flask) -> Path:
    return Path(app.config.get("PLACES_VAPID_KEY_FILE") or Path(app.instance_path) / VAPID_FILE)


def vapid(app: Flask | None = None):
    """The council's VAPID key pair, made once and kept (readable only by us) under instance/."""
    from py_vapid import Vapid

    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    path = _vapid_path(app)
    with _key_lock:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            key = Vapid()
            key.generate_keys()
            # Write to a private temporary file, then rename: two processes starting
            # together never read a half-written key.
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            key.save_key(str(temporary))
            os.chmod(temporary, 0o600)
            if not path.exists():
                os.replace(temporary, path)
            else:
                temporary.unlink()
        return Vapid.from_file(str(path))


def public_key(app: Flask | None = None) -> str:
    """The application server key browsers subscribe with (uncompressed point, base64url)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = vapid(app).public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# --- subscriptions ----------------------------------------------------------------------


def _b64(value: Any, length: int, name: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 200:
        raise PushInvalid(f"The subscription's {name} key is missing.")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise PushInvalid(f"The subscription's {name} key is not valid.") from None
    if len(raw) != length or (name == "p256dh" and raw[0] != 4):
        raise PushInvalid(f"The subscription's {name} key is not valid.")
    return value


def _check_endpoint(endpoint: Any) -> str:
    """A push service URL: HTTPS (plain HTTP only to this machine, for tests and development)."""
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > ENDPOINT_MAX:
        raise PushInvalid("The subscription has no usable endpoint.")
    parts = urlsplit(endpoint)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise PushInvalid("The subscription's endpoint must be an https:// address.")
    if parts.scheme == "http":
        try:
            loopback = ipaddress.ip_address(parts.hostname).is_loopback
        except ValueError:
            loopback = parts.hostname == "localhost"
        if not (loopback and current_app.config.get("PLACES_PUSH_ALLOW_LOOPBACK")):
            raise PushInvalid("The subscription's endpoint must be an https:// address.")
    return endpoint


def subscribe(user: User, data: Any, device: str = "") -> PushSubscription:
    """Store (or refresh) a device's subscription, as the browser's PushManager gave it."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        raise PushInvalid("That is not a push subscription.")
    endpoint = _check_endpoint(data.get("endpoint"))
    p256dh = _b64(data["keys"].get("p256dh"), 65, "p256dh")
    auth = _b64(data["keys"].get("auth"), 16, "auth")
    existing = db.session.scalar(
        select(PushSubscription).where(PushSubscription.endpoint == endpoint)
    )
    if existing is None:
        count = len(
            db.session.scalars(
                select(PushSubscription.id).where(PushSubscription.user_id == user.id)
            ).all()
        )
        if count >= MAX_DEVICES:
            raise PushInvalid(f"Push can be on for up to {MAX_DEVICES} devices; turn one off.")
        existing = PushSubscription(endpoint=endpoint)
        db.session.add(existing)
    # A browser that signs in as someone else takes its endpoint with it.
    existing.user_id = user.id
    existing.p256dh, existing.auth = p256dh, auth
    existing.device = " ".join(str(device).split())[:LABEL_MAX]
    db.session.flush()
    return existing


def unsubscribe(user: User, endpoint: str) -> bool:
    """Forget one of the person's devices; say whether it was there."""
    result = db.session.execute(
        delete(PushSubscription).where(
            PushSubscription.user_id == user.id, PushSubscription.endpoint == endpoint
        )
    )
    return bool(result.rowcount)


def devices_of(user: User) -> list[PushSubscription]:
    """The person's devices with push turned on."""
    return list(
        db.session.scalars(
            select(PushSubscription)
            .where(PushSubscription.user_id == user.id)
            .order_by(PushSubscription.id)
        )
    )


# --- delivery ---------------------------------------------------------------------------


def queue(user_ids: list[int], payload: dict[str, Any]) -> int:
    """Queue a push to every device of these people; delivered after commit. Return how many."""
    if not user_ids:
        return 0
    subscription_ids = db.session.scalars(
        select(PushSubscription.id).where(PushSubscription.user_id.in_(user_ids))
    ).all()
    body = json.dumps(payload)
    now = utcnow()
    for sid in subscription_ids:
        db.session.add(PushMessage(subscription_id=sid, payload=body, next_attempt_at=now))
    if subscription_ids and current_app.config.get(
        "PLACES_PUSH_IN_BACKGROUND", not current_app.testing
    ):
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        on_commit(db.session(), lambda: _deliver_in_background(app))
    return len(subscription_ids)


def _deliver_in_background(app: Flask) -> None:
    def run() -> None:
        with app.app_context():
            try:
                deliver_due()
                db.session.commit()
            except Exception:
                log.exception("push delivery failed")
                db.session.rollback()

    threading.Thread(target=run, name="townhall-push", daemon=True).start()


def _send(subscription: PushSubscription, payload: str) -> int:
    """Send one encrypted push; return the push service's HTTP status (0: no answer)."""
    from pywebpush import WebPushException, webpush

    claims = {"sub": current_app.config.get("PLACES_VAPID_SUBJECT", "mailto:webmaster@localhost")}
    try:
        response = webpush(
            {
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=payload,
            vapid_private_key=vapid(),
            vapid_claims=claims,
            ttl=PUSH_TTL_SECONDS,
            timeout=10,
        )
    except WebPushException as error:
        return error.response.status_code if error.response is not None else 0
    except Exception as error:  # connection refused, timeout, DNS: retry later
        log.info("push to %s failed: %s", subscription.endpoint[:60], error)
        return 0
    return response.status_code


def deliver_due(now: datetime | None = None) -> dict[str, int]:
    """Try every push whose time has come; return counts of sent, retried, dropped, gone."""
    now = now or utcnow()
    counts = {"sent": 0, "retried": 0, "dropped": 0, "gone": 0}
    due = db.session.scalars(
        select(PushMessage)
        .where(PushMessage.next_attempt_at <= now)
        .order_by(PushMessage.id)
        .limit(500)
    ).all()
    gone: set[int] = set()
    for message in due:
        if message.subscription_id in gone:
            continue
        subscription = message.subscription
        status = _send(subscription, message.payload)
        if 200 <= status < 300:
            subscription.last_success_at = now
            db.session.delete(message)
            counts["sent"] += 1
        elif status in (404, 410):
            gone.add(subscription.id)
            counts["gone"] += 1
        else:
            message.attempts += 1
            message.last_error = f"HTTP {status}" if status else "no answer"
            if message.attempts >= MAX_ATTEMPTS:
                db.session.delete(message)
                counts["dropped"] += 1
            else:
                message.next_attempt_at = now + FIRST_RETRY * 2 ** (message.attempts - 1)
                counts["retried"] += 1
    if gone:
        db.session.execute(delete(PushMessage).where(PushMessage.subscription_id.in_(gone)))
        db.session.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone)))
    db.session.flush()
    return counts
