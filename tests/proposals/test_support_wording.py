"""Supports against the shortlist target read true past it (issue 15, finding 13)."""

from __future__ import annotations

from townhall.extensions import db
from townhall.proposals import service


def test_supports_past_the_target_say_it_was_reached(client, consultation, citizens):
    service.set_support_threshold(consultation, 5)
    proposal = service.submit_proposal(
        consultation, citizens[0], service.ProposalDetails("Benches", "Please")
    )
    for person in citizens:
        service.support_proposal(proposal, person)
    db.session.commit()
    service.set_support_threshold(consultation, 3)  # the target falls below the count
    db.session.commit()
    listing = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    for html in (listing, page):
        assert "5 supports (target 3 reached)" in html
        assert "5 of 3" not in html


def test_supports_short_of_the_target_count_towards_it(client, consultation, citizens):
    service.set_support_threshold(consultation, 1)
    proposal = service.submit_proposal(
        consultation, citizens[0], service.ProposalDetails("Bins", "Please")
    )
    db.session.commit()
    listing = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert "0 of 1 support needed" in listing
    assert "A proposal with 1 support is shortlisted" in listing
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "0 of 1 support needed" in page
