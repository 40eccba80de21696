"""The notification centre and email preferences: service and pages."""

from __future__ import annotations

from sqlalchemy import select

from townhall.extensions import db
from townhall.notifications import service
from townhall.notifications.models import EMAIL_BY_DEFAULT, Notification, NotificationKind


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_notify_counts_and_reads(app, create_user):
    a, b = create_user(), create_user()
    assert service.notify([a.id, b.id, a.id], NotificationKind.REPLY, "Someone replied", "/x") == 2
    db.session.commit()
    assert service.unread_count(a) == 1
    [mine] = service.notifications_page(a, 1).items
    assert service.open_notification(b, mine.id) is None  # not b's to open
    assert service.open_notification(a, mine.id).read_at is not None
    assert service.unread_count(a) == 0
    assert service.mark_all_read(b) == 1


def test_email_preferences_default_and_change(app, create_user):
    person = create_user()
    assert service.email_preferences(person) == EMAIL_BY_DEFAULT
    service.set_email_preferences(
        person, {NotificationKind.REPLY: True, NotificationKind.OUTCOME: False}
    )
    db.session.commit()
    chosen = service.email_preferences(person)
    assert chosen[NotificationKind.REPLY] is True and chosen[NotificationKind.OUTCOME] is False
    assert service.wants_email([person.id], NotificationKind.OUTCOME) == []


def test_centre_shows_unread_count_and_marks_read(client, create_user, sign_in, post_form):
    person = create_user()
    service.notify([person.id], NotificationKind.ANNOUNCEMENT, "News about bins", "/consultations")
    db.session.commit()
    sign_in(person)
    html = text_of(client.get("/"))
    assert "Notifications" in html and '1<span class="visually-hidden"> unread</span>' in html
    page = text_of(client.get("/notifications"))
    assert "News about bins" in page
    notification = db.session.scalars(select(Notification)).one()
    response = client.get(f"/notifications/{notification.id}")
    assert response.status_code == 302 and response.headers["Location"] == "/consultations"
    assert service.unread_count(person) == 0
    response = post_form("/notifications/read", token_page="/notifications")
    assert response.status_code == 303


def test_someone_elses_notification_is_404(client, create_user, sign_in):
    owner, other = create_user(), create_user()
    service.notify([owner.id], NotificationKind.REPLY, "Private", "/")
    db.session.commit()
    sign_in(other)
    notification = db.session.scalars(select(Notification)).one()
    assert client.get(f"/notifications/{notification.id}").status_code == 404


def test_email_preferences_page(client, create_user, sign_in, post_form):
    person = create_user()
    sign_in(person)
    html = text_of(client.get("/account/email"))
    assert "Replies to my comments" in html
    response = post_form("/account/email", {"reply": "y"}, token_page="/account/email")
    assert response.status_code == 303
    chosen = service.email_preferences(person)
    assert chosen[NotificationKind.REPLY] is True
    assert chosen[NotificationKind.OUTCOME] is False  # unticked boxes mean no


def test_notification_pages_need_sign_in(client):
    assert client.get("/notifications").status_code == 302
    assert client.get("/account/email").status_code == 302
