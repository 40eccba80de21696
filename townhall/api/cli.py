"""`flask --app wsgi api ...`: send due webhook deliveries."""

from __future__ import annotations

import click
from flask.cli import AppGroup

api_cli = AppGroup("api", help="The public API: webhooks.")


@api_cli.command("deliver-webhooks")
def deliver_webhooks() -> None:
    """Send webhook deliveries that are due (run every minute, beside `townhall tick`)."""
    from townhall.api.webhooks import deliver_due

    tried = deliver_due()
    click.echo(f"Tried {tried} webhook deliveries.")
