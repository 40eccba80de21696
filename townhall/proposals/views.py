"""Pages for proposals, supports, votes, ballots, receipts, results and open data.

Every form view shows the person's input again with the problem when it cannot be
accepted, with a 4xx status: a refused ballot keeps the choices that were made.
"""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup

from townhall.confirmation import Confirmation, confirmation_page, confirmed
from townhall.consultations.forms import to_local
from townhall.consultations.models import Consultation
from townhall.consultations.permissions import Action as ConsultationAction
from townhall.consultations.permissions import can as can_consultation
from townhall.consultations.permissions import can_read
from townhall.database import utcnow
from townhall.errors import render_error
from townhall.extensions import db
from townhall.form_handling import (
    accept,
    add_form_error,
    keeps_input,
    limit_form_posts,
    refused_status,
)
from townhall.moderation.service import ContentRejected, ModerationError, record_rejection
from townhall.proposals import export, service, votes
from townhall.proposals.errors import (
    BallotInvalid,
    NotAllowed,
    NotEligible,
    ProposalError,
    ProposalInvalid,
    VoteInvalid,
    VotingClosed,
    VotingNotOpen,
)
from townhall.proposals.forms import (
    ActionForm,
    HomeLocationForm,
    ProposalForm,
    ReceiptForm,
    ThresholdForm,
    VoteForm,
)
from townhall.proposals.models import Method, Proposal, ProposalStatus, Vote
from townhall.proposals.named_places import place_choices
from townhall.proposals.permissions import Action, can, refusal
from townhall.proposals.presentation import number, present
from townhall.wording import ngettext

bp = Blueprint("proposals", __name__)

# The status each refusal is answered with.
ERROR_STATUS: dict[type[ProposalError], int] = {
    ProposalInvalid: 400,
    VoteInvalid: 400,
    BallotInvalid: 400,
    NotAllowed: 403,
    NotEligible: 403,
    VotingNotOpen: 409,
    VotingClosed: 409,
}


def status_for(error: ProposalError) -> int:
    """The HTTP status for a refusal."""
    return ERROR_STATUS.get(type(error), 400)


# --- loading -------------------------------------------------------------------


def _consultation_or_404(consultation_id: int) -> Consultation:
    consultation = db.get_or_404(Consultation, consultation_id)
    if not can_read(current_user, consultation):
        abort(404)  # never reveal that a hidden consultation exists
    return consultation


def _proposal_or_404(proposal_id: int) -> Proposal:
    proposal = db.get_or_404(Proposal, proposal_id)
    if not can_read(current_user, proposal.consultation):
        abort(404)
    if proposal.status is ProposalStatus.HIDDEN and not (
        _runs(proposal.consultation) or _is_author(proposal)
    ):
        abort(404)
    return proposal


def _is_author(proposal: Proposal) -> bool:
    """Whether the signed-in person put `proposal` forward (they may see it while held)."""
    return current_user.is_authenticated and proposal.author_id == current_user.id


def _vote_or_404(vote_id: int) -> Vote:
    vote = db.get_or_404(Vote, vote_id)
    if not can_read(current_user, vote.consultation):
        abort(404)
    return vote


def _runs(consultation: Consultation) -> bool:
    return can(current_user, Action.RUN_VOTES, consultation)


def _require_runs(consultation: Consultation) -> None:
    if not current_user.is_authenticated:
        abort(401)
    if not _runs(consultation):
        abort(403)


# --- sections of the consultation page --------------------------------------------


def render_proposals_section(consultation: Consultation, user: Any) -> Markup | None:
    """Render the consultation page's proposals: the list, supports and the threshold."""
    if not consultation.uses_proposals:
        return None
    proposals = service.list_proposals(consultation)
    officer = can(user, Action.RUN_VOTES, consultation)
    threshold = service.support_threshold(consultation)
    return Markup(
        render_template(
            "proposals/_section.html",
            consultation=consultation,
            proposals=proposals,
            threshold=threshold,
            supported=service.supported_ids(user, [p.id for p in proposals]),
            propose_refusal=refusal(user, Action.PROPOSE, consultation),
            can_support=can(user, Action.SUPPORT, consultation),
            officer=officer,
            threshold_form=ThresholdForm(formdata=None, threshold=threshold),
            action_form=ActionForm(formdata=None),
        )
    )


def render_votes_section(consultation: Consultation, user: Any) -> Markup | None:
    """Render the consultation page's votes, with their state and links."""
    if not consultation.uses_voting:
        return None
    now = utcnow()
    listed = [(vote, votes.vote_state(vote, now)) for vote in votes.votes_for(consultation)]
    return Markup(
        render_template(
            "proposals/_votes_section.html",
            consultation=consultation,
            votes=listed,
            officer=can(user, Action.RUN_VOTES, consultation),
            can_set_up=votes.set_up_refusal(consultation) is None,
        )
    )


