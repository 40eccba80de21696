"""Pages for places, posters, check-in, staff tasks, areas of interest, push and privacy.

Views load, check permission, call one service function, commit, then render or
redirect. A `PlaceError` becomes its own 4xx with the message shown to the person.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, logout_user
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from wtforms.fields.choices import SelectChoice

from townhall.accounts.models import User
from townhall.accounts.permissions import Permission, has_permission
from townhall.consultations.forms import to_local, to_utc
from townhall.consultations.models import AreaKind, Consultation, Status
from townhall.consultations.service import list_areas, readable_statement
from townhall.database import parse_id
from townhall.errors import render_error
from townhall.extensions import db
from townhall.form_handling import accept, add_form_error, takes_json
from townhall.links import on_site_path
from townhall.places import alerts, privacy, push, service
from townhall.places.errors import PlaceError, TooSoon
from townhall.places.forms import (
    AlertSettingsForm,
    AreaForm,
    CheckInForm,
    ConfirmForm,
    DeleteAccountForm,
    LinkConsultationForm,
    PlaceAreaForm,
    PlaceForm,
    TaskActionForm,
    TaskForm,
    TopicsForm,
)
from townhall.places.models import EmailFrequency, Place, PlaceKind, StaffTask
from townhall.places.permissions import Action, can

bp = Blueprint("places", __name__)
STATIC_ROOT = "../static"


def _require(action: Action) -> None:
    if not current_user.is_authenticated:
        abort(401)
    if not can(current_user, action):
        abort(403)


def _place_or_404(place_id: int) -> Place:
    place = service.get_place(place_id)
    if place is None:
        abort(404)
    return place


def _json_error(error: PlaceError):
    return jsonify({"error": str(error)}), error.status


@bp.app_context_processor
def _places_helpers() -> dict[str, Any]:
    return {"can_places": lambda action: can(current_user, Action(action))}


# --- places -------------------------------------------------------------------------


@bp.route("/places")
def index():
    """List the council's places."""
    return render_template("places/index.html", places=service.list_places())


def _place_form(form: PlaceForm) -> None:
    form.service_area_id.choices = [SelectChoice(0, "None")] + [
        SelectChoice(a.id, a.name) for a in list_areas(AreaKind.SERVICE)
    ]


def _details(form: PlaceForm) -> service.PlaceDetails:
    return service.PlaceDetails(
        name=form.name.data or "",
        kind=PlaceKind(form.kind.data),
        address=form.address.data or "",
        latitude=form.latitude.data,
        longitude=form.longitude.data,
        opening_hours=form.opening_hours.data or "",
        service_area_id=form.service_area_id.data or None,
    )


