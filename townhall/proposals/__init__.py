"""Proposals and votes (stage 4): people put forward proposals and support them; the
best supported are shortlisted; officers put them (or stated options) to a vote
counted by `townhall.voting`; results show how the decision was reached."""

from __future__ import annotations

from flask import Flask

# Where these sit among the consultation page's sections: after the dialogue (30).
PROPOSALS_SECTION_ORDER = 40
VOTES_SECTION_ORDER = 50


def init_app(app: Flask) -> None:
    """Register the proposal and vote pages and their sections of the consultation page."""
    from townhall.consultations.sections import Section, register_section
    from townhall.proposals.views import bp, render_proposals_section, render_votes_section

    app.register_blueprint(bp)
    register_section(
        Section(key="proposals", order=PROPOSALS_SECTION_ORDER, render=render_proposals_section)
    )
    register_section(Section(key="votes", order=VOTES_SECTION_ORDER, render=render_votes_section))
