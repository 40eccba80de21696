"""Proposals, supports, votes, ballots and results; officers set up and close votes."""

from __future__ import annotations

from typing import Any

from townhall.api import represent
from townhall.api.core import acting_user, api_blueprint, needs
from townhall.api.loaders import consultation_for, proposal_for, vote_for
from townhall.api.problems import ApiProblem
from townhall.api.schemas import (
    BallotInputSchema,
    ProposalListSchema,
    ProposalSchema,
    ReceiptSchema,
    SupportResultSchema,
    VoteInputSchema,
    VoteListSchema,
    VoteSchema,
)
from townhall.api.tokens import Scope
from townhall.database import utcnow
from townhall.extensions import db
from townhall.proposals import service, votes
from townhall.proposals.models import Eligibility, Method
from townhall.proposals.permissions import Action, refusal

blp = api_blueprint("proposals", "Proposals and supports, votes, ballots and results.")


@blp.route("/consultations/<int:consultation_id>/proposals")
@blp.response(200, ProposalListSchema)
def list_proposals(consultation_id: int):
    """List a consultation's proposals: shortlisted first, then by supports."""
    consultation = consultation_for(acting_user(), consultation_id)
    return {
        "items": [represent.proposal(p) for p in service.list_proposals(consultation)],
        "support_threshold": service.support_threshold(consultation),
    }


@blp.route("/consultations/<int:consultation_id>/proposals/<int:proposal_id>")
@blp.response(200, ProposalSchema)
def get_proposal(consultation_id: int, proposal_id: int):
    """Show one proposal."""
    user = acting_user()
    consultation = consultation_for(user, consultation_id)
    return represent.proposal(proposal_for(user, consultation, proposal_id))


def _support(consultation_id: int, proposal_id: int, on: bool) -> dict[str, Any]:
    user = acting_user()
    consultation = consultation_for(user, consultation_id)
    proposal = proposal_for(user, consultation, proposal_id)
    if on:
        service.support_proposal(proposal, user)
    else:
        service.withdraw_support(proposal, user)
    db.session.commit()
    return {"supported": on, "supports": proposal.support_count}


@blp.route(
    "/consultations/<int:consultation_id>/proposals/<int:proposal_id>/support", methods=["PUT"]
)
@needs(Scope.WRITE)
@blp.response(200, SupportResultSchema)
def support(consultation_id: int, proposal_id: int):
    """Support a proposal (supporting twice is harmless)."""
    return _support(consultation_id, proposal_id, True)


@blp.route(
    "/consultations/<int:consultation_id>/proposals/<int:proposal_id>/support",
    methods=["DELETE"],
)
@needs(Scope.WRITE)
@blp.response(200, SupportResultSchema)
def withdraw_support(consultation_id: int, proposal_id: int):
    """Withdraw your support from a proposal."""
    return _support(consultation_id, proposal_id, False)


@blp.route("/consultations/<int:consultation_id>/votes")
@blp.response(200, VoteListSchema)
def list_votes(consultation_id: int):
    """List a consultation's votes with results once closed (or running tallies where shown)."""
    consultation = consultation_for(acting_user(), consultation_id)
    now = utcnow()
    items = [represent.vote(v, now) for v in votes.votes_for(consultation)]
    db.session.commit()  # results of votes whose time has passed were frozen
    return {"items": items}


@blp.route("/votes/<int:vote_id>")
@blp.response(200, VoteSchema)
def get_vote(vote_id: int):
    """Show a vote, with its result once closed (or its running tally where shown)."""
    vote = vote_for(acting_user(), vote_id)
    data = represent.vote(vote, utcnow())
    db.session.commit()
    return data


@blp.route("/consultations/<int:consultation_id>/votes", methods=["POST"])
@needs(Scope.OFFICER)
@blp.arguments(VoteInputSchema)
@blp.response(201, VoteSchema)
def create_vote(data: dict[str, Any], consultation_id: int):
    """Set up a vote on shortlisted proposals or stated options (officers)."""
    user = acting_user()
    consultation = consultation_for(user, consultation_id)
    details = votes.VoteDetails(
        **{
            **data,
            "method": Method(data["method"]),
            "eligibility": Eligibility(data["eligibility"]),
            "stated_options": [(o["label"], o["cost"]) for o in data["stated_options"]],
        }
    )
    vote = votes.create_vote(consultation, user, details)
    db.session.commit()
    return represent.vote(vote, utcnow()), 201


@blp.route("/votes/<int:vote_id>/close", methods=["POST"])
@needs(Scope.OFFICER)
@blp.response(200, VoteSchema)
def close_vote(vote_id: int):
    """Close a vote now and count it (officers)."""
    user = acting_user()
    vote = vote_for(user, vote_id)
    refused = refusal(user, Action.RUN_VOTES, vote.consultation)
    if refused:
        raise ApiProblem(403, refused)
    votes.close_vote(vote)
    db.session.commit()
    return represent.vote(vote, utcnow())


@blp.route("/votes/<int:vote_id>/ballot", methods=["PUT"])
@needs(Scope.WRITE)
@blp.arguments(BallotInputSchema)
@blp.response(200, ReceiptSchema)
def cast_ballot(data: dict[str, Any], vote_id: int):
    """Cast your ballot, or change it while the vote is open; returns a new receipt."""
    user = acting_user()
    vote = vote_for(user, vote_id)
    given = votes.BallotInput(
        ranking=[str(i) for i in data.get("ranking", [])],
        approve=[str(i) for i in data.get("approve", [])],
        scores={k: str(v) for k, v in data.get("scores", {}).items()},
        choice=str(data["choice"]) if "choice" in data else None,
    )
    receipt = votes.cast_ballot(vote, user, given)
    db.session.commit()
    return {"receipt": receipt.code, "changed": receipt.changed}
