"""Dialogue: threaded comments on consultations, reactions, official responses and the
response standard for questions (stage 3)."""

from __future__ import annotations

from flask import Flask

# Where the dialogue sits among the consultation page's sections (announcements and
# the consultation's own text come before; proposals and votes after).
SECTION_ORDER = 30


def init_app(app: Flask) -> None:
    """Register the dialogue's pages and its section of the consultation page."""
    from townhall.consultations.sections import Section, register_section
    from townhall.dialogue.views import bp, render_section

    app.register_blueprint(bp)
    register_section(Section(key="dialogue", order=SECTION_ORDER, render=render_section))
    register_comments_with_moderation()


def register_comments_with_moderation() -> None:
    """Tell moderation how to load, show, hide and link a comment (see its registry)."""
    from townhall.consultations.permissions import can_read
    from townhall.dialogue.models import Comment
    from townhall.dialogue.service import comment_link
    from townhall.markup import render_markdown
    from townhall.moderation.registry import register_kind, text_model_kind

    register_kind(
        text_model_kind(
            "comment",
            Comment,
            label="comment",
            link=comment_link,
            render=render_markdown,
            place=lambda c: (c.consultation_id, c.consultation.title),
            readable_by=lambda user, c: can_read(user, c.consultation),
            deleted=lambda c: c.is_deleted,
        )
    )