# --- proposals -----------------------------------------------------------------


@bp.route("/consultations/<int:consultation_id>/proposals/new", methods=["GET", "POST"])
@login_required
@keeps_input
def new_proposal(consultation_id: int):
    """Put a proposal forward."""
    consultation = _consultation_or_404(consultation_id)
    form = ProposalForm()
    form.set_places(place_choices())
    reason = refusal(current_user, Action.PROPOSE, consultation)
    if reason:
        add_form_error(form, reason)
        return render_template(
            "proposals/new.html", form=form, consultation=consultation, refused=True
        ), 403
    if accept(form):
        try:
            proposal = service.submit_proposal(consultation, current_user, form.details())
        except (ProposalError, ModerationError) as error:
            db.session.rollback()
            if isinstance(error, ContentRejected):
                record_rejection(error)  # the decision is kept and audited, not the post
                db.session.commit()
            add_form_error(form, str(error))
            status = error.status if isinstance(error, ModerationError) else status_for(error)
            return render_template(
                "proposals/new.html", form=form, consultation=consultation
            ), status
        db.session.commit()
        if proposal.status is ProposalStatus.HIDDEN:
            flash("Your proposal is held for a moderator to check before it is published.", "info")
            return redirect(url_for(".show_proposal", proposal_id=proposal.id), 303)
        flash("Your proposal is published. Ask others to support it.", "success")
        return redirect(url_for(".show_proposal", proposal_id=proposal.id), 303)
    status = refused_status() if request.method == "POST" else 200
    return render_template("proposals/new.html", form=form, consultation=consultation), status


@bp.route("/proposals/<int:proposal_id>")
def show_proposal(proposal_id: int):
    """Show a proposal and its supports."""
    proposal = _proposal_or_404(proposal_id)
    return render_template(
        "proposals/show.html",
        proposal=proposal,
        consultation=proposal.consultation,
        threshold=service.support_threshold(proposal.consultation),
        held=proposal.status is ProposalStatus.HIDDEN and service.is_held(proposal),
        supported=bool(service.supported_ids(current_user, [proposal.id])),
        support_refusal=refusal(current_user, Action.SUPPORT, proposal.consultation),
        action_form=ActionForm(formdata=None),
    )


@bp.route("/proposals/<int:proposal_id>/support", methods=["POST"])
@login_required
def support(proposal_id: int):
    """Support a proposal, or withdraw one's support."""
    proposal = _proposal_or_404(proposal_id)
    form = ActionForm()
    wanted = form.action.data if accept(form) else None
    back = request.form.get("next") == "consultation"
    target = (
        url_for("consultations.show", consultation_id=proposal.consultation_id) + "#proposals"
        if back
        else url_for(".show_proposal", proposal_id=proposal.id)
    )
    if wanted not in ("support", "withdraw"):
        flash("Choose support or withdraw.", "error")
        return redirect(target, 303)
    try:
        if wanted == "support":
            done = service.support_proposal(proposal, current_user)
            message = "You support this proposal." if done else "You already support it."
            if proposal.is_shortlisted and done:
                message += " It is shortlisted for the vote."
        else:
            service.withdraw_support(proposal, current_user)
            message = "You no longer support this proposal."
    except ProposalError as error:
        db.session.rollback()
        flash(str(error), "error")
        return render_template(
            "proposals/show.html",
            proposal=proposal,
            consultation=proposal.consultation,
            threshold=service.support_threshold(proposal.consultation),
            supported=bool(service.supported_ids(current_user, [proposal.id])),
            support_refusal=str(error),
            action_form=ActionForm(formdata=None),
        ), status_for(error)
    db.session.commit()
    flash(message, "success")
    return redirect(target, 303)


@bp.route("/consultations/<int:consultation_id>/proposals/threshold", methods=["POST"])
def set_threshold(consultation_id: int):
    """Set how many supports shortlist a proposal."""
    consultation = _consultation_or_404(consultation_id)
    _require_runs(consultation)
    form = ThresholdForm()
    if not accept(form):
        flash(" ".join(form.threshold.errors) or "Give a whole number of supports.", "error")
        return redirect(url_for("consultations.show", consultation_id=consultation.id), 303)
    try:
        shortlisted = service.set_support_threshold(consultation, form.threshold.data)
    except ProposalError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("consultations.show", consultation_id=consultation.id), 303)
    db.session.commit()
    message = ngettext(
        "Proposals need %(num)d support to be shortlisted.",
        "Proposals need %(num)d supports to be shortlisted.",
        form.threshold.data,
    )
    if shortlisted:
        message += " " + ngettext(
            "%(num)d proposal is shortlisted now.",
            "%(num)d proposals are shortlisted now.",
            len(shortlisted),
        )
    flash(message, "success")
    return redirect(
        url_for("consultations.show", consultation_id=consultation.id) + "#proposals", 303
    )


