"""The published channel standards, moderation figures (aggregates only), and flags."""

from __future__ import annotations

from typing import Any

from townhall.api.core import acting_user, api_blueprint, needs
from townhall.api.loaders import comment_for, consultation_for
from townhall.api.problems import ApiProblem
from townhall.api.schemas import FiguresSchema, FlagInputSchema, FlagResultSchema, StandardsSchema
from townhall.api.tokens import Scope
from townhall.extensions import db
from townhall.moderation import permissions
from townhall.moderation import service as moderation

blp = api_blueprint("moderation", "The channel standards, moderation figures and flags.")


@blp.route("/standards")
@blp.response(200, StandardsSchema)
def standards():
    """Show the council's published channel standards, clause by clause."""
    current = moderation.current_standards()
    return {
        "title": current.title,
        "clauses": [
            {
                "number": c.number,
                "title": c.title,
                "explanation": c.explanation,
                "action": c.action.value,
            }
            for c in current.clauses
        ],
    }


@blp.route("/moderation/figures")
@blp.response(200, FiguresSchema)
def figures():
    """Show moderation in aggregate: posts by decision and clause, times, appeals."""
    found = moderation.figures()
    return {
        "posts": found.posts,
        "by_state": found.by_state,
        "by_auto_action": found.by_auto_action,
        "by_clause": [
            {"number": number, "title": title, "posts": posts}
            for number, title, posts in found.by_clause
        ],
        "by_verdict": found.by_verdict,
        "median_minutes": found.median_minutes,
        "appeals": found.appeals,
        "appeals_decided": found.appeals_decided,
        "appeals_upheld": found.appeals_upheld,
    }


@blp.route("/consultations/<int:consultation_id>/comments/<int:comment_id>/flags", methods=["POST"])
@needs(Scope.WRITE)
@blp.arguments(FlagInputSchema)
@blp.response(201, FlagResultSchema)
def flag_comment(data: dict[str, Any], consultation_id: int, comment_id: int):
    """Flag a comment as breaking a clause of the standards; a moderator will look."""
    user = acting_user()
    consultation = consultation_for(user, consultation_id)
    comment = comment_for(consultation, comment_id)
    if not permissions.can(user, "flag"):
        raise ApiProblem(403, "Your account cannot flag posts just now.")
    moderation.flag_post("comment", comment.id, user, data["clause"], data["note"])
    db.session.commit()
    return {"flagged": True}, 201
