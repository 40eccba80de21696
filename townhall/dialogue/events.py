"""The dialogue's live events: what the consultation's room is told when comments
and their reactions change.

Events carry ids, the comment's address and public counts only; each reader's page
fetches the comment's HTML over HTTP with its own session, so it shows what that
reader may see and do (edit, delete, react).
"""

from __future__ import annotations

from townhall.dialogue.models import Comment, ReactionKind
from townhall.live import publish, publish_coalesced


def _room(comment: Comment) -> str:
    return f"consultation:{comment.consultation_id}"


def publish_comment(event: str, comment: Comment) -> None:
    """Tell the consultation's room that `comment` was posted, edited or deleted."""
    from townhall.dialogue.service import comment_link

    publish(
        _room(comment),
        event,
        {
            "consultation_id": comment.consultation_id,
            "comment_id": comment.id,
            "parent_id": comment.parent_id,
            "root_id": comment.root_id,
            "url": comment_link(comment).split("#")[0],
        },
    )


def reaction_counts(comment_id: int) -> dict[str, object]:
    """The comment's reaction counts as they are now (read when the message is sent)."""
    from townhall.extensions import db

    comment = db.session.get(Comment, comment_id)
    counts = {kind.value: comment.count_of(kind) if comment else 0 for kind in ReactionKind}
    return {
        "comment_id": comment_id,
        "counts": counts,
        "labels": {kind.value: kind.label for kind in ReactionKind},
    }


def publish_reactions(comment: Comment) -> None:
    """Tell the room the comment's reaction counts changed: coalesced, newest last."""
    comment_id = comment.id
    publish_coalesced(
        _room(comment),
        f"reactions:{comment_id}",
        "reactions_changed",
        lambda: reaction_counts(comment_id),
    )
