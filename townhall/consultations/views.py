"""Pages for browsing consultations and for officers running them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from townhall.accounts.permissions import Permission, has_permission, permission_required
from townhall.confirmation import Confirmation, confirmation_page, confirmed
from townhall.consultations import service
from townhall.consultations.forms import (
    AnnouncementForm,
    AreaChangeForm,
    AreaForm,
    ConsultationForm,
    OutcomeForm,
    TransitionForm,
    to_local,
)
from townhall.consultations.models import (
    PUBLISHED_STATUSES,
    Area,
    AreaKind,
    Audience,
    Consultation,
    Status,
)
from townhall.consultations.permissions import Action, can, refusal
from townhall.consultations.sections import render_sections
from townhall.database import parse_id
from townhall.extensions import db, login_manager
from townhall.form_handling import accept, add_form_error, keeps_input, refused_status

bp = Blueprint("consultations", __name__)

TRANSITIONS = {
    "schedule": service.schedule_consultation,
    "unschedule": service.unschedule_consultation,
    "open": service.open_consultation,
    "close": service.close_consultation,
    "archive": service.archive_consultation,
}
TRANSITION_DONE = {
    "schedule": "is scheduled: it will open and close by itself",
    "unschedule": "is back to draft",
    "open": "is open",
    "close": "is closed",
    "archive": "is archived",
}
#: The statuses from which the consultation page offers each irreversible transition.
ASKED_FROM = {
    "open": (Status.DRAFT, Status.SCHEDULED),
    "close": (Status.OPEN,),
    "archive": (Status.CLOSED, Status.OUTCOME_PUBLISHED),
}
#: Transitions that cannot be undone, asked about first: the question and what happens.
IRREVERSIBLE = {
    "open": (
        "Open “{title}” now?",
        "Opening it now lets everyone who may read it see it and take part, from this "
        "moment until it closes. An open consultation cannot go back to draft or be "
        "scheduled again.",
        "Open it now",
    ),
    "close": (
        "Close “{title}” now?",
        "Closing it now ends comments, proposals, supports and voting for everyone, and "
        "tells its followers it has closed. This cannot be undone: it cannot be reopened.",
        "Close it now",
    ),
    "archive": (
        "Archive “{title}”?",
        "Archiving it leaves it readable but ends everything else: no announcements, "
        "and no outcome can be published or corrected. This cannot be undone.",
        "Archive it",
    ),
}


def check_schedule() -> None:
    """Before a request: open and close scheduled consultations that are due."""
    if request.endpoint and request.endpoint != "static":
        service.apply_schedule_if_due()


def load_consultation(consultation_id: int, action: Action = Action.READ) -> Consultation:
    """Load a consultation the reader may see (404 otherwise) and may act on (403 otherwise)."""
    consultation = db.get_or_404(Consultation, consultation_id)
    if refusal(current_user, Action.READ, consultation):
        abort(404)  # never reveal that a hidden consultation exists
    if action is not Action.READ and refusal(current_user, action, consultation):
        if not current_user.is_authenticated:
            abort(login_manager.unauthorized())  # signing in may help: say so
        abort(403)
    return consultation


def _page_int(name: str = "page") -> int:
    value = request.args.get(name, "1")
    page = parse_id(value)
    return page if page is not None and page < 100_000 else 1


@bp.route("/consultations")
def index():
    """List the consultations the reader may see, with filters, search and pages."""
    area = request.args.get("area", "")
    status = request.args.get("status", "")
    audience = request.args.get("audience", "")
    filters = service.ListingFilters(
        query=request.args.get("q", "").strip()[:200],
        area_id=parse_id(area),
        status=Status(status) if status in Status._value2member_map_ else None,
        audience=Audience(audience) if audience in Audience._value2member_map_ else None,
    )
    page = service.list_consultations(current_user, filters, _page_int())
    return render_template(
        "consultations/index.html",
        page=page,
        filters=filters,
        areas=service.list_areas(),
        statuses=list(Status)
        if has_permission(current_user, Permission.RUN_CONSULTATIONS)
        else list(PUBLISHED_STATUSES),
        audiences=list(Audience),
        show_audience_filter=has_permission(current_user, Permission.TAKE_PART_AS_STAFF),
    )


def _show(consultation: Consultation, status: int = 200, **forms: object):
    forms.setdefault("announcement_form", AnnouncementForm(formdata=None, prefix="announcement"))
    return render_template(
        "consultations/show.html",
        consultation=consultation,
        announcements=service.announcements_for(consultation),
        sections=render_sections(consultation, current_user),
        following=service.is_following(current_user, consultation),
        follower_count=service.follower_count(consultation),
        Action=Action,
        can_do=lambda action: can(current_user, action, consultation),
        transition_form=TransitionForm(formdata=None),
        **forms,
    ), status


@bp.route("/consultations/<int:consultation_id>")
def show(consultation_id: int):
    """Show a consultation: its text, announcements, and the sections of its phases."""
    return _show(load_consultation(consultation_id))


@bp.route("/consultations/new", methods=["GET", "POST"])
@permission_required(Permission.RUN_CONSULTATIONS)
@keeps_input
def create():
    """Draft a new consultation."""
    form = ConsultationForm()
    if accept(form):
        try:
            consultation = service.create_consultation(current_user, form.details())
        except service.ConsultationError as error:
            db.session.rollback()
            add_form_error(form, str(error))
        else:
            db.session.commit()
            flash("Draft saved. Schedule it or open it when it is ready.", "success")
            return redirect(url_for("consultations.show", consultation_id=consultation.id))
    status = refused_status() if request.method == "POST" else 200
    return render_template("consultations/edit.html", form=form, consultation=None), status


@bp.route("/consultations/<int:consultation_id>/edit", methods=["GET", "POST"])
@keeps_input
def edit(consultation_id: int):
    """Edit a consultation's details."""
    consultation = load_consultation(consultation_id, Action.MANAGE)
    if request.method == "GET":
        form = ConsultationForm(obj=consultation)
        form.opens_at.data = to_local(consultation.opens_at)
        form.closes_at.data = to_local(consultation.closes_at)
        form.audience.data = consultation.audience.value
    else:
        form = ConsultationForm()
    if accept(form):
        try:
            service.update_consultation(consultation, form.details())
        except service.ConsultationError as error:
            db.session.rollback()
            add_form_error(form, str(error))
        else:
            db.session.commit()
            flash("Changes saved.", "success")
            return redirect(url_for("consultations.show", consultation_id=consultation.id))
    status = refused_status() if request.method == "POST" else 200
    return render_template("consultations/edit.html", form=form, consultation=consultation), status


