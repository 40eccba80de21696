"""Telling people things: in-app notifications, and email for those who want it."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, insert, select, update

from townhall.accounts.models import User
from townhall.database import on_commit, utcnow
from townhall.extensions import db
from townhall.live import publish_to_users
from townhall.mail import compose, send
from townhall.notifications.models import (
    EMAIL_BY_DEFAULT,
    EmailPreference,
    Notification,
    NotificationKind,
)

PER_PAGE = 30


def wants_email(user_ids: list[int], kind: NotificationKind) -> list[int]:
    """Of these people, return those who want email for `kind`."""
    if not user_ids:
        return []
    chosen = dict(
        db.session.execute(
            select(EmailPreference.user_id, EmailPreference.send_email).where(
                EmailPreference.kind == kind.value, EmailPreference.user_id.in_(user_ids)
            )
        ).all()
    )
    default = EMAIL_BY_DEFAULT[kind]
    return [uid for uid in user_ids if chosen.get(uid, default)]


def notify(
    user_ids: Iterable[int],
    kind: NotificationKind,
    text: str,
    link: str,
    *,
    email_subject: str | None = None,
    email_template: str | None = None,
    **email_context: object,
) -> int:
    """Notify people in the app, and by email those who chose it; return how many.

    The email is composed now and sent only when the transaction commits.
    """
    ids = sorted(set(user_ids))
    if not ids:
        return 0
    now = utcnow()
    db.session.execute(
        insert(Notification),
        [
            {"user_id": uid, "kind": kind, "text": text, "link": link, "created_at": now}
            for uid in ids
        ],
    )
    # Each person's open pages update their unread count (after commit, their room only).
    publish_to_users(
        ids,
        "notification_added",
        {"refresh": ["notifications"], "announce": "You have a new notification."},
    )
    if email_subject and email_template:
        emailed = wants_email(ids, kind)
        if emailed:
            addresses = db.session.scalars(
                select(User.email).where(User.id.in_(emailed), User.disabled_at.is_(None))
            ).all()
            messages = [
                compose(address, email_subject, email_template, link=link, **email_context)
                for address in addresses
            ]
            on_commit(db.session(), lambda: [send(m) for m in messages])
    return len(ids)


def unread_count(user: User) -> int:
    """How many notifications `user` has not read."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def notifications_page(user: User, page: int):
    """One page of `user`'s notifications, newest first."""
    statement = (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    return db.paginate(statement, page=page, per_page=PER_PAGE, error_out=False)


def open_notification(user: User, notification_id: int) -> Notification | None:
    """Mark one of `user`'s notifications read and return it (None if not theirs)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        return None
    if notification.read_at is None:
        notification.read_at = utcnow()
    return notification


def mark_all_read(user: User) -> int:
    """Mark every unread notification of `user` read; return how many."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount or 0


def email_preferences(user: User) -> dict[NotificationKind, bool]:
    """Whether `user` wants email for each kind of notification."""
    chosen = dict(
        db.session.execute(
            select(EmailPreference.kind, EmailPreference.send_email).where(
                EmailPreference.user_id == user.id
            )
        ).all()
    )
    return {kind: chosen.get(kind.value, EMAIL_BY_DEFAULT[kind]) for kind in NotificationKind}


def set_email_preferences(user: User, choices: dict[NotificationKind, bool]) -> None:
    """Record which kinds of notification `user` wants by email."""
    existing = {
        p.kind: p
        for p in db.session.scalars(
            select(EmailPreference).where(EmailPreference.user_id == user.id)
        )
    }
    for kind, send_email in choices.items():
        preference = existing.get(kind.value)
        if preference is None:
            db.session.add(EmailPreference(user_id=user.id, kind=kind.value, send_email=send_email))
        else:
            preference.send_email = send_email
