"""The demo content for proposals and votes."""

from __future__ import annotations

import random

from townhall.database import utcnow
from townhall.extensions import db
from townhall.proposals import service, votes
from townhall.proposals.demo import seed_demo_proposals
from townhall.proposals.models import Method


def test_seed_demo_proposals(consultation, officer, citizens, client):
    made = seed_demo_proposals(consultation, [officer, *citizens], random.Random(7))
    db.session.commit()
    assert len(service.list_proposals(consultation)) == 7
    assert len(service.shortlisted_proposals(consultation)) >= 3
    *closed, still_open = made
    assert sorted(v.method.value for v in closed) == sorted(m.value for m in Method)
    now = utcnow()
    for vote in closed:
        assert votes.vote_state(vote, now) == "closed" and vote.result_json
        assert votes.ballots_cast(vote) > 0
        assert client.get(f"/votes/{vote.id}/results").status_code == 200
    assert votes.vote_state(still_open, now) == "open" and still_open.live_tallies
    assert client.get(f"/votes/{still_open.id}").status_code == 200
