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