@bp.route("/consultations/<int:consultation_id>/transition", methods=["POST"])
def transition(consultation_id: int):
    """Schedule, open, close or archive a consultation."""
    consultation = load_consultation(consultation_id, Action.MANAGE)
    form = TransitionForm()
    action = form.action.data if accept(form) else None
    if action not in TRANSITIONS:
        flash("Choose one of the offered actions.", "error")
        return _show(consultation, 400)
    # Asked only where the page offers the button; from any other status the service
    # refuses at once, with its reason, rather than after a needless question.
    if action in IRREVERSIBLE and consultation.status in ASKED_FROM[action] and not confirmed():
        heading, consequence, button = IRREVERSIBLE[action]
        return confirmation_page(
            Confirmation(
                heading=heading.format(title=consultation.title),
                consequence=consequence,
                button=button,
                cancel_url=url_for("consultations.show", consultation_id=consultation.id),
                fields={"action": action},
            )
        )
    try:
        TRANSITIONS[action](consultation)
    except service.ConsultationError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _show(consultation, 409)
    db.session.commit()
    flash(f"“{consultation.title}” {TRANSITION_DONE[action]}.", "success")
    return redirect(url_for("consultations.show", consultation_id=consultation.id), 303)


def _announcement_news(report: service.AnnouncementReport) -> tuple[str, str]:
    """What to tell the officer of their announcement: held (and under which clauses),
    or posted and how many followers were told; with the flash's category."""
    if report.held:
        clauses = "; ".join(report.held_under)
        return (
            "Your announcement is held for a moderator to check before it is published, "
            f"under the channel standards: {clauses}. No one has been told yet: followers "
            "are told when a moderator publishes it.",
            "info",
        )
    told = report.followers_told
    if told == 0:
        news = "No one follows this consultation yet, so no one was told."
    elif told == 1:
        news = "1 follower was told."
    else:
        news = f"{told:,} followers were told."
    return f"Announcement posted. {news}", "success"


