"""What every template can use: permission checks, the council's name, dates."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, current_app
from flask_login import current_user

from townhall.accounts.permissions import Permission, has_permission
from townhall.notifications.service import unread_count
from townhall.wording import ngettext


def can(permission: Permission | str) -> bool:
    """Say whether the signed-in person holds `permission` (for templates)."""
    return has_permission(current_user, Permission(permission))


def format_datetime(value: datetime | None, fmt: str = "%-d %B %Y, %H:%M") -> str:
    """Show a timestamp the way UK council pages do: 3 March 2026, 14:05."""
    if value is None:
        return ""
    return value.strftime(fmt)


def format_duration(value: timedelta) -> str:
    """A length of time in words, in its largest whole unit: "3 days", "an hour"."""
    seconds = int(value.total_seconds())
    units = (
        (86_400, "a day", "%(shown)s days"),
        (3_600, "an hour", "%(shown)s hours"),
        (60, "a minute", "%(shown)s minutes"),
    )
    for size, one, many in units:
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return ngettext(one, many, count, shown=f"{count:,}")
    return ngettext("%(shown)s second", "%(shown)s seconds", seconds, shown=f"{seconds:,}")


def register_template_helpers(app: Flask) -> None:
    """Make the helpers available in every template."""
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["date"] = lambda v: format_datetime(v, "%-d %B %Y")
    app.jinja_env.filters["duration"] = format_duration
    # Plurals: one helper, swapped for Babel's ngettext when translations arrive.
    app.jinja_env.globals["ngettext"] = ngettext

    @app.context_processor
    def inject() -> dict[str, object]:
        return {
            "can": can,
            "Permission": Permission,
            "council_name": current_app.config["TOWNHALL_COUNCIL_NAME"],
            "unread_notifications": lambda: unread_count(current_user),
        }
