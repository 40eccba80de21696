"""Load what a request names, as the pages do: what the reader may not see is 404.

These mirror the pages' loaders (`consultations.views.load_consultation`, ...), with
the token's owner in place of the signed-in person.
"""

from __future__ import annotations

from typing import Any

from townhall.api.problems import ApiProblem
from townhall.consultations.models import Consultation
from townhall.consultations.permissions import Action, refusal
from townhall.dialogue.models import Comment
from townhall.extensions import db
from townhall.proposals.models import Proposal, ProposalStatus, Vote
from townhall.proposals.permissions import Action as ProposalAction
from townhall.proposals.permissions import can as can_proposals

NOT_FOUND = "There is no such {what}, or you cannot see it."
# Ids are 32-bit integers on every database; a larger number names nothing.
MAX_ID = 2**31 - 1


def not_found(what: str) -> ApiProblem:
    """A 404 that says the same whether the thing is missing or hidden."""
    return ApiProblem(404, NOT_FOUND.format(what=what))


def get_by_id(model: type, object_id: int, what: str) -> Any:
    """The row with this id, or a 404 (also for ids too large to be stored)."""
    found = db.session.get(model, object_id) if 0 < object_id <= MAX_ID else None
    if found is None:
        raise not_found(what)
    return found


def consultation_for(user: Any, consultation_id: int, action: Action = Action.READ) -> Consultation:
    """The consultation, if `user` may read it (404) and do `action` (403, with why)."""
    consultation = get_by_id(Consultation, consultation_id, "consultation")
    if refusal(user, Action.READ, consultation):
        raise not_found("consultation")
    if action is not Action.READ:
        refused = refusal(user, action, consultation)
        if refused:
            raise ApiProblem(403, refused)
    return consultation


def proposal_for(user: Any, consultation: Consultation, proposal_id: int) -> Proposal:
    """A proposal of this consultation the reader may see (hidden ones only to officers)."""
    proposal = get_by_id(Proposal, proposal_id, "proposal")
    if proposal.consultation_id != consultation.id:
        raise not_found("proposal")
    if proposal.status is ProposalStatus.HIDDEN and not can_proposals(
        user, ProposalAction.RUN_VOTES, consultation
    ):
        raise not_found("proposal")
    return proposal


def comment_for(consultation: Consultation, comment_id: int, what: str = "comment") -> Comment:
    """A comment of this consultation."""
    comment = get_by_id(Comment, comment_id, what)
    if comment.consultation_id != consultation.id:
        raise not_found(what)
    return comment


def vote_for(user: Any, vote_id: int) -> Vote:
    """A vote in a consultation the reader may see."""
    vote = get_by_id(Vote, vote_id, "vote")
    if refusal(user, Action.READ, vote.consultation):
        raise not_found("vote")
    return vote