# --- setting up and closing votes ------------------------------------------------


@bp.route("/consultations/<int:consultation_id>/votes/new", methods=["GET", "POST"])
@keeps_input
def new_vote(consultation_id: int):
    """Set up a vote on shortlisted proposals or stated options."""
    consultation = _consultation_or_404(consultation_id)
    _require_runs(consultation)
    closed = votes.set_up_refusal(consultation)
    if closed:
        return render_error(409, closed)
    form = VoteForm()
    form.set_proposals(service.shortlisted_proposals(consultation))
    if request.method == "GET":
        form.proposal_ids.data = [choice.value for choice in form.proposal_ids.choices]
        form.opens_at.data = to_local(utcnow()).replace(second=0, microsecond=0)
        if consultation.closes_at:
            form.closes_at.data = to_local(consultation.closes_at).replace(second=0, microsecond=0)
    if accept(form):
        try:
            vote = votes.create_vote(consultation, current_user, form.details())
        except ProposalError as error:
            db.session.rollback()
            add_form_error(form, str(error))
            return render_template(
                "proposals/new_vote.html", form=form, consultation=consultation
            ), status_for(error)
        db.session.commit()
        flash("The vote is set up.", "success")
        return redirect(url_for(".show_vote", vote_id=vote.id), 303)
    status = refused_status() if request.method == "POST" else 200
    return render_template("proposals/new_vote.html", form=form, consultation=consultation), status


@bp.route("/votes/<int:vote_id>/close", methods=["POST"])
def close_vote(vote_id: int):
    """Close a vote now and count it."""
    vote = _vote_or_404(vote_id)
    _require_runs(vote.consultation)
    form = ActionForm()
    if not accept(form) or form.action.data != "close":
        flash("Use the Close the vote button.", "error")
        return redirect(url_for(".show_vote", vote_id=vote.id), 303)
    if votes.vote_state(vote, utcnow()) == "open" and not confirmed():
        return confirmation_page(
            Confirmation(
                heading=f"Close the vote “{vote.title}” now?",
                consequence="Closing the vote now ends voting for everyone and publishes "
                "the result. This cannot be undone.",
                button="Close the vote now",
                cancel_url=url_for(".show_vote", vote_id=vote.id),
                fields={"action": "close"},
            )
        )
    try:
        votes.close_vote(vote)
    except ProposalError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _vote_page(vote, status=status_for(error))
    db.session.commit()
    flash("The vote is closed and counted.", "success")
    return redirect(url_for(".results", vote_id=vote.id), 303)


# --- voting --------------------------------------------------------------------


def _read_ballot() -> votes.BallotInput:
    """The ballot as posted: every field read as text, checked by the service."""
    form = request.form
    return votes.BallotInput(
        ranking=form.getlist("rank"),
        approve=form.getlist("approve"),
        scores={k.removeprefix("score-"): v for k, v in form.items() if k.startswith("score-")},
        choice=form.get("choice"),
    )


def _vote_page(
    vote: Vote,
    *,
    status: int = 200,
    marks: votes.BallotInput | None = None,
    problem: str | None = None,
):
    now = utcnow()
    state = votes.vote_state(vote, now)
    error = votes.ballot_refusal(vote, current_user, now) if current_user.is_authenticated else None
    voted = votes.has_voted(vote, current_user)
    if marks is None and voted and state == "open":
        marks = votes.own_marks(vote, current_user)
    receipt = session.pop(f"receipt-{vote.id}", None)
    result = votes.current_result(vote, now) if state == "open" and vote.live_tallies else None
    cast = votes.ballots_cast(vote)
    if status == 200 and state == "closed" and vote.closed_at is None:
        votes.close_vote(vote, now)  # its time has passed: freeze the result now
        db.session.commit()
    return render_template(
        "proposals/vote.html",
        vote=vote,
        consultation=vote.consultation,
        state=state,
        refusal=str(error) if error else None,
        voted=voted,
        marks=marks or votes.BallotInput(),
        problem=problem,
        receipt=receipt,
        live=present(vote, result, running=True, ballots=cast) if result else None,
        ballots=cast,
        officer=_runs(vote.consultation),
        action_form=ActionForm(formdata=None),
        Method=Method,
        ordinal=ordinal,
        number=number,
    ), status


