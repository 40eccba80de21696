"""`flask townhall audit ...`: check the moderation audit log's hash chain.

The group is added to `townhall.cli`'s `townhall` group there (cli is the top floor
and may import moderation; moderation never imports cli).
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from townhall.moderation import audit

audit_cli = AppGroup("audit", help="The moderation audit log.")


@audit_cli.command("verify")
@click.option("--head", default=None, help="A head hash published earlier, to check it is kept.")
def verify(head: str | None) -> None:
    """Check the audit log's hash chain; report the first entry changed, removed or moved."""
    result = audit.verify(head=head)
    if result.problem is not None:
        raise click.ClickException(
            f"The audit log has been tampered with: {result.problem.message}. "
            f"({result.count} entries read.)"
        )
    click.echo(f"The audit log is intact: {result.count} entries. Head: {result.head}")
