"""Consultations: their lifecycle, areas, announcements, followers and outcomes."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the consultation pages and the scheduled-transition check."""
    from townhall.consultations.events import register_rooms
    from townhall.consultations.views import bp, check_schedule

    app.register_blueprint(bp)
    app.before_request(check_schedule)
    register_rooms()
    register_announcements_with_moderation()


def register_announcements_with_moderation() -> None:
    """Tell moderation how to load, show, hide and link an announcement."""
    from townhall.consultations.models import Announcement
    from townhall.consultations.permissions import can_read
    from townhall.consultations.service import announce_published
    from townhall.links import link_to
    from townhall.markup import render_markdown
    from townhall.moderation.registry import register_kind, text_model_kind

    register_kind(
        text_model_kind(
            "announcement",
            Announcement,
            label="announcement",
            link=lambda a: (
                link_to("consultations.show", consultation_id=a.consultation_id)
                + f"#announcement-{a.id}"
            ),
            render=render_markdown,
            place=lambda a: (a.consultation_id, a.consultation.title),
            published=announce_published,
            readable_by=lambda user, a: can_read(user, a.consultation),
        )
    )
