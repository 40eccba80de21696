"""Engagement plans and KPIs: the council's strategy for social technology made
measurable. Officers record, per process or service area, objectives, the channels
chosen for each with a reason, the roles involved and their cost, benefit and risk,
and KPIs picked from a catalogue the platform computes from what actually happens.

This module sits beside `api` and `cli` at the top of the import order: it reads the
tables of every domain below it (by SQL aggregation) and nothing imports it.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the engagement pages and the short-lived figures cache."""
    from townhall.engagement.dashboards import install_figures_cache
    from townhall.engagement.views import bp

    app.config.setdefault("ENGAGEMENT_CACHE_SECONDS", 60)
    install_figures_cache(app, app.config["ENGAGEMENT_CACHE_SECONDS"])
    app.register_blueprint(bp)
