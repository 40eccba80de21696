"""Comment threads; comment, reply and react as the token's owner."""

from __future__ import annotations

from typing import Any

from townhall.api import represent
from townhall.api.core import acting_user, api_blueprint, needs
from townhall.api.cursors import make_cursor, read_cursor
from townhall.api.loaders import comment_for, consultation_for
from townhall.api.schemas import (
    CommentInputSchema,
    CommentQuerySchema,
    CommentSchema,
    ReactionInputSchema,
    ReactionResultSchema,
    ThreadPageSchema,
)
from townhall.api.tokens import Scope
from townhall.dialogue import service
from townhall.dialogue.models import ReactionKind
from townhall.extensions import db

blp = api_blueprint("dialogue", "Threaded comments, replies, reactions, official responses.")


@blp.route("/consultations/<int:consultation_id>/comments")
@blp.arguments(CommentQuerySchema, location="query")
@blp.response(200, ThreadPageSchema)
def list_comments(query: dict[str, Any], consultation_id: int):
    """List a page of whole threads (each root with all its replies)."""
    user = acting_user()
    consultation = consultation_for(user, consultation_id)
    sort = service.Sort(query.get("sort", service.DEFAULT_SORT.value))
    shown = {"consultation": consultation_id, "sort": sort.value}
    page_number = read_cursor(query.get("cursor"), "comments", shown)
    page = service.thread_page(consultation, user, sort=sort, page=page_number)
    beyond = page_number > page.pages
    return {
        "items": [] if beyond else [represent.comment(t) for t in page.threads],
        "total_threads": page.total_threads,
        "total_comments": page.total_comments,
        "next_cursor": make_cursor("comments", shown, page_number + 1)
        if page_number < page.pages
        else None,
    }


@blp.route("/consultations/<int:consultation_id>/comments", methods=["POST"])
@needs(Scope.WRITE)
@blp.arguments(CommentInputSchema)
@blp.response(201, CommentSchema)
def post_comment(data: dict[str, Any], consultation_id: int):
    """Post a comment, or a reply when `parent_id` is given (moderated as on the pages)."""
    user = acting_user()
    consultation = consultation_for(user, consultation_id)
    parent = None
    if data["parent_id"] is not None:
        parent = comment_for(consultation, data["parent_id"], "comment to reply to")
    comment = service.post_comment(
        consultation,
        user,
        data["body"],
        parent=parent,
        is_question=data["is_question"],
        official=data["official"],
    )
    db.session.commit()
    node = service.find_node(service.thread_of(comment, consultation, user), comment.id)
    assert node is not None
    return represent.comment(node), 201


@blp.route(
    "/consultations/<int:consultation_id>/comments/<int:comment_id>/reactions", methods=["POST"]
)
@needs(Scope.WRITE)
@blp.arguments(ReactionInputSchema)
@blp.response(200, ReactionResultSchema)
def react(data: dict[str, Any], consultation_id: int, comment_id: int):
    """Add your reaction of a kind to a comment, or take it back if it is there."""
    user = acting_user()
    consultation = consultation_for(user, consultation_id)
    comment = comment_for(consultation, comment_id)
    kind = ReactionKind(data["kind"])
    on = service.toggle_reaction(comment, user, kind)
    db.session.commit()
    return {"kind": kind.value, "on": on, "count": comment.count_of(kind)}
