"""Model objects as the API shows them (the schemas in `schemas.py` describe these)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from townhall.consultations.models import Announcement, Area, Consultation, Outcome
from townhall.dialogue.service import CommentNode
from townhall.links import link_to
from townhall.proposals.models import Proposal, Vote
from townhall.proposals.votes import ballots_cast, current_result, vote_state


def area(a: Area) -> dict[str, Any]:
    return {"id": a.id, "kind": a.kind.value, "name": a.name}


def consultation(c: Consultation) -> dict[str, Any]:
    return {
        "id": c.id,
        "title": c.title,
        "summary": c.summary,
        "body": c.body,
        "body_html": c.body_html,
        "audience": c.audience.value,
        "status": c.status.value,
        "phases": [p.value for p in c.phases],
        "process_area": area(c.process_area),
        "service_area": area(c.service_area),
        "opens_at": c.opens_at,
        "closes_at": c.closes_at,
        "response_days": c.response_days,
        "location": (
            {"latitude": c.latitude, "longitude": c.longitude, "radius_m": c.radius_m}
            if c.has_location and c.radius_m is not None
            else None
        ),
        "url": link_to("consultations.show", consultation_id=c.id, external=True),
    }


def announcement(a: Announcement) -> dict[str, Any]:
    return {
        "id": a.id,
        "title": a.title,
        "body": a.body,
        "body_html": a.body_html,
        "created_at": a.created_at,
    }


def outcome(o: Outcome) -> dict[str, Any]:
    return {
        "you_said": o.you_said,
        "decision": o.decision,
        "reasons": o.reasons,
        "next_steps": o.next_steps,
        "body_html": o.body_html,
        "published_at": o.published_at,
    }


def comment(node: CommentNode) -> dict[str, Any]:
    """A comment and its replies; a deleted comment keeps its place but not its words."""
    c = node.comment
    deleted = c.is_deleted
    return {
        "id": c.id,
        "parent_id": c.parent_id,
        "depth": c.depth,
        "author": node.author_name,
        "body": "" if deleted else c.body,
        "body_html": "" if deleted else c.body_html,
        "is_question": c.is_question,
        "is_official": c.is_official,
        "answered_at": c.answered_at,
        "created_at": c.created_at,
        "edited_at": c.edited_at,
        "deleted": deleted,
        "reactions": {
            "agree": c.agree_count,
            "disagree": c.disagree_count,
            "helpful": c.helpful_count,
        },
        "replies": [comment(reply) for reply in node.replies],
    }


def proposal(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.id,
        "title": p.title,
        "body": p.body,
        "body_html": p.body_html,
        "cost": p.cost,
        "location": p.location,
        "position": (
            {"latitude": p.latitude, "longitude": p.longitude} if p.has_position else None
        ),
        "status": p.status.value,
        "supports": p.support_count,
        "created_at": p.created_at,
    }


def vote(v: Vote, now: datetime) -> dict[str, Any]:
    """A vote with its result: frozen once closed, the running tally where it is shown live.

    Reading a vote whose time has passed freezes its result, as the results page does;
    the caller commits.
    """
    state = vote_state(v, now)
    result = current_result(v, now)
    labels = {o.key: o.label for o in v.options}
    return {
        "id": v.id,
        "consultation_id": v.consultation_id,
        "title": v.title,
        "description": v.description,
        "method": v.method.value,
        "ballot_shape": v.method.ballot_shape,
        "seats": v.seats,
        "budget": v.budget,
        "opens_at": v.opens_at,
        "closes_at": v.closes_at,
        "state": state,
        "eligibility": v.eligibility.value,
        "live_tallies": v.live_tallies,
        "options": [
            {
                "id": o.id,
                "key": o.key,
                "label": o.label,
                "proposal_id": o.proposal_id,
                "cost": o.cost,
            }
            for o in v.options
        ],
        "ballots_cast": ballots_cast(v) if result is not None else None,
        "winners": [labels.get(k, k) for k in result["winners"]] if result else None,
        "result": result,
    }
