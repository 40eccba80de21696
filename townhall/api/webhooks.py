"""Webhooks: events recorded with the change that caused them, then signed and sent.

Events are found by watching the database session rather than by the domains
calling the API (the API is the top floor: nothing below imports it). Just before
each flush, `_record_events` looks at what changed: a consultation whose status
became open or closed, a vote whose result was frozen, an outcome written. For each
endpoint that wants the event it adds a `WebhookDelivery` row to the same flush,
so the delivery commits or rolls back with the change itself, whether it came
through the pages, the API or the `tick` command.

The events are noted before each flush and written as deliveries just before the
commit, so a change flushed in several steps is one event, told as committed.
After the commit, delivery runs in a background thread (and `flask --app wsgi api
deliver-webhooks`, run every minute beside `tick`, sends what is due). Each POST
carries `X-Townhall-Timestamp` and `X-Townhall-Signature: sha256=<hex>`, the
HMAC-SHA256, keyed with the endpoint's secret, of `<timestamp>.<body>`. A receiver
recomputes it, compares in constant time and refuses old timestamps. Failures are
retried with growing gaps; every attempt's response is logged on the delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from townhall.api.models import EVENTS, WebhookDelivery, WebhookEndpoint
from townhall.consultations.models import Consultation, Outcome, Status
from townhall.database import on_commit, utcnow
from townhall.extensions import db
from townhall.moderation.models import ModerationCase
from townhall.proposals.models import Vote

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Townhall-Signature"
TIMESTAMP_HEADER = "X-Townhall-Timestamp"
EVENT_HEADER = "X-Townhall-Event"
DELIVERY_HEADER = "X-Townhall-Delivery"
# Gaps before each retry: 30 s, 2 min, 8 min, 32 min, about 2 h; then it is given up.
BACKOFF = tuple(timedelta(seconds=30 * 4**n) for n in range(5))
MAX_ATTEMPTS = len(BACKOFF) + 1
TIMEOUT_SECONDS = 5
RESPONSE_KEPT = 2000


class WebhookError(Exception):
    """An endpoint cannot be registered as asked; the message says why."""


# --- registering endpoints -------------------------------------------------------


def register_endpoint(by: Any, url: str, events: list[str]) -> tuple[WebhookEndpoint, str]:
    """Register `url` for `events`; return the endpoint and its signing secret."""
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise WebhookError(f"Unknown events: {', '.join(unknown)}.")
    if not url.startswith(("http://", "https://")):
        raise WebhookError("The address must start with http:// or https://.")
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(
        url=url, events=" ".join(sorted(set(events))), secret=secret, created_by_id=by.id
    )
    db.session.add(endpoint)
    db.session.flush()
    return endpoint, secret


def disable_endpoint(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Stop sending events to an endpoint (its delivery log is kept)."""
    endpoint.disabled_at = endpoint.disabled_at or utcnow()
    return endpoint


def deliveries_of(endpoint: WebhookEndpoint, limit: int = 100) -> list[WebhookDelivery]:
    """The endpoint's latest deliveries, newest first."""
    return list(
        db.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


# --- recording events ------------------------------------------------------------


def _consultation_data(c: Consultation) -> dict[str, Any]:
    return {
        "consultation": {
            "id": c.id,
            "title": c.title,
            "status": c.status.value,
            "audience": c.audience.value,
        }
    }


def _changed_to(obj: Any, attribute: str) -> list[Any]:
    history = inspect(obj).attrs[attribute].history
    return list(history.added) if history.has_changes() else []


# An event seen in this transaction: (name, model, id) -> extra facts from first sight.
EventKey = tuple[str, type, int]
PENDING = "webhook_events"


def _events_in(session: Session) -> dict[EventKey, dict[str, Any]]:
    """The webhook events the pending changes in `session` amount to."""
    found: dict[EventKey, dict[str, Any]] = {}
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Consultation) and obj.id is not None:
            for status in _changed_to(obj, "status"):
                if status is Status.OPEN:
                    found[("consultation.opened", Consultation, obj.id)] = {}
                elif status is Status.CLOSED:
                    found[("consultation.closed", Consultation, obj.id)] = {}
        elif isinstance(obj, Vote) and obj.id is not None:
            if any(v is not None for v in _changed_to(obj, "closed_at")):
                found[("vote.closed", Vote, obj.id)] = {}
        elif isinstance(obj, ModerationCase) and obj.id is not None:
            if any(v is not None for v in _changed_to(obj, "decided_at")):
                found[("post.moderated", ModerationCase, obj.id)] = {}
        elif isinstance(obj, Outcome) and (obj in session.new or session.is_modified(obj)):
            found[("outcome.published", Consultation, obj.consultation_id)] = {
                "corrected": obj not in session.new
            }
    return found


@event.listens_for(Session, "before_flush")
def _note_events(session: Session, _context: Any, _instances: Any) -> None:
    """Note what happened; one transaction may flush the same change in several steps."""
    found = _events_in(session)
    if found:
        pending = session.info.setdefault(PENDING, {})
        for key, facts in found.items():
            pending.setdefault(key, facts)  # the first sight says whether it was new