@bp.route("/votes/<int:vote_id>")
def show_vote(vote_id: int):
    """Show a vote: its options, the ballot form for those who may vote, and its state."""
    return _vote_page(_vote_or_404(vote_id))


@bp.route("/votes/<int:vote_id>/ballot", methods=["POST"])
@login_required
@keeps_input
def cast(vote_id: int):
    """Cast or change a ballot; the receipt is shown once."""
    vote = _vote_or_404(vote_id)
    given = _read_ballot()
    refused = g.get("form_refusal")  # set when the CSRF check refused the post
    if refused is not None:
        return _vote_page(vote, status=refused[1], marks=given, problem=refused[0])
    try:
        receipt = votes.cast_ballot(vote, current_user, given)
    except ProposalError as error:
        db.session.rollback()
        return _vote_page(vote, status=status_for(error), marks=given, problem=str(error))
    db.session.commit()
    session[f"receipt-{vote.id}"] = receipt.code
    flash("Your ballot is changed." if receipt.changed else "Your ballot is recorded.", "success")
    return redirect(url_for(".show_vote", vote_id=vote.id) + "#receipt", 303)


@bp.route("/votes/<int:vote_id>/receipt", methods=["GET", "POST"])
@limit_form_posts(lambda: current_app.config["RATELIMIT_RECEIPT_CHECK"], scope="receipt")
@keeps_input
def check_receipt(vote_id: int):
    """Check that a receipt code belongs to a ballot counted in this vote."""
    vote = _vote_or_404(vote_id)
    form = ReceiptForm()
    found = None
    checked = False
    if accept(form):
        checked = True
        found = votes.verify_receipt(vote, form.code.data)
    status = refused_status() if request.method == "POST" and not checked else 200
    if checked and found is None:
        status = 404
    return render_template(
        "proposals/receipt.html", vote=vote, form=form, checked=checked, found=found
    ), status


@bp.route("/votes/<int:vote_id>/results")
def results(vote_id: int):
    """Show a closed vote's result and how it was reached."""
    vote = _vote_or_404(vote_id)
    now = utcnow()
    if votes.vote_state(vote, now) != "closed":
        return render_template("proposals/not_counted.html", vote=vote), 409
    result = votes.close_vote(vote, now)
    db.session.commit()
    consultation = vote.consultation
    cast = votes.ballots_cast(vote)
    return render_template(
        "proposals/results.html",
        vote=vote,
        consultation=consultation,
        view=present(vote, result, ballots=cast),
        ballots=cast,
        can_publish=can_consultation(
            current_user, ConsultationAction.PUBLISH_OUTCOME, consultation
        ),
        can_manage=can_consultation(current_user, ConsultationAction.MANAGE, consultation),
        number=number,
    )


# --- open data -----------------------------------------------------------------


@bp.route("/consultations/<int:consultation_id>/open-data.json")
def open_data_json(consultation_id: int):
    """The consultation's proposals and vote results as JSON (aggregates only)."""
    consultation = _consultation_or_404(consultation_id)
    data = export.open_data(consultation)
    db.session.commit()  # results of votes whose time passed were frozen
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'inline; filename="consultation-{consultation.id}.json"'},
    )


@bp.route("/consultations/<int:consultation_id>/open-data/<table>.csv")
def open_data_csv(consultation_id: int, table: str):
    """One table of the open data (proposals, tallies or rounds) as CSV."""
    consultation = _consultation_or_404(consultation_id)
    if table not in export.CSV_TABLES:
        abort(404)
    text = export.csv_table(consultation, table)
    db.session.commit()
    filename = f"consultation-{consultation.id}-{table}.csv"
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- home location ---------------------------------------------------------------


@bp.route("/account/home-location", methods=["GET", "POST"])
@login_required
@keeps_input
def home_location():
    """Say where you live, for votes open to people in a consultation's area."""
    home = service.get_home_location(current_user)
    form = HomeLocationForm(obj=home) if request.method == "GET" else HomeLocationForm()
    if request.method == "POST" and request.form.get("action") == "forget":
        service.clear_home_location(current_user)
        db.session.commit()
        flash("Your home location is forgotten.", "success")
        return redirect(url_for(".home_location"), 303)
    if accept(form):
        try:
            service.set_home_location(
                current_user, float(form.latitude.data), float(form.longitude.data)
            )
        except ProposalError as error:
            db.session.rollback()
            add_form_error(form, str(error))
            return render_template("proposals/home_location.html", form=form, home=home), 400
        db.session.commit()
        flash("Your home location is saved. It counts for area votes that open from now on.",
              "success")  # fmt: skip
        return redirect(url_for(".home_location"), 303)
    status = refused_status() if request.method == "POST" else 200
    return render_template("proposals/home_location.html", form=form, home=home), status


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, ... 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