@bp.route("/consultations/<int:consultation_id>/announcements", methods=["POST"])
@keeps_input
def announce(consultation_id: int):
    """Post an announcement on a consultation; followers are told."""
    consultation = load_consultation(consultation_id, Action.ANNOUNCE)
    form = AnnouncementForm(prefix="announcement")
    if accept(form):
        try:
            report = service.announce(consultation, current_user, form.title.data, form.body.data)
        except service.ConsultationError as error:
            db.session.rollback()
            add_form_error(form, str(error))
        else:
            db.session.commit()
            flash(*_announcement_news(report))
            return redirect(url_for("consultations.show", consultation_id=consultation.id), 303)
    return _show(consultation, refused_status(), announcement_form=form)


@bp.route("/consultations/<int:consultation_id>/follow", methods=["POST"])
def follow(consultation_id: int):
    """Follow or stop following a consultation."""
    consultation = load_consultation(consultation_id)
    if not current_user.is_authenticated:
        flash("Sign in to follow a consultation.", "info")
        return redirect(
            url_for("accounts.sign_in", next=url_for(".show", consultation_id=consultation_id))
        )
    if not can(current_user, Action.FOLLOW, consultation):
        abort(403)
    form = TransitionForm()
    wanted = form.action.data if accept(form) else None
    if wanted == "follow":
        service.follow(current_user, consultation)
        flash("You are following this consultation: you will be told of its news.", "success")
    elif wanted == "unfollow":
        service.unfollow(current_user, consultation)
        flash("You no longer follow this consultation.", "success")
    else:
        flash("Choose follow or stop following.", "error")
        return _show(consultation, 400)
    db.session.commit()
    return redirect(url_for("consultations.show", consultation_id=consultation.id), 303)


@bp.route("/consultations/<int:consultation_id>/outcome", methods=["GET", "POST"])
@keeps_input
def outcome(consultation_id: int):
    """Publish (or correct) the outcome of a closed consultation."""
    consultation = load_consultation(consultation_id, Action.PUBLISH_OUTCOME)
    existing = consultation.outcome
    form = OutcomeForm(obj=existing) if request.method == "GET" else OutcomeForm()
    if accept(form):
        try:
            service.publish_outcome(
                consultation,
                current_user,
                you_said=form.you_said.data,
                decision=form.decision.data,
                reasons=form.reasons.data,
                next_steps=form.next_steps.data,
            )
        except service.ConsultationError as error:
            db.session.rollback()
            add_form_error(form, str(error))
        else:
            db.session.commit()
            flash("The outcome is published. Followers have been told.", "success")
            return redirect(url_for("consultations.show", consultation_id=consultation.id), 303)
    status = refused_status() if request.method == "POST" else 200
    return render_template(
        "consultations/outcome.html", form=form, consultation=consultation
    ), status


# --- the council's areas ----------------------------------------------------------


def _areas_page(add_form: AreaForm, status: int = 200):
    return render_template(
        "consultations/areas.html",
        areas=service.list_areas(include_retired=True),
        kinds=list(AreaKind),
        add_form=add_form,
    ), status


@bp.route("/admin/areas", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_STANDARDS)
@keeps_input
def areas():
    """List and add the council's process and service areas."""
    form = AreaForm()
    if accept(form):
        try:
            area = service.add_area(AreaKind(form.kind.data), form.name.data)
        except service.ConsultationError as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Added {area.name}.", "success")
            return redirect(url_for("consultations.areas"), 303)
    status = refused_status() if request.method == "POST" else 200
    return _areas_page(form, status)


@bp.route("/admin/areas/<int:area_id>", methods=["POST"])
@permission_required(Permission.MANAGE_STANDARDS)
def change_area(area_id: int):
    """Rename, retire or restore an area."""
    area = db.get_or_404(Area, area_id)
    form = AreaChangeForm()
    action = form.action.data if accept(form) else None
    try:
        if action == "rename":
            service.rename_area(area, form.name.data or "")
        elif action in ("retire", "restore"):
            service.set_area_retired(area, action == "retire")
        else:
            raise service.AreaError("Choose rename, retire or restore.")
    except service.ConsultationError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _areas_page(AreaForm(formdata=None), 400)
    db.session.commit()
    flash(f"{area.name} is updated.", "success")
    return redirect(url_for("consultations.areas"), 303)
