"""`flask townhall ...` commands: prepare, create-user, seed-demo, export, import."""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_migrate import upgrade
from sqlalchemy import insert

from townhall import backup
from townhall.accounts import service as accounts
from townhall.accounts.models import User
from townhall.accounts.passwords import hash_password
from townhall.accounts.permissions import Role
from townhall.consultations import service as consultations
from townhall.database import utcnow
from townhall.demo_council import seed_demo_council
from townhall.extensions import db
from townhall.moderation.cli import audit_cli

townhall_cli = AppGroup("townhall", help="Townhall's own commands.")
townhall_cli.add_command(audit_cli)

DEMO_DOMAIN = "demo.townhall.example"
DEMO_PEOPLE = [
    (Role.ADMIN, "Alex Admin"),
    (Role.OFFICER, "Olivia Officer"),
    (Role.MODERATOR, "Morgan Moderator"),
    (Role.STAFF, "Sam Staff"),
    (Role.CITIZEN, "Chris Citizen"),
]
SIGN_INS_FILE = "demo-sign-ins.txt"


def demo_password() -> str:
    """A strong random password that can still be read aloud and typed."""
    return "-".join(secrets.token_hex(3) for _ in range(3))


@townhall_cli.command("create-user")
@click.option("--email", required=True, help="Their email address (used to sign in).")
@click.option("--name", "display_name", required=True, help="Display name shown on posts.")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.CITIZEN.value,
    show_default=True,
)
@click.password_option(help="Their password (asked for when not given).")
def create_user(email: str, display_name: str, role: str, password: str) -> None:
    """Create an account with a confirmed email address."""
    try:
        user = accounts.register_user(email, display_name, password, role=Role(role), verified=True)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.display_name} <{user.email}>.")


def seed_people() -> list[tuple[Role, str, str]]:
    """Create one demo person of each role; return their sign-ins."""
    sign_ins = []
    for role, name in DEMO_PEOPLE:
        email = f"{role.value}@{DEMO_DOMAIN}"
        password = demo_password()
        accounts.register_user(email, name, password, role=role, verified=True)
        sign_ins.append((role, email, password))
    return sign_ins


def _demo_officer() -> User:
    officer = accounts.find_user_by_email(f"{Role.OFFICER.value}@{DEMO_DOMAIN}")
    assert officer is not None, "seed_people makes the demo officer first"
    return officer


def seed_citizens(count: int) -> None:
    """Add `count` verified citizens in batches, with a progress bar.

    They share one hash of a random password nobody knows: they exist to give pages
    and benchmarks a realistic population, not to sign in.
    """
    password_hash = hash_password(secrets.token_urlsafe(24))
    now = utcnow()
    batch = 1000
    with click.progressbar(length=count, label="Adding citizens") as bar:
        for start in range(0, count, batch):
            rows = [
                {
                    "email": f"citizen{n}@{DEMO_DOMAIN}",
                    "display_name": f"Resident {n}",
                    "password_hash": password_hash,
                    "role": Role.CITIZEN,
                    "email_verified_at": now,
                    "session_version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(start + 1, min(start + batch, count) + 1)
            ]
            db.session.execute(insert(User), rows)
            bar.update(len(rows))


def write_sign_ins(sign_ins: list[tuple[Role, str, str]]) -> Path:
    """Print the demo sign-ins and keep a copy under instance/ (readable by its owner only)."""
    lines = [f"{role.value:<10} {email:<36} {password}" for role, email, password in sign_ins]
    click.echo("\nDemo sign-ins (passwords are shown only here and in the file below):")
    for line in lines:
        click.echo("  " + line)
    path = Path(current_app.instance_path) / SIGN_INS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    click.echo(f"(also written to {path})\n")
    return path


@townhall_cli.command("seed-demo")
@click.option("--citizens", default=0, show_default=True, help="Also add this many citizens.")
def seed_demo(citizens: int) -> None:
    """Fill an empty database with a demo council."""
    if accounts.count_users() > 0:
        raise click.ClickException(
            "The database already has accounts: seed-demo needs an empty one."
        )
    sign_ins = seed_people()
    seed_demo_council(_demo_officer())
    if citizens > 0:
        seed_citizens(citizens)
    db.session.commit()
    write_sign_ins(sign_ins)


@townhall_cli.command("tick")
@click.pass_context
def tick(ctx: click.Context) -> None:
    """Run what is due (every minute): open and close consultations on time, then
    places' retention, digests and pushes."""
    from townhall.places.cli import tick as places_tick

    opened, closed = consultations.apply_schedule()
    db.session.commit()
    click.echo(f"Opened {opened}, closed {closed}.")
    ctx.invoke(places_tick)


@townhall_cli.command("prepare")
@click.option("--no-demo", is_flag=True, help="Never seed the demo council (production).")
def prepare(no_demo: bool) -> None:
    """Bring the schema up to date, add the default areas, and seed a demo council when empty."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    consultations.ensure_default_areas()
    db.session.commit()
    if accounts.count_users() == 0 and not no_demo:
        click.echo("The database is empty: seeding a demo council.")
        sign_ins = seed_people()
        seed_demo_council(_demo_officer())
        db.session.commit()
        write_sign_ins(sign_ins)
    else:
        path = Path(current_app.instance_path) / SIGN_INS_FILE
        if path.exists():
            click.echo(f"Demo sign-ins are in {path}")


@townhall_cli.command("export")
@click.argument("file")
def export_command(file: str) -> None:
    """Write the whole database to FILE (gzip when it ends in .gz; - for stdout).

    The file holds password and token hashes: keep it as safely as the database.
    """
    try:
        counts = backup.export_file(db.engine, db.metadata, file)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    where = "standard output" if file == backup.STDIO else file
    click.echo(f"Exported {backup.summary(counts)} to {where}.", err=True)


@townhall_cli.command("import")
@click.argument("file")
@click.option(
    "--force",
    is_flag=True,
    help="PostgreSQL: import even while other sessions are connected to the database. "
    "Every table is still locked, so they wait until the import ends.",
)
def import_command(file: str, force: bool) -> None:
    """Load FILE (from `townhall export`; - for stdin) into this empty, migrated database.

    Stop the site first: on PostgreSQL the import refuses to start while other sessions
    are connected (unless --force). Nothing is kept unless the audit log verifies.
    """
    try:
        imported = backup.import_file(db.engine, db.metadata, file, force=force)
    except backup.BackupError as error:
        raise click.ClickException(f"Nothing was imported. {error}") from None
    click.echo(f"Imported {backup.summary(imported.counts)}.", err=True)
    click.echo(
        f"The audit log is intact: {imported.audit_entries} entries. Head: {imported.audit_head}",
        err=True,
    )
