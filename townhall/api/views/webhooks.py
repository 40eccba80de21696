"""Webhook endpoints and their delivery logs (admins)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from townhall.accounts.permissions import Permission, has_permission
from townhall.api import webhooks
from townhall.api.core import acting_user, api_blueprint, needs
from townhall.api.loaders import get_by_id
from townhall.api.models import WebhookEndpoint
from townhall.api.problems import ApiProblem
from townhall.api.schemas import (
    DeliveryListSchema,
    WebhookCreatedSchema,
    WebhookInputSchema,
    WebhookListSchema,
    WebhookSchema,
)
from townhall.api.tokens import Scope
from townhall.extensions import db

blp = api_blueprint("webhooks", "Webhook endpoints and their delivery logs (admins).")


def _require_admin() -> Any:
    """The acting admin; webhooks carry council-wide events, so only admins manage them."""
    user = acting_user()
    if not has_permission(user, Permission.MANAGE_USERS):
        raise ApiProblem(403, "Only admins can manage webhooks.")
    return user


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    return get_by_id(WebhookEndpoint, endpoint_id, "webhook endpoint")


def _show(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": sorted(endpoint.event_set),
        "created_at": endpoint.created_at,
        "disabled": endpoint.disabled_at is not None,
    }


@blp.route("/webhooks")
@needs(Scope.OFFICER)
@blp.response(200, WebhookListSchema)
def list_webhooks():
    """List the registered webhook endpoints (admins)."""
    _require_admin()
    endpoints = db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id))
    return {"items": [_show(e) for e in endpoints]}


@blp.route("/webhooks", methods=["POST"])
@needs(Scope.OFFICER)
@blp.arguments(WebhookInputSchema)
@blp.response(201, WebhookCreatedSchema)
def create_webhook(data: dict[str, Any]):
    """Register an endpoint for events; the signing secret is shown this once (admins)."""
    user = _require_admin()
    try:
        endpoint, secret = webhooks.register_endpoint(user, data["url"], data["events"])
    except webhooks.WebhookError as error:
        raise ApiProblem(422, str(error)) from None
    db.session.commit()
    return {**_show(endpoint), "secret": secret}, 201


@blp.route("/webhooks/<int:endpoint_id>", methods=["DELETE"])
@needs(Scope.OFFICER)
@blp.response(200, WebhookSchema)
def disable_webhook(endpoint_id: int):
    """Stop sending events to an endpoint; its log is kept (admins)."""
    _require_admin()
    endpoint = webhooks.disable_endpoint(_endpoint(endpoint_id))
    db.session.commit()
    return _show(endpoint)


@blp.route("/webhooks/<int:endpoint_id>/deliveries")
@needs(Scope.OFFICER)
@blp.response(200, DeliveryListSchema)
def list_deliveries(endpoint_id: int):
    """The endpoint's latest deliveries with their responses (admins)."""
    _require_admin()
    endpoint = _endpoint(endpoint_id)
    return {
        "items": [
            {
                "id": d.id,
                "event": d.event,
                "created_at": d.created_at,
                "attempts": d.attempts,
                "next_attempt_at": d.next_attempt_at,
                "last_attempt_at": d.last_attempt_at,
                "response_status": d.response_status,
                "response_body": d.response_body,
                "delivered_at": d.delivered_at,
                "failed_at": d.failed_at,
            }
            for d in webhooks.deliveries_of(endpoint)
        ]
    }
