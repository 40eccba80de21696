"""Proposals and votes (stage 4): people put forward proposals and support them; the
best supported are shortlisted; officers put them (or stated options) to a vote
counted by `townhall.voting`; results show how the decision was reached."""

from __future__ import annotations

from typing import Any

from flask import Flask

# Where these sit among the consultation page's sections: after the dialogue (30).
PROPOSALS_SECTION_ORDER = 40
VOTES_SECTION_ORDER = 50


def init_app(app: Flask) -> None:
    """Register the proposal and vote pages and their sections of the consultation page."""
    from townhall.consultations.sections import Section, register_section
    from townhall.proposals.presentation import support_progress
    from townhall.proposals.views import bp, render_proposals_section, render_votes_section

    app.register_blueprint(bp)
    app.add_template_global(support_progress)
    register_section(
        Section(key="proposals", order=PROPOSALS_SECTION_ORDER, render=render_proposals_section)
    )
    register_section(Section(key="votes", order=VOTES_SECTION_ORDER, render=render_votes_section))
    register_proposals_with_moderation()


def register_proposals_with_moderation() -> None:
    """Tell moderation how to load, show, hide and link a proposal.

    Its title and description are held to the standards together, as "title\n\nbody";
    a hidden proposal has status HIDDEN, which the pages already keep from the public.
    """
    from townhall.consultations.permissions import can_read
    from townhall.extensions import db
    from townhall.links import link_to
    from townhall.markup import render_markdown
    from townhall.moderation.registry import ContentKind, register_kind
    from townhall.proposals.models import Proposal, ProposalStatus
    from townhall.proposals.permissions import Action, can

    def show(proposal: Proposal, text: str) -> None:
        title, _, body = text.partition("\n\n")
        proposal.title, proposal.body = title, body
        proposal.body_html = render_markdown(body)
        if proposal.status is ProposalStatus.HIDDEN:
            proposal.status = ProposalStatus.PUBLISHED

    def hide(proposal: Proposal, _notice: str) -> None:
        proposal.status = ProposalStatus.HIDDEN

    def readable_by(user: Any, proposal: Proposal) -> bool:
        # As the proposal's page: its consultation readable, and held ones to officers.
        if not can_read(user, proposal.consultation):
            return False
        return proposal.status is not ProposalStatus.HIDDEN or can(
            user, Action.RUN_VOTES, proposal.consultation
        )

    register_kind(
        ContentKind(
            name="proposal",
            label="proposal",
            load=lambda proposal_id: db.session.get(Proposal, proposal_id),
            text=lambda p: f"{p.title}\n\n{p.body}",
            show=show,
            hide=hide,
            link=lambda p: link_to("proposals.show_proposal", proposal_id=p.id),
            author_id=lambda p: p.author_id,
            place=lambda p: (p.consultation_id, p.consultation.title),
            posted_at=lambda p: p.created_at,
            readable_by=readable_by,
        )
    )
