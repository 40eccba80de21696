"""Notifications: what a person is told in the app and by email, and how they want it."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the notification pages."""
    from townhall.notifications.views import bp

    app.register_blueprint(bp)
