"""The notification centre and email preferences."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField

from townhall.database import parse_id
from townhall.extensions import db
from townhall.form_handling import accept
from townhall.notifications import service
from townhall.notifications.models import NotificationKind
from townhall.wording import ngettext

bp = Blueprint("notifications", __name__)

PREFERENCE_LABELS = {
    NotificationKind.ANNOUNCEMENT: "Announcements on consultations I follow",
    NotificationKind.REPLY: "Replies to my comments",
    NotificationKind.OFFICIAL_RESPONSE: "Official responses to my questions",
    NotificationKind.CONSULTATION_OPENED: "Consultations opening",
    NotificationKind.CONSULTATION_CLOSED: "Consultations I follow closing",
    NotificationKind.OUTCOME: "Outcomes of consultations I follow",
    NotificationKind.MODERATION: "Moderation decisions about my posts",
    NotificationKind.AREA_ALERT: "Things opening in my areas of interest (how often: see Places)",
    NotificationKind.STAFF_TASK: "Tasks for me at council places",
}


class EmailPreferencesForm(FlaskForm):
    """One checkbox per kind of notification."""


for _kind, _label in PREFERENCE_LABELS.items():
    setattr(EmailPreferencesForm, _kind.value, BooleanField(_label))


class MarkReadForm(FlaskForm):
    """A button that carries the CSRF token."""


@bp.route("/notifications")
@login_required
def index():
    """List the signed-in person's notifications, newest first."""
    page = service.notifications_page(current_user, parse_id(request.args.get("page")) or 1)
    return render_template("notifications/index.html", page=page)


@bp.route("/notifications/<int:notification_id>")
@login_required
def open_one(notification_id: int):
    """Mark a notification read and go to what it is about."""
    notification = service.open_notification(current_user, notification_id)
    if notification is None:
        abort(404)
    db.session.commit()
    return redirect(notification.link)


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_all_read():
    """Mark every notification read."""
    if not accept(MarkReadForm()):
        abort(400)
    count = service.mark_all_read(current_user)
    db.session.commit()
    flash(
        ngettext("Marked %(num)d notification read.", "Marked %(num)d notifications read.", count),
        "success",
    )
    return redirect(url_for("notifications.index"), 303)


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def email_preferences():
    """Choose which notifications also come by email."""
    form = EmailPreferencesForm()
    if request.method == "GET":
        for kind, wanted in service.email_preferences(current_user).items():
            getattr(form, kind.value).data = wanted
    if accept(form):
        service.set_email_preferences(
            current_user, {kind: bool(getattr(form, kind.value).data) for kind in PREFERENCE_LABELS}
        )
        db.session.commit()
        flash("Your email choices are saved.", "success")
        return redirect(url_for("notifications.email_preferences"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "notifications/email_preferences.html", form=form, kinds=list(PREFERENCE_LABELS)
    ), status