@bp.route("/places/new", methods=["GET", "POST"])
def new():
    """Add a place."""
    _require(Action.MANAGE_PLACES)
    form = PlaceForm()
    _place_form(form)
    if accept(form):
        try:
            place = service.create_place(_details(form))
        except PlaceError as error:
            add_form_error(form, str(error))
        else:
            db.session.commit()
            flash(f"{place.name} is added. Print its poster to put up there.", "success")
            return redirect(url_for("places.show", place_id=place.id), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("places/edit.html", form=form, place=None), status


@bp.route("/places/<int:place_id>/edit", methods=["GET", "POST"])
def edit(place_id: int):
    """Change a place's details."""
    _require(Action.MANAGE_PLACES)
    place = _place_or_404(place_id)
    form = PlaceForm(obj=place) if request.method == "GET" else PlaceForm()
    if request.method == "GET":
        form.kind.data = place.kind.value
        form.service_area_id.data = place.service_area_id or 0
    _place_form(form)
    if accept(form):
        try:
            service.update_place(place, _details(form))
        except PlaceError as error:
            add_form_error(form, str(error))
        else:
            db.session.commit()
            flash("The place is saved.", "success")
            return redirect(url_for("places.show", place_id=place.id), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("places/edit.html", form=form, place=place), status


@bp.route("/places/<int:place_id>")
def show(place_id: int):
    """Show a place: its details, and for officers its poster, links and tasks."""
    place = _place_or_404(place_id)
    manager = can(current_user, Action.MANAGE_PLACES)
    link_form = None
    tasks: list[StaffTask] = []
    linked: list[Consultation] = []
    if manager:
        link_form = LinkConsultationForm()
        link_form.consultation_id.choices = [
            SelectChoice(c.id, c.title)
            for c in db.session.scalars(
                readable_statement(current_user)
                .where(Consultation.status.in_([Status.OPEN, Status.SCHEDULED]))
                .order_by(Consultation.title)
            )
        ]
        tasks = [t for t in service.all_tasks() if t.place_id == place.id]
        linked = service.linked_consultations(place)
    return render_template(
        "places/show.html",
        place=place,
        code=service.check_in_code(place),
        manager=manager,
        link_form=link_form,
        linked=linked,
        tasks=tasks,
        check_ins=service.check_in_count(place),
    )


@bp.route("/places/<int:place_id>/consultations", methods=["POST"])
def link(place_id: int):
    """Show a consultation at this place, or stop showing it."""
    _require(Action.MANAGE_PLACES)
    place = _place_or_404(place_id)
    form = LinkConsultationForm()
    form.consultation_id.choices = None  # checked below, against what the officer may read
    form.consultation_id.validate_choice = False
    if not accept(form):
        problems = form.form_errors + form.consultation_id.errors
        return render_error(400, problems[0] if problems else None)
    consultation_id = parse_id(str(form.consultation_id.data))
    consultation = db.session.get(Consultation, consultation_id) if consultation_id else None
    if consultation is None:
        abort(404)
    if request.form.get("action") == "unlink":
        service.unlink_consultation(place, consultation)
        message = f"“{consultation.title}” is no longer shown at {place.name}."
    else:
        service.link_consultation(place, consultation)
        message = f"“{consultation.title}” is shown at {place.name}."
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("places.show", place_id=place.id), 303)


def _qr(place: Place):
    return segno.make(
        url_for("places.check_in_page", code=service.check_in_code(place), _external=True),
        error="m",
    )


@bp.route("/places/<int:place_id>/qr.svg")
def qr_svg(place_id: int):
    """The place's check-in QR code as an SVG image."""
    place = _place_or_404(place_id)
    svg = _qr(place).svg_inline(scale=8, title=f"Check-in code for {place.name}")
    return Response(svg, mimetype="image/svg+xml")


@bp.route("/places/<int:place_id>/poster")
def poster(place_id: int):
    """A printable A4 check-in poster with the place's QR code and short link."""
    _require(Action.MANAGE_PLACES)
    place = _place_or_404(place_id)
    code = service.check_in_code(place)
    svg = _qr(place).svg_inline(scale=10, title=f"QR code: check in at {place.name}")
    return render_template(
        "places/poster.html",
        place=place,
        qr=Markup(svg),
        link=url_for("places.check_in_page", code=code, _external=True),
    )


# --- check-in -----------------------------------------------------------------------


@bp.route("/c/<code>", methods=["GET"])
def check_in_page(code: str):
    """Show what is on at a place, and for the person: the page a poster's QR opens."""
    try:
        place = service.place_for_code(code)
    except PlaceError as error:
        return render_template("places/unknown_code.html", message=str(error)), error.status
    return _render_check_in(place, code, CheckInForm())


def _render_check_in(place: Place, code: str, form: CheckInForm, status: int = 200, **extra: Any):
    user = current_user if current_user.is_authenticated else None
    return render_template(
        "places/check_in.html",
        place=place,
        code=code,
        form=form,
        around=service.around_me(user, place),
        task_form=TaskActionForm(),
        **extra,
    ), status


@bp.route("/c/<code>", methods=["POST"])
@login_required
def check_in(code: str):
    """Check in at a place (with the browser's position, when shared, to check distance)."""
    try:
        place = service.place_for_code(code)
    except PlaceError as error:
        return render_template("places/unknown_code.html", message=str(error)), error.status
    form = CheckInForm()
    if not accept(form):
        abort(400)
    try:
        position = None
        if form.latitude.data or form.longitude.data:
            position = service.parse_position(form.latitude.data, form.longitude.data)
        service.check_in(current_user, place, position)
    except PlaceError as error:
        add_form_error(form, str(error))
        return _render_check_in(place, code, form, error.status)
    db.session.commit()
    flash(f"You are checked in at {place.name}.", "success")
    return redirect(url_for("places.check_in_page", code=code), 303)


# --- staff tasks --------------------------------------------------------------------


def _task_form() -> TaskForm:
    form = TaskForm()
    form.place_id.choices = [SelectChoice(p.id, p.name) for p in service.list_places()]
    staff = db.session.scalars(
        select(User).where(User.disabled_at.is_(None)).order_by(User.display_name)
    )
    form.assignee_id.choices = [SelectChoice(0, "Any member of staff")] + [
        SelectChoice(u.id, u.display_name)
        for u in staff
        if has_permission(u, Permission.TAKE_PART_AS_STAFF)
    ]
    return form


@bp.route("/tasks", methods=["GET", "POST"])
@login_required
def tasks():
    """Staff see their tasks; officers also set tasks and watch progress and past-due tasks."""
    if not can(current_user, Action.WORK_TASKS):
        abort(403)
    officer = can(current_user, Action.SET_TASKS)
    form = _task_form() if officer else None
    status = 200
    if officer and request.method == "POST":
        form.place_id.validate_choice = False  # an unknown place gets the service's message
        if accept(form):
            assignee = (
                db.session.get(User, form.assignee_id.data) if form.assignee_id.data else None
            )
            try:
                task = service.create_task(
                    current_user,
                    form.place_id.data,
                    form.title.data or "",
                    to_utc(form.due_at.data),
                    details=form.details.data or "",
                    assignee=assignee,
                )
            except PlaceError as error:
                add_form_error(form, str(error))
                status = error.status
            else:
                db.session.commit()
                flash(f"The task “{task.title}” is set.", "success")
                return redirect(url_for("places.tasks"), 303)
        else:
            status = 400
    elif request.method == "POST":
        abort(403)
    return render_template(
        "places/tasks.html",
        form=form,
        officer=officer,
        mine=service.tasks_for_user(current_user),
        board=service.all_tasks() if officer else [],
        past_due=service.past_due_tasks() if officer else [],
        action_form=TaskActionForm(),
        to_local=to_local,
    ), status


@bp.route("/tasks/<int:task_id>/<any(accept, complete, hand_back):what>", methods=["POST"])
@login_required
def task_action(task_id: int, what: str):
    """Accept, complete or hand back a task."""
    if not can(current_user, Action.WORK_TASKS):
        abort(403)
    task = db.get_or_404(StaffTask, task_id)
    form = TaskActionForm()
    if not accept(form):
        abort(400)
    note = form.note.data or ""
    try:
        if what == "accept":
            service.accept_task(current_user, task)
        elif what == "complete":
            service.complete_task(current_user, task, note)
        else:
            service.hand_back_task(current_user, task, note)
    except PlaceError as error:
        db.session.rollback()
        return render_error(error.status, str(error))
    db.session.commit()
    flash(f"“{task.title}”: {task.status.label.lower()}.", "success")
    return redirect(_back(), 303)


def _back() -> str:
    return on_site_path(request.form.get("next")) or url_for("places.tasks")


# --- areas of interest --------------------------------------------------------------


def _alert_forms() -> dict[str, Any]:
    hours = [SelectChoice("", "No quiet hours")] + [
        SelectChoice(str(h), f"{h:02d}:00") for h in range(24)
    ]
    settings_form = AlertSettingsForm(prefix="s")
    settings_form.quiet_start.choices = hours
    settings_form.quiet_end.choices = hours
    topics = TopicsForm(prefix="t")
    topics.topics.choices = [
        SelectChoice(a.id, f"{a.name} ({a.kind.label.lower()})")
        for a in alerts.topic_choices(current_user)
    ]
    place_form = PlaceAreaForm(prefix="p")
    place_form.place_id.choices = [SelectChoice(p.id, p.name) for p in service.list_places()]
    return {
        "area_form": AreaForm(prefix="a"),
        "place_form": place_form,
        "topics_form": topics,
        "settings_form": settings_form,
    }


def _render_areas(forms: dict[str, Any], status: int = 200):
    user = current_user
    settings = alerts.settings_of(user)
    if request.method == "GET":
        forms["settings_form"].email_frequency.data = settings.email_frequency.value
        forms["settings_form"].quiet_start.data = (
            "" if settings.quiet_start is None else str(settings.quiet_start)
        )
        forms["settings_form"].quiet_end.data = (
            "" if settings.quiet_end is None else str(settings.quiet_end)
        )
        forms["topics_form"].topics.data = sorted(alerts.topics_of(user))
    db.session.commit()  # the default settings, made on first visit
    return render_template(
        "places/areas.html",
        areas=alerts.areas_of(user),
        devices=push.devices_of(user),
        delete_form=ConfirmForm(),
        **forms,
    ), status


@bp.route("/places/areas", methods=["GET", "POST"])
@login_required
def areas():
    """Save areas of interest and topics, and choose how and when to be told."""
    if not can(current_user, Action.SAVE_AREAS):
        abort(403)
    forms = _alert_forms()
    if request.method == "GET":
        return _render_areas(forms)
    which = request.form.get("form")
    form = forms.get(f"{which}_form")
    if form is None:
        abort(400)
    if not accept(form):
        return _render_areas(forms, 400)
    try:
        if which == "area":
            alerts.save_area(
                current_user,
                form.label.data,
                form.latitude.data,
                form.longitude.data,
                form.radius_m.data,
            )
            message = "Your area is saved."
        elif which == "place":
            alerts.save_place_area(current_user, service.get_place(form.place_id.data or 0))
            message = "The place is saved as one of your areas."
        elif which == "topics":
            alerts.set_topics(current_user, set(form.topics.data or []))
            message = "Your topics are saved."
        else:
            start, end = form.quiet_start.data, form.quiet_end.data
            alerts.set_settings(
                current_user,
                EmailFrequency(form.email_frequency.data),
                int(start) if start else None,
                int(end) if end else None,
            )
            message = "Your choices are saved."
    except PlaceError as error:
        db.session.rollback()
        add_form_error(form, str(error))
        return _render_areas(forms, error.status)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("places.areas"), 303)


