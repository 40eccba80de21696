"""Pages and actions of the dialogue: posting, replying, editing, deleting, reacting,
official responses, a thread's own page, edit history and overdue questions.

Every form view shows the person's text again with the problem when it cannot be
posted, with a 4xx status: nothing typed is ever lost.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup

from townhall.accounts.permissions import Permission, permission_required
from townhall.consultations.models import Consultation
from townhall.consultations.permissions import can_read
from townhall.database import parse_id, utcnow
from townhall.dialogue import permissions, service
from townhall.dialogue.forms import CommentForm, ConfirmForm, EditForm, OfficialForm, ReactionForm
from townhall.dialogue.models import Comment, ReactionKind
from townhall.errors import render_error
from townhall.extensions import db
from townhall.form_handling import accept, add_form_error, keeps_input, refused_status
from townhall.links import on_site_path

bp = Blueprint("dialogue", __name__)

# Form prefix, so the comment form's field ids never clash with others on a page.
COMMENT_PREFIX = "comment"
# Said instead of "posted" when the standards hold a post for a moderator.
HELD_NOTICE = (
    "Your {what} is held for a moderator to check against the channel standards before "
    "others can read it. You will be told when it is decided."
)
SORT_ARG, PAGE_ARG = "comment_sort", "comment_page"
SECTION_TEMPLATE = "dialogue/_section.html"

# The status each refusal is answered with.
ERROR_STATUS: dict[type[service.DialogueError], int] = {
    service.CommentInvalid: 400,
    service.ReplyOutsideConsultation: 400,
    service.NotAllowed: 403,
    service.CommentNotEditable: 403,
    service.CommentNotDeletable: 403,
    service.ReactionNotAllowed: 403,
    service.CommentNotFound: 404,
    service.ReplyToDeletedComment: 409,
}


def status_for(error: service.DialogueError) -> int:
    """The HTTP status for a refusal: 401 when signing in would help."""
    if not current_user.is_authenticated:
        return 401
    for cls in type(error).__mro__:
        if cls in ERROR_STATUS:
            return ERROR_STATUS[cls]
    return 400


def _refusal_status() -> int:
    """401 when signing in would help, else 403."""
    return 401 if not current_user.is_authenticated else 403


def _put_on_form(form: CommentForm | EditForm, error: service.DialogueError) -> int:
    """Show a refusal on the form (beside the text when the text is the problem)."""
    db.session.rollback()
    if isinstance(error, service.CommentInvalid):
        form.body.errors = [*form.body.errors, str(error)]
    else:
        add_form_error(form, str(error))
    return status_for(error)


def _consultation_or_404(consultation_id: int) -> Consultation:
    consultation = db.get_or_404(Consultation, consultation_id)
    # A consultation this person may not read does not exist for them.
    if not can_read(current_user, consultation) or not consultation.uses_dialogue:
        abort(404)
    return consultation


def _comment_or_404(consultation: Consultation, comment_id: int) -> Comment:
    try:
        return service.get_comment(consultation, comment_id)
    except service.CommentNotFound:
        abort(404)


def _parent_for(raw: str | None) -> Comment | None:
    """The comment a reply form names, or None for a new thread."""
    if not raw:
        return None
    parent_id = parse_id(raw)
    if parent_id is None:
        raise service.CommentNotFound("The comment you replied to could not be found.")
    parent = db.session.get(Comment, parent_id)
    if parent is None:
        raise service.CommentNotFound("The comment you replied to could not be found.")
    return parent


def _parent_node(parent: Comment | None, consultation: Consultation) -> service.CommentNode | None:
    """The parent to quote above a reply form (only one from this consultation)."""
    if parent is None or parent.consultation_id != consultation.id:
        return None
    return service.find_node(service.thread_of(parent, consultation, current_user), parent.id)


# --- the section on the consultation page ----------------------------------------


def _sort_from(value: str | None) -> service.Sort:
    try:
        return service.Sort(value) if value else service.DEFAULT_SORT
    except ValueError:
        return service.DEFAULT_SORT


def _page_from(value: str | None) -> int:
    page = parse_id(value)
    return page if page is not None and page < 1_000_000 else 1


def section_context(consultation: Consultation, user: Any) -> dict[str, Any]:
    """Load what the dialogue section shows (a page of threads, the form, the standard)."""
    sort = _sort_from(request.args.get(SORT_ARG))
    threads = service.thread_page(
        consultation, user, sort=sort, page=_page_from(request.args.get(PAGE_ARG))
    )
    endpoint, view_args = request.endpoint or "", dict(request.view_args or {})

    def page_url(sort: service.Sort, page: int) -> str:
        return url_for(endpoint, **view_args, **{SORT_ARG: sort.value, PAGE_ARG: page})

    officer = permissions.official_refusal(user, consultation) is None
    return {
        "consultation": consultation,
        "threads": threads,
        "sorts": list(service.Sort),
        "kinds": list(ReactionKind),
        "page_url": page_url,
        "form": CommentForm(formdata=None, prefix=COMMENT_PREFIX),
        "refusal": permissions.take_part_refusal(user, consultation),
        "officer": officer,
        "overdue": service.overdue_count(consultation) if officer else 0,
        "here": request.full_path.rstrip("?"),
    }


def render_section(consultation: Consultation, user: Any) -> Markup | None:
    """Render the consultation page's dialogue: the comment form and a page of threads."""
    if not consultation.uses_dialogue:
        return None
    return Markup(render_template(SECTION_TEMPLATE, **section_context(consultation, user)))