def _payload(session: Session, key: EventKey, facts: dict[str, Any]) -> dict[str, Any] | None:
    """What the event says, from the objects as they are committed."""
    name, model, object_id = key
    obj = session.get(model, object_id)
    if obj is None:
        return None
    if isinstance(obj, Vote):
        return {
            "vote": {
                "id": obj.id,
                "consultation_id": obj.consultation_id,
                "title": obj.title,
                "method": obj.method.value,
            }
        }
    if isinstance(obj, ModerationCase):
        # Which post and what was decided; never the words, the author or the moderator.
        return {
            "post": {"kind": obj.kind, "id": obj.content_id},
            "consultation_id": obj.consultation_id,
            "state": obj.state.value,
            "clause": obj.decision_clause,
        }
    data = _consultation_data(obj)
    if name == "outcome.published":
        outcome = session.scalar(select(Outcome).where(Outcome.consultation_id == obj.id))
        if outcome is None:
            return None
        data["outcome"] = {"decision": outcome.decision, "corrected": facts["corrected"]}
    return data


@event.listens_for(Session, "before_commit")
def _record_events(session: Session) -> None:
    """Write a delivery per event and interested endpoint, inside the committing transaction."""
    session.flush()  # the commit's own flush comes after this hook: note its changes too
    pending: dict[EventKey, dict[str, Any]] = session.info.pop(PENDING, {})
    if not pending:
        return
    endpoints = session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.disabled_at.is_(None))
    ).all()
    wanted = [
        (key, facts)
        for key, facts in pending.items()
        if any(key[0] in e.event_set for e in endpoints)
    ]
    added = 0
    now = utcnow()
    for key, facts in wanted:
        data = _payload(session, key, facts)
        if data is None:
            continue
        body = json.dumps(
            {"id": uuid.uuid4().hex, "event": key[0], "occurred_at": now.isoformat(), "data": data},
            separators=(",", ":"),
            ensure_ascii=False,
        )
        for endpoint in endpoints:
            if key[0] in endpoint.event_set:
                delivery = WebhookDelivery(
                    endpoint_id=endpoint.id, event=key[0], body=body, created_at=now
                )
                delivery.next_attempt_at = now
                session.add(delivery)
                added += 1
    if not added:
        return
    session.flush()
    in_background = has_app_context() and current_app.config.get(
        "TOWNHALL_WEBHOOKS_IN_BACKGROUND", True
    )
    if in_background:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        on_commit(session, lambda: _deliver_in_background(app))


@event.listens_for(Session, "after_rollback")
def _forget_events(session: Session) -> None:
    session.info.pop(PENDING, None)


# --- signing and sending -------------------------------------------------------------


def sign(secret: str, timestamp: str, body: str) -> str:
    """The signature header's value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: str, signature: str, *, tolerance: int = 300) -> bool:
    """Check a delivery as a receiver would: right signature, recent timestamp."""
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> tuple[int | None, str]:
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        endpoint.url,
        data=delivery.body.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Townhall-Webhooks/1",
            EVENT_HEADER: delivery.event,
            DELIVERY_HEADER: str(delivery.id),
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(endpoint.secret, timestamp, delivery.body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, response.read(RESPONSE_KEPT).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read(RESPONSE_KEPT).decode("utf-8", "replace")
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return None, f"Not delivered: {reason}"


def attempt(delivery: WebhookDelivery, now: datetime | None = None) -> bool:
    """Send one delivery once; log the response; schedule a retry or give up."""
    endpoint = delivery.endpoint
    status, text = _post(endpoint, delivery)
    now = now or utcnow()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_status = status
    delivery.response_body = text[:RESPONSE_KEPT]
    if status is not None and 200 <= status < 300:
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        return True
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.failed_at = now
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
    return False


def deliver_due(now: datetime | None = None, limit: int = 100) -> int:
    """Send the deliveries that are due, committing after each; return how many were tried."""
    now = now or utcnow()
    tried = 0
    while tried < limit:
        delivery = db.session.scalars(
            select(WebhookDelivery)
            .where(
                WebhookDelivery.delivered_at.is_(None),
                WebhookDelivery.failed_at.is_(None),
                WebhookDelivery.next_attempt_at <= now,
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if delivery is None:
            break
        if delivery.endpoint.disabled_at is not None:
            delivery.failed_at = now
            delivery.next_attempt_at = None
            delivery.response_body = "Not delivered: the endpoint was disabled."
        else:
            attempt(delivery, now)
        db.session.commit()
        tried += 1
    return tried


_delivering = threading.Lock()


def _deliver_in_background(app: Flask) -> None:
    def run() -> None:
        if not _delivering.acquire(blocking=False):
            return  # one sender per process at a time; it picks up this event too
        try:
            with app.app_context():
                try:
                    deliver_due()
                except Exception:
                    log.exception("sending webhooks failed; the command will retry")
                finally:
                    db.session.remove()
        finally:
            _delivering.release()

    threading.Thread(target=run, name="townhall-webhooks", daemon=True).start()