@bp.route("/places/areas/<int:area_id>/delete", methods=["POST"])
@login_required
def delete_area(area_id: int):
    """Remove one of the person's saved areas."""
    if not accept(ConfirmForm()):
        abort(400)
    if not alerts.remove_area(current_user, area_id):
        abort(404)
    db.session.commit()
    flash("The area is removed.", "success")
    return redirect(url_for("places.areas"), 303)


# --- Web Push and nearby mode (JSON, CSRF token in the X-CSRFToken header) -----------


@bp.route("/sw.js")
def service_worker():
    """The service worker, served from the site root so its scope is the whole site."""
    path = Path(current_app.static_folder or STATIC_ROOT) / "sw.js"
    response = Response(path.read_text(), mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/places/push/key")
def push_key():
    """The VAPID public key browsers subscribe with."""
    return jsonify({"key": push.public_key()})


NOT_JSON = "Send the details as JSON."


def _json_body() -> Any:
    """The JSON this page's script posted; refuse what cannot be read with a 400 in JSON.

    The script shows the `error` of a refusal, so it says what was wrong: not JSON, or
    nested too deeply (the app's request reads every JSON body with a depth limit).
    """
    try:
        data = request.get_json()
    except HTTPException as error:  # not JSON (400), or not sent as JSON (415)
        detail = error.description if getattr(error, "townhall_detail", False) else None
        abort(make_response(jsonify({"error": detail or NOT_JSON}), 400))
    if data is None:
        abort(make_response(jsonify({"error": NOT_JSON}), 400))
    return data


@bp.route("/places/push/subscribe", methods=["POST"])
@login_required
@takes_json
def push_subscribe():
    """Store this device's push subscription."""
    if not can(current_user, Action.SAVE_AREAS):
        abort(403)
    data = _json_body()
    try:
        subscription = push.subscribe(
            current_user,
            data.get("subscription") if isinstance(data, dict) else None,
            str(data.get("device", "")) if isinstance(data, dict) else "",
        )
    except PlaceError as error:
        return _json_error(error)
    db.session.commit()
    return jsonify({"id": subscription.id}), 201


@bp.route("/places/push/unsubscribe", methods=["POST"])
@login_required
@takes_json
def push_unsubscribe():
    """Forget this device's push subscription."""
    data = _json_body()
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str):
        abort(400)
    removed = push.unsubscribe(current_user, endpoint)
    db.session.commit()
    return jsonify({"removed": removed})


