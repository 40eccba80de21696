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
