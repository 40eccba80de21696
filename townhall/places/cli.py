"""`flask townhall places ...`: retention, digests and push delivery, for cron."""

from __future__ import annotations

import click

from townhall.extensions import db
from townhall.wording import ngettext


@click.group("places")
def places_cli() -> None:
    """Places: retention, digests, Web Push."""


@places_cli.command("purge")
@click.option("--days", type=int, default=None, help="Keep this many days (default: setting).")
def purge(days: int | None) -> None:
    """Reduce check-ins older than the retention period to daily counts."""
    from townhall.places.service import purge_check_ins

    count = purge_check_ins(days=days)
    db.session.commit()
    click.echo(f"Reduced {count} check-ins to daily counts.")


@places_cli.command("send")
def send() -> None:
    """Send due digests, alerts held by quiet hours, and pushes waiting for a retry."""
    from townhall.places import alerts, push

    emails, held = alerts.send_due()
    db.session.commit()
    counts = push.deliver_due()
    db.session.commit()
    click.echo(
        ngettext("Sent %(num)d digest", "Sent %(num)d digests", emails)
        + ngettext(", released %(num)d held push", ", released %(num)d held pushes", held)
        + "; pushes: "
        + ", ".join(f"{v} {k}" for k, v in counts.items())
        + "."
    )


@places_cli.command("tick")
def tick() -> None:
    """Everything above, in one command to run every few minutes."""
    from townhall.places import alerts, push
    from townhall.places.service import purge_check_ins

    purged = purge_check_ins()
    emails, _ = alerts.send_due()
    db.session.commit()
    counts = push.deliver_due()
    db.session.commit()
    click.echo(
        ngettext("Purged %(num)d check-in", "Purged %(num)d check-ins", purged)
        + ngettext(", sent %(num)d digest", ", sent %(num)d digests", emails)
        + f", pushed {counts['sent']}."
    )