@bp.route("/places/nearby", methods=["POST"])
@login_required
@takes_json
def nearby():
    """What is near a position (JSON); the position is not stored. Once a minute at most."""
    data = _json_body()
    if not isinstance(data, dict):
        abort(400)
    try:
        items = service.nearby_items(current_user, data.get("latitude"), data.get("longitude"))
    except TooSoon as error:
        db.session.rollback()
        return _json_error(error)
    except PlaceError as error:
        db.session.rollback()
        return _json_error(error)
    db.session.commit()
    return jsonify({"items": [vars(i) for i in items]})


# --- privacy --------------------------------------------------------------------------


@bp.route("/privacy")
def privacy_page():
    """Say what location data is kept, for how long, and how to export or delete it."""
    return render_template(
        "places/privacy.html",
        retention_days=current_app.config.get("PLACES_RETENTION_DAYS", service.RETENTION_DAYS),
        form=ConfirmForm(),
    )


@bp.route("/account/export.json")
@login_required
def export():
    """Download everything held about the signed-in person, as JSON."""
    data = privacy.export_data(current_user)
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False),
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=townhall-my-data.json"},
    )


@bp.route("/account/location-data/delete", methods=["POST"])
@login_required
def delete_location_data():
    """Delete the person's check-ins, areas, topics and push devices."""
    if not accept(ConfirmForm()):
        abort(400)
    privacy.delete_location_data(current_user)
    db.session.commit()
    flash("Your check-ins, areas, topics and push devices are deleted.", "success")
    return redirect(url_for("places.privacy_page"), 303)


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    """Delete the account: personal data goes; contributions stay as a former participant."""
    form = DeleteAccountForm()
    if accept(form):
        if (form.confirm.data or "").strip().lower() != "delete":
            add_form_error(form, "Type the word delete to confirm.")
        else:
            privacy.delete_account(current_user._get_current_object())
            db.session.commit()
            logout_user()
            flash("Your account is deleted. Thank you for taking part.", "success")
            return redirect(url_for("home.index"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("places/delete_account.html", form=form), status


def render_places_section(consultation: Consultation, user: Any) -> str | None:
    """The consultation page's "where to find it" section: places it is shown at."""
    places = service.places_showing(consultation)
    if not places:
        return None
    return render_template("places/_section.html", places=places, consultation=consultation)