# --- writing ---------------------------------------------------------------------


def _write_page(
    consultation: Consultation,
    form: CommentForm,
    parent: service.CommentNode | None,
    status: int,
    refusal: str | None = None,
):
    if form.parent_id.data:
        form.body.label.text = "Your reply"
    return render_template(
        "dialogue/write.html",
        consultation=consultation,
        form=form,
        parent=parent,
        refusal=refusal,
        officer=permissions.official_refusal(current_user, consultation) is None,
    ), status


@bp.route("/consultations/<int:consultation_id>/comments", methods=["GET", "POST"])
@keeps_input
def write(consultation_id: int):
    """Post a comment or a reply; a problem shows the form again with the text kept."""
    consultation = _consultation_or_404(consultation_id)
    form = CommentForm(prefix=COMMENT_PREFIX)
    parent: Comment | None = None
    if request.method == "GET":
        refusal = permissions.take_part_refusal(current_user, consultation)
        return _write_page(consultation, form, None, 200, refusal)
    status = refused_status()
    try:
        parent = _parent_for(form.parent_id.data)
    except service.CommentNotFound as error:
        add_form_error(form, str(error))
        return _write_page(consultation, form, None, 404)
    if accept(form):
        try:
            comment = service.post_comment(
                consultation,
                current_user,
                form.body.data,
                parent=parent,
                is_question=form.is_question.data,
                official=form.official.data,
            )
        except service.DialogueError as error:
            status = _put_on_form(form, error)
        else:
            db.session.commit()
            what = "reply" if parent else "comment"
            if service.is_held(comment):
                flash(HELD_NOTICE.format(what=what), "info")
            else:
                flash(f"Your {what} has been posted.", "success")
            return redirect(service.comment_link(comment))
    return _write_page(consultation, form, _parent_node(parent, consultation), status)


@bp.route("/consultations/<int:consultation_id>/comments/<int:comment_id>/reply")
def reply(consultation_id: int, comment_id: int):
    """Show the form to reply to a comment, with the comment above it."""
    consultation = _consultation_or_404(consultation_id)
    parent = _comment_or_404(consultation, comment_id)
    late_answer = permissions.may_answer_after_close(current_user, consultation, parent)
    form = CommentForm(
        formdata=None, prefix=COMMENT_PREFIX, parent_id=str(parent.id), official=late_answer
    )
    refusal = permissions.reply_refusal(current_user, consultation, parent, official=True)
    status = 200
    if refusal is None and parent.is_deleted:
        refusal, status = "This comment has been deleted, so it cannot take replies.", 409
    elif refusal is not None:
        status = _refusal_status()
    return _write_page(consultation, form, _parent_node(parent, consultation), status, refusal)


@bp.route(
    "/consultations/<int:consultation_id>/comments/<int:comment_id>/edit", methods=["GET", "POST"]
)
@keeps_input
def edit(consultation_id: int, comment_id: int):
    """Edit one's own comment within the edit window; the old wording is kept."""
    consultation = _consultation_or_404(consultation_id)
    comment = _comment_or_404(consultation, comment_id)
    if request.method == "GET":
        form = EditForm(obj=comment)
        # The author's own words, never the notice others read while it is held.
        form.body.data = service.words_of(comment)
        refusal = permissions.edit_refusal(current_user, comment, consultation, utcnow())
        return _edit_page(
            consultation, comment, form, refusal, _refusal_status() if refusal else 200
        )
    form = EditForm()
    status = refused_status()
    if accept(form):
        try:
            service.edit_comment(
                comment, current_user, form.body.data, is_question=form.is_question.data
            )
        except service.DialogueError as error:
            status = _put_on_form(form, error)
        else:
            db.session.commit()
            if service.is_held(comment):
                flash(HELD_NOTICE.format(what="edited comment"), "info")
            else:
                flash("Your comment has been updated.", "success")
            return redirect(service.comment_link(comment))
    return _edit_page(consultation, comment, form, None, status)


