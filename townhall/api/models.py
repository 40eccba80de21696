"""Tables of the API: personal tokens, webhook endpoints and their delivery log.

Tokens are stored as a SHA-256 hash of the secret (the secret is random and long,
so a fast hash is enough: there is nothing to brute-force); the person sees the
secret once, when it is made. Webhook deliveries are written in the same
transaction as the change they report (an outbox), so a rolled-back change never
sends an event and a committed one is never lost.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from townhall.accounts.models import User
from townhall.database import utcnow
from townhall.extensions import db

TOKEN_NAME_MAX = 80
TOKEN_PREFIX_LENGTH = 12
URL_MAX = 500

# The events an endpoint can be sent, and what each means.
EVENTS = {
    "consultation.opened": "A consultation opened for contributions.",
    "consultation.closed": "A consultation closed.",
    "vote.closed": "A vote closed and its result was counted.",
    "outcome.published": "An outcome was published (or corrected).",
    "post.moderated": "A moderator decided on a post (approved, redacted or rejected it).",
}


class ApiToken(db.Model):
    """A personal API token: acts as its owner, within its scopes, until revoked."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(TOKEN_NAME_MAX))
    # The first characters of the secret, shown in lists so people can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(TOKEN_PREFIX_LENGTH))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Space-separated scopes: "read", "write", "officer".
    scopes: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def scope_set(self) -> frozenset[str]:
        """The token's scopes as a set."""
        return frozenset(self.scopes.split())

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class WebhookEndpoint(db.Model):
    """An address an admin registered to be sent events, with its signing secret."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(URL_MAX))
    # Space-separated event names (see townhall.api.webhooks.EVENTS).
    events: Mapped[str] = mapped_column(String(300))
    # Kept as given: the receiver needs the same secret to check the signature.
    secret: Mapped[str] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None]

    @property
    def event_set(self) -> frozenset[str]:
        """The events this endpoint is sent."""
        return frozenset(self.events.split())


class WebhookDelivery(db.Model):
    """One event to send to one endpoint: its body, attempts and the last response."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_pending", "delivered_at", "next_attempt_at"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), index=True
    )
    event: Mapped[str] = mapped_column(String(40))
    # Exactly the bytes sent (and signed), so a retry sends the same body.
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    response_status: Mapped[int | None]
    # The start of the receiver's answer, or why there was none (refused, timed out).
    response_body: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]
    # Set when it will not be tried again (retries used up).
    failed_at: Mapped[datetime | None]

    endpoint: Mapped[WebhookEndpoint] = relationship()
