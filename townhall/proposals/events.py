"""What proposals and votes tell the consultation's live room (after commit).

Events carry ids and public facts only; pages fetch their proposals and votes sections
again (`refresh`), so each reader sees what they may. Supports and tallies come in
bursts, so they are coalesced: a few messages a second at most, the newest last.
"""

from __future__ import annotations

from townhall.live import publish, publish_coalesced
from townhall.proposals.models import Proposal, Vote


def _room(consultation_id: int) -> str:
    return f"consultation:{consultation_id}"


def proposal_added(proposal: Proposal) -> None:
    """A proposal was published on the consultation."""
    publish(
        _room(proposal.consultation_id),
        "proposal_added",
        {
            "proposal_id": proposal.id,
            "refresh": ["section-proposals"],
            "announce": f"New proposal: {proposal.title}",
        },
    )


def proposal_supported(proposal: Proposal) -> None:
    """A proposal's support count changed (coalesced per consultation)."""
    publish_coalesced(
        _room(proposal.consultation_id),
        f"supports:{proposal.consultation_id}",
        "proposal_supported",
        {"refresh": ["section-proposals"]},
    )


def proposal_shortlisted(proposal: Proposal) -> None:
    """A proposal reached the support threshold and goes to the vote."""
    publish(
        _room(proposal.consultation_id),
        "proposal_shortlisted",
        {
            "proposal_id": proposal.id,
            "refresh": ["section-proposals"],
            "announce": f"Shortlisted for the vote: {proposal.title}",
        },
    )


def tally_updated(vote: Vote) -> None:
    """A ballot changed a vote whose running tally is shown (coalesced per vote)."""
    if vote.live_tallies:
        publish_coalesced(
            _room(vote.consultation_id),
            f"tally:{vote.id}",
            "tally_updated",
            {"vote_id": vote.id, "refresh": ["section-votes"]},
        )


def vote_closed(vote: Vote) -> None:
    """A vote closed: its result is final."""
    publish(
        _room(vote.consultation_id),
        "vote_closed",
        {"vote_id": vote.id, "refresh": ["section-votes"], "announce": "A vote has closed."},
    )
