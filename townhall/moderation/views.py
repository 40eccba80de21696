"""Pages of moderation: the published standards, flagging, the queue and its decisions,
sanctions, appeals, a person's own moderation page, and officers' figures.

Every view loads (404), checks permission (403), calls one service function,
commits, then redirects or renders; a refusal shows the form again with a 4xx.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from townhall.accounts.models import User
from townhall.accounts.permissions import Permission, permission_required
from townhall.database import parse_id
from townhall.extensions import db, limiter
from townhall.form_handling import accept, add_form_error, keeps_input, refused_status
from townhall.moderation import flags, permissions, service
from townhall.moderation.forms import (
    AppealDecisionForm,
    AppealForm,
    BulkForm,
    DecisionForm,
    FlagForm,
    SanctionForm,
)
from townhall.moderation.models import ModerationCase, SanctionKind, Verdict
from townhall.moderation.registry import UnknownContentKind, get_kind
from townhall.wording import ngettext

bp = Blueprint("moderation", __name__)


def _refuse(form, error: service.ModerationError) -> int:
    """Roll back, show the refusal on the form, and return its status."""
    db.session.rollback()
    add_form_error(form, str(error))
    return error.status


# --- the standards, for everyone --------------------------------------------------


@bp.route("/standards")
def standards():
    """Show the channel standards every post is held to."""
    return render_template("moderation/standards.html", standards=service.current_standards())


# --- flags ------------------------------------------------------------------------


def _flag_limit() -> str:
    return current_app.config["RATELIMIT_FLAG"]


def _flagger_key() -> str:
    # Per person, not per address: people behind one council wifi flag independently.
    return f"flagger:{current_user.get_id()}" if current_user.is_authenticated else "anonymous"


@bp.route("/moderation/flag/<kind>/<int:content_id>", methods=["GET", "POST"])
@login_required
@limiter.limit(
    _flag_limit,
    methods=["POST"],
    scope="flag",
    key_func=_flagger_key,
    exempt_when=lambda: g.get("form_refusal") is not None,
)
@keeps_input
def flag(kind: str, content_id: int):
    """Flag a post as breaking a clause of the standards; say so once it is flagged."""
    try:
        content_kind = get_kind(kind)
    except UnknownContentKind:
        abort(404)
    post = content_kind.load(content_id)
    if post is None or not content_kind.readable_by(current_user, post):
        abort(404)  # what this person may not read does not exist for them
    if not permissions.can(current_user, "flag"):
        abort(403)
    page = {"kind": content_kind, "post": post, "content_id": content_id}
    case = service.find_case(kind, content_id)
    if case is not None and not case.state.visible:
        # Hidden for a moderator already: nothing to quote (it is not published) or flag.
        status = 409 if request.method == "POST" else 200
        return render_template("moderation/flag.html", with_moderators=True, **page), status
    page["quote"] = content_kind.text(post)
    flagged = flags.flag_by(current_user, kind, content_id)
    if flagged is not None:
        refused = f"You have already flagged this {content_kind.label}. Thank you."
        posted = request.method == "POST"
        return render_template(
            "moderation/flag.html",
            flagged=flagged,
            clause=service.current_standards().find(flagged.clause),
            refused=refused if posted else None,
            **page,
        ), (409 if posted else 200)
    form = FlagForm(clauses=flags.clauses_to_flag(service.current_standards(), content_kind, post))
    status = refused_status() if request.method == "POST" else 200
    if accept(form):
        try:
            service.flag_post(
                kind, content_id, current_user, form.clause.data, form.note.data or ""
            )
        except service.ModerationError as error:
            status = _refuse(form, error)
        else:
            db.session.commit()
            flash(
                f"You flagged this {content_kind.label}. Thank you: a moderator will look at it.",
                "success",
            )
            return redirect(content_kind.link(post)), 303
    return render_template("moderation/flag.html", form=form, **page), status


# --- the queue --------------------------------------------------------------------


def _page_arg() -> int:
    value = request.args.get("page", "")
    page = parse_id(value)
    return page if page is not None and page < 1_000_000 else 1


def _queue_page(bulk_form: BulkForm | None = None, status: int = 200):
    page = _page_arg()
    items, total = service.queue(page)
    return render_template(
        "moderation/queue.html",
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // service.QUEUE_PAGE)),
        appeals=service.pending_appeals(),
        bulk_form=bulk_form or BulkForm(formdata=None),
    ), status


@bp.route("/moderation")
@permission_required(Permission.MODERATE)
def queue():
    """List the posts waiting for a moderator, oldest first, and pending appeals."""
    return _queue_page()


@bp.route("/moderation/bulk", methods=["POST"])
@permission_required(Permission.MODERATE)
def bulk():
    """Approve or reject several queued posts at once."""
    form = BulkForm()
    if not accept(form):
        return _queue_page(form, refused_status())
    try:
        result = service.decide_cases(
            form.cases.data,
            current_user,
            Verdict(form.verdict.data),
            clause_number=form.clause.data or None,
        )
    except service.ModerationError as error:
        return _queue_page(form, _refuse(form, error))
    db.session.commit()
    flash(ngettext("Decided %(num)d post.", "Decided %(num)d posts.", result.decided), "success")
    for reason in result.skipped:
        flash(reason, "error")
    return redirect(url_for("moderation.queue")), 303


def _case_or_404(case_id: int):
    try:
        return service.get_case(case_id)
    except service.ContentNotFound:
        abort(404)


def _case_page(case, form: DecisionForm, status: int = 200):
    kind = get_kind(case.kind)
    post = service.load_post(case)
    return render_template(
        "moderation/case.html",
        case=case,
        kind=kind,
        link=kind.link(post) if post is not None else None,
        segments=service.highlight(case.original_text, case.matches),
        flags=service.flags_of(case),
        decisions=service.decisions_of(case),
        form=form,
        sanction_url=url_for("moderation.sanction", user_id=case.author_id, case=case.id)
        if case.author_id
        else None,
    ), status


@bp.route("/moderation/cases/<int:case_id>", methods=["GET", "POST"])
@permission_required(Permission.MODERATE)
@keeps_input
def case(case_id: int):
    """Show one post in moderation and decide it: approve, redact and approve, or reject."""
    case = _case_or_404(case_id)
    form = DecisionForm()
    status = refused_status() if request.method == "POST" else 200
    if accept(form):
        try:
            service.decide_case(
                case,
                current_user,
                Verdict(form.verdict.data),
                clause_number=form.clause.data or None,
                note=form.note.data or "",
                remove_text=(form.remove_text.data or "").splitlines(),
            )
        except service.ModerationError as error:
            status = _refuse(form, error)
            case = _case_or_404(case_id)
        else:
            db.session.commit()
            flash("Decided. The author has been told.", "success")
            return redirect(url_for("moderation.queue")), 303
    return _case_page(case, form, status)


# --- sanctions --------------------------------------------------------------------


@bp.route("/moderation/people/<int:user_id>/sanction", methods=["GET", "POST"])
@permission_required(Permission.MODERATE)
@keeps_input
def sanction(user_id: int):
    """Warn, mute or suspend a person, citing a clause."""
    person = db.get_or_404(User, user_id)
    form = SanctionForm()
    status = refused_status() if request.method == "POST" else 200
    case_id = parse_id(request.args.get("case"))
    linked = db.session.get(ModerationCase, case_id) if case_id is not None else None
    if accept(form):
        try:
            service.sanction_user(
                person,
                current_user,
                SanctionKind(form.kind.data),
                form.clause.data,
                form.reason.data or "",
                hours=form.hours.data,
                case=linked,
            )
        except service.ModerationError as error:
            status = _refuse(form, error)
        else:
            db.session.commit()
            flash(f"{person.display_name} has been told of the sanction.", "success")
            return redirect(url_for("moderation.queue")), 303
    return render_template("moderation/sanction.html", person=person, form=form), status


# --- appeals ----------------------------------------------------------------------


@bp.route("/moderation/appeals/<int:appeal_id>", methods=["GET", "POST"])
@permission_required(Permission.MODERATE)
@keeps_input
def appeal(appeal_id: int):
    """Show an appeal and decide it (a different moderator from the one who decided)."""
    try:
        appeal = service.get_appeal(appeal_id)
    except service.ContentNotFound:
        abort(404)
    form = AppealDecisionForm()
    status = refused_status() if request.method == "POST" else 200
    if accept(form):
        try:
            service.decide_appeal(
                appeal, current_user, form.outcome.data == "uphold", form.answer.data
            )
        except service.ModerationError as error:
            status = _refuse(form, error)
            appeal = service.get_appeal(appeal_id)
        else:
            db.session.commit()
            flash("Appeal decided. The person has been told.", "success")
            return redirect(url_for("moderation.queue")), 303
    return render_template(
        "moderation/appeal.html",
        appeal=appeal,
        under_appeal=service.decision_under_appeal(appeal),
        form=form,
    ), status


def _my_page(form: AppealForm | None = None, status: int = 200, target: str | None = None):
    return render_template(
        "moderation/mine.html",
        record=service.person_record(current_user),
        form=form or AppealForm(formdata=None),
        target=target,
    ), status


@bp.route("/moderation/mine")
@login_required
def my_moderation():
    """Show the signed-in person the decisions on their posts, their sanctions and appeals."""
    return _my_page()


@bp.route("/moderation/mine/cases/<int:case_id>/appeal", methods=["POST"])
@login_required
@keeps_input
def appeal_case(case_id: int):
    """Appeal a decision on one's own post (once)."""
    case = _case_or_404(case_id)
    if case.author_id != current_user.id:
        abort(404)
    form = AppealForm()
    if accept(form):
        try:
            service.appeal_case(case, current_user, form.reason.data)
        except service.ModerationError as error:
            return _my_page(form, _refuse(form, error), f"case-{case_id}")
        db.session.commit()
        flash("Your appeal has been sent. A different moderator will decide it.", "success")
        return redirect(url_for("moderation.my_moderation")), 303
    return _my_page(form, refused_status(), f"case-{case_id}")


@bp.route("/moderation/mine/sanctions/<int:sanction_id>/appeal", methods=["POST"])
@login_required
@keeps_input
def appeal_sanction(sanction_id: int):
    """Appeal a sanction on oneself (once)."""
    try:
        sanction = service.get_sanction(sanction_id)
    except service.ContentNotFound:
        abort(404)
    if sanction.user_id != current_user.id:
        abort(404)
    form = AppealForm()
    if accept(form):
        try:
            service.appeal_sanction(sanction, current_user, form.reason.data)
        except service.ModerationError as error:
            return _my_page(form, _refuse(form, error), f"sanction-{sanction_id}")
        db.session.commit()
        flash("Your appeal has been sent. A different moderator will decide it.", "success")
        return redirect(url_for("moderation.my_moderation")), 303
    return _my_page(form, refused_status(), f"sanction-{sanction_id}")


# --- figures ----------------------------------------------------------------------


@bp.route("/moderation/figures")
@login_required
def figures():
    """Show officers and moderators the moderation figures, overall and per consultation."""
    if not permissions.can(current_user, "read_figures"):
        abort(403)
    return render_template(
        "moderation/figures.html",
        overall=service.figures(),
        consultations=service.figures_by_consultation(),
        standards=service.current_standards(),
    )
