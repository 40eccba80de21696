"""A person's data: export it all (JSON), delete their location data, delete their account.

Deleting an account removes what identifies the person (email, name, password,
check-ins, areas, devices, notifications, follows, preferences, home location)
and keeps what they contributed in public (comments, proposals, ballots counted
in results) attributed to "Former participant", so threads and tallies stay whole.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, delete, select

from townhall.accounts.models import User
from townhall.accounts.permissions import Role
from townhall.database import utcnow
from townhall.extensions import db
from townhall.moderation.service import authors_words_to_export
from townhall.places.models import (
    AlertSettings,
    CheckIn,
    NearbySeen,
    PendingAlert,
    PushSubscription,
    SavedArea,
    SavedTopic,
)

FORMER_PARTICIPANT = "Former participant"
# Tables whose rows are the person's private data, deleted with the account. Their
# public contributions (comments, proposals, ballots) are kept and anonymised.
PRIVATE_TABLES = (
    "notification",
    "email_preference",
    "follow",
    "password_reset_token",
    "home_location",
    "api_token",
)
# Columns never exported: secrets, not data about the person.
SECRET_COLUMNS = {"password_hash", "session_version", "token_hash"}
LOCATION_MODELS = (CheckIn, SavedArea, SavedTopic, PushSubscription, PendingAlert, NearbySeen)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def _rows(table: Table, column: str, user_id: int) -> list[dict[str, Any]]:
    rows = db.session.execute(select(table).where(table.c[column] == user_id)).mappings()
    return [{k: _plain(v) for k, v in row.items() if k not in SECRET_COLUMNS} for row in rows]


def export_data(user: User) -> dict[str, Any]:
    """Everything held about `user`, as JSON-ready data, table by table.

    Every table with a column pointing at the person (`user_id`, `author_id`, ...)
    is included, so data added by other modules is exported without a change here.
    """
    tables = db.metadata.tables
    # A post held for a moderator shows others a notice in its own row; the person's
    # export holds their own words there instead.
    own_words = authors_words_to_export(user)

    def rows_of(name: str, column: str) -> list[dict[str, Any]]:
        rows = _rows(tables[name], column, user.id)
        for row in rows:
            row.update(own_words.get(name, {}).get(row.get("id"), {}))
        return rows

    result: dict[str, Any] = {
        "account": rows_of("user", "id")[0],
        "exported_at": utcnow().isoformat(),
    }
    for name, table in sorted(tables.items()):
        if name == "user":
            continue
        for column in table.columns:
            if any(fk.column.table.name == "user" for fk in column.foreign_keys):
                rows = rows_of(name, column.name)
                if rows:
                    result.setdefault(name, {})[column.name] = rows
    return result


def delete_location_data(user: User) -> dict[str, int]:
    """Delete the person's check-ins, areas, topics and push devices; say how many of each."""
    counts = {}
    for model in LOCATION_MODELS:
        result = db.session.execute(delete(model).where(model.user_id == user.id))
        counts[model.__tablename__] = result.rowcount or 0
    db.session.flush()
    return counts


def delete_account(user: User) -> None:
    """Remove the person's personal data and keep their contributions as a former participant.

    The row stays (so comments and ballots keep their author and counts stay true),
    but nothing in it identifies anyone and it can never sign in again.
    """
    delete_location_data(user)
    db.session.execute(delete(AlertSettings).where(AlertSettings.user_id == user.id))
    for name in PRIVATE_TABLES:
        table = db.metadata.tables.get(name)
        if table is not None and "user_id" in table.c:
            db.session.execute(delete(table).where(table.c.user_id == user.id))
    user.email = f"former-{user.id}-{secrets.token_hex(8)}@deleted.townhall.invalid"
    user.display_name = FORMER_PARTICIPANT
    user.password_hash = "!" + secrets.token_hex(32)  # matches no password
    user.role = Role.CITIZEN
    user.email_verified_at = None
    user.last_signed_in_at = None
    user.session_version += 1  # ends every session and remember-me cookie
    user.disabled_at = utcnow()
    db.session.flush()