def _edit_page(
    consultation: Consultation, comment: Comment, form: EditForm, refusal: str | None, status: int
):
    minutes = int(permissions.EDIT_WINDOW.total_seconds() // 60)
    return render_template(
        "dialogue/edit.html",
        consultation=consultation,
        comment=comment,
        form=form,
        refusal=refusal,
        minutes=minutes,
    ), status


@bp.route(
    "/consultations/<int:consultation_id>/comments/<int:comment_id>/delete",
    methods=["GET", "POST"],
)
@keeps_input
def delete(consultation_id: int, comment_id: int):
    """Delete a comment after confirming; it stays in its thread as "[deleted]"."""
    consultation = _consultation_or_404(consultation_id)
    comment = _comment_or_404(consultation, comment_id)
    form = ConfirmForm()
    status = 200
    refusal = permissions.delete_refusal(current_user, comment)
    if request.method == "POST":
        status = refused_status()
        if accept(form):
            try:
                service.delete_comment(comment, current_user)
            except service.DialogueError as error:
                db.session.rollback()
                add_form_error(form, str(error))
                status = status_for(error)
                refusal = str(error)
            else:
                db.session.commit()
                flash("The comment has been deleted.", "success")
                return redirect(service.comment_link(comment))
    elif refusal:
        status = _refusal_status()
    node = service.find_node(service.thread_of(comment, consultation, current_user), comment.id)
    return render_template(
        "dialogue/delete.html",
        consultation=consultation,
        node=node,
        form=form,
        refusal=refusal,
    ), status


# --- reacting and official responses -------------------------------------------


@bp.route(
    "/consultations/<int:consultation_id>/comments/<int:comment_id>/reactions", methods=["POST"]
)
def react(consultation_id: int, comment_id: int):
    """Turn one of one's reactions to a comment on or off."""
    consultation = _consultation_or_404(consultation_id)
    comment = _comment_or_404(consultation, comment_id)
    form = ReactionForm()
    # dialogue.js asks for JSON to update the button in place; forms get a page.
    wants_json = request.accept_mimetypes.best == "application/json"
    if not accept(form):
        return _reaction_refused(400, "Choose agree, disagree or helpful.", wants_json)
    kind = ReactionKind(form.kind.data)
    try:
        on = service.toggle_reaction(comment, current_user, kind)
    except service.DialogueError as error:
        db.session.rollback()
        return _reaction_refused(status_for(error), str(error), wants_json)
    db.session.commit()
    message = f"You reacted “{kind.label}”." if on else f"You took back your “{kind.label}”."
    if wants_json:
        return jsonify(on=on, kind=kind.value, count=comment.count_of(kind), message=message)
    flash(message, "success")
    target = on_site_path(request.form.get("next")) or service.comment_link(comment)
    return redirect(target.split("#")[0] + f"#comment-{comment.id}")


def _reaction_refused(status: int, message: str, wants_json: bool):
    if wants_json:
        return jsonify(error=message), status
    return render_error(status, message)


@bp.route(
    "/consultations/<int:consultation_id>/comments/<int:comment_id>/official", methods=["POST"]
)
def mark_official(consultation_id: int, comment_id: int):
    """Mark an officer's comment as the council's official response, or unmark it."""
    consultation = _consultation_or_404(consultation_id)
    comment = _comment_or_404(consultation, comment_id)
    form = OfficialForm()
    if not accept(form):
        return render_error(400, "Choose whether to mark or unmark the official response.")
    official = form.official.data == "1"
    try:
        service.set_official(comment, current_user, official)
    except service.DialogueError as error:
        db.session.rollback()
        return render_error(status_for(error), str(error))
    db.session.commit()
    flash(
        "Marked as the council's official response."
        if official
        else "No longer marked as an official response.",
        "success",
    )
    return redirect(service.comment_link(comment))


# --- reading ---------------------------------------------------------------------


@bp.route("/consultations/<int:consultation_id>/comments/<int:comment_id>")
def thread(consultation_id: int, comment_id: int):
    """Show the whole thread a comment belongs to."""
    consultation = _consultation_or_404(consultation_id)
    comment = _comment_or_404(consultation, comment_id)
    root = service.thread_of(comment, consultation, current_user)
    return render_template(
        "dialogue/thread.html",
        consultation=consultation,
        thread=root,
        kinds=list(ReactionKind),
        here=request.full_path.rstrip("?"),
    )


@bp.route("/consultations/<int:consultation_id>/comments/<int:comment_id>/history")
def history(consultation_id: int, comment_id: int):
    """Show a comment's earlier wordings."""
    consultation = _consultation_or_404(consultation_id)
    comment = _comment_or_404(consultation, comment_id)
    if comment.is_deleted:
        abort(404)
    return render_template(
        "dialogue/history.html",
        consultation=consultation,
        comment=comment,
        revisions=service.revisions_of(comment),
    )


@bp.route("/consultations/<int:consultation_id>/overdue-questions")
def consultation_overdue(consultation_id: int):
    """List this consultation's questions past the response standard (officers)."""
    consultation = _consultation_or_404(consultation_id)
    refusal = permissions.official_refusal(current_user, consultation)
    if refusal:
        if not current_user.is_authenticated:
            from townhall.extensions import login_manager

            return login_manager.unauthorized()
        abort(403)
    return render_template(
        "dialogue/overdue.html",
        consultation=consultation,
        questions=service.overdue_questions(consultation=consultation),
    )


@bp.route("/officer/overdue-questions")
@permission_required(Permission.RUN_CONSULTATIONS)
def overdue_questions():
    """List every question past its consultation's response standard (officers)."""
    return render_template(
        "dialogue/overdue.html",
        consultation=None,
        questions=service.overdue_questions(),
    )
