"""Demo content for proposals and votes, for the `seed-demo` command.

Everything goes through the real services (with past times where a closed vote
needs them), so the demo is in states the rules can reach.
"""

from __future__ import annotations

import random
from datetime import timedelta

from townhall.accounts.models import User
from townhall.accounts.permissions import Permission, has_permission
from townhall.consultations.models import Consultation
from townhall.database import utcnow
from townhall.extensions import db
from townhall.proposals import service, votes
from townhall.proposals.errors import ProposalError
from townhall.proposals.models import Method, Proposal, Vote
from townhall.proposals.votes import BallotInput, VoteDetails

# Title, description, cost, and where on the map: each a short walk from one of the
# demo places (townhall/places/demo.py), so every demo check-in page has some nearby.
DEMO_PROPOSALS = (
    (
        "Benches along the river path",
        "Somewhere to rest every few hundred metres.",
        4_000,
        (51.7452, -1.2480),  # by Riverside Leisure Centre
    ),
    (
        "Wildflower verges",
        "Mow less, sow native flowers, help the bees.",
        2_500,
        (51.7240, -1.2505),  # along Old Abingdon Road, by the recycling centre
    ),
    (
        "Safer crossing by the primary school",
        "A zebra crossing on School Lane.",
        12_000,
        (51.7710, -1.2395),  # near Northway Library
    ),
    (
        "Drinking fountain in the park",
        "Refill bottles instead of buying them.",
        6_000,
        (51.7500, -1.2318),  # South Park
    ),
    (
        "Library open on Sundays",
        "Sunday afternoons, 12:00 to 16:00.",
        9_000,
        (51.7521, -1.2579),  # Central Library
    ),
    (
        "Bike racks at the station",
        "Covered racks for 40 bikes.",
        5_500,
        (51.7530, -1.2650),  # a short walk from County Hall
    ),
    (
        "Community fridge",
        "Share surplus food instead of throwing it away.",
        1_500,
        None,
    ),
)
# At most this many people vote in each demo vote, so a large demo seeds quickly.
VOTERS_PER_VOTE = 300


def _officer(consultation: Consultation, people: list[User]) -> User:
    if consultation.created_by and has_permission(
        consultation.created_by, Permission.RUN_CONSULTATIONS
    ):
        return consultation.created_by
    for person in people:
        if has_permission(person, Permission.RUN_CONSULTATIONS):
            return person
    raise ValueError("seed_demo_proposals needs an officer among the people")


def _random_ballot(vote: Vote, rng: random.Random) -> BallotInput:
    ids = [str(o.id) for o in vote.options]
    shape = vote.method.ballot_shape
    # Uneven popularity, so the demo results have a story to tell.
    weights = [1 / (n + 1) for n in range(len(ids))]
    picks = list(dict.fromkeys(rng.choices(ids, weights=weights, k=rng.randint(1, len(ids)))))
    if shape == "ranking":
        return BallotInput(ranking=picks)
    if shape == "approve":
        if vote.ballot_within_budget and vote.budget:
            costs = {str(o.id): o.cost or 0 for o in vote.options}
            kept, spent = [], 0
            for pick in picks:
                if spent + costs[pick] <= vote.budget:
                    kept.append(pick)
                    spent += costs[pick]
            picks = kept or picks[:1]
        return BallotInput(approve=picks)
    if shape == "scores":
        return BallotInput(scores={i: str(rng.choice(range(6))) for i in picks})
    return BallotInput(choice=rng.choices(ids, weights=[5, 3, 1])[0])


def _cast_many(vote: Vote, voters: list[User], rng: random.Random, at) -> int:
    cast = 0
    for person in voters:
        try:
            votes.cast_ballot(vote, person, _random_ballot(vote, rng), now=at)
            cast += 1
        except ProposalError:
            continue  # not eligible (unverified, staff-only): the demo simply skips them
    return cast


def seed_demo_proposals(
    consultation: Consultation, people: list[User], rng: random.Random
) -> list[Vote]:
    """Add proposals, supports, a closed vote of each method with ballots, and one open vote.

    `consultation` must be open and use proposals and voting; `people` should include
    an officer (or the consultation's author is one). Flushes, never commits. Returns
    the votes made, closed ones first and the open one last.
    """
    officer = _officer(consultation, people)
    participants = [p for p in people if p.is_verified] or people
    threshold = max(2, min(20, len(participants) // 4))
    service.set_support_threshold(consultation, threshold)
    proposals: list[Proposal] = []
    for n, (title, body, cost, point) in enumerate(DEMO_PROPOSALS):
        author = participants[n % len(participants)]
        latitude, longitude = point or (None, None)
        details = service.ProposalDetails(
            title=title, body=body, cost=cost, latitude=latitude, longitude=longitude
        )
        proposals.append(service.submit_proposal(consultation, author, details))
    # The first five reach the threshold; the last two gather a few supports.
    for n, proposal in enumerate(proposals):
        wanted = threshold + rng.randint(0, 5) if n < 5 else rng.randint(0, threshold - 1)
        for supporter in rng.sample(participants, min(wanted, len(participants))):
            service.support_proposal(proposal, supporter)
    if len(service.shortlisted_proposals(consultation)) < 3:
        # Too few people to reach the threshold: shortlist whatever has support.
        for proposal in proposals[:5]:
            service.support_proposal(proposal, participants[0])
        service.set_support_threshold(consultation, 1)
    shortlisted = [p.id for p in service.shortlisted_proposals(consultation)]

    now = utcnow()
    opened, closes, cast_at = (
        now - timedelta(days=14),
        now - timedelta(days=7),
        now - timedelta(days=10),
    )
    made: list[Vote] = []
    for method in Method:
        details = VoteDetails(
            title=f"Demo: {method.label}",
            method=method,
            opens_at=opened,
            closes_at=closes,
            seats=2 if method is Method.STV else 1,
            budget=20_000 if method.is_budgeting else None,
            ballot_within_budget=method is Method.PB_EQUAL_SHARES,
            proposal_ids=[] if method is Method.MAJORITY else shortlisted,
            description="A closed demo vote: see its results page for how it was decided.",
        )
        if method is Method.MAJORITY:
            details.title = "Demo: should the library open on Sundays?"
        vote = votes.create_vote(consultation, officer, details, now=opened)
        voters = rng.sample(participants, min(VOTERS_PER_VOTE, len(participants)))
        _cast_many(vote, voters, rng, cast_at)
        votes.close_vote(vote, now=closes)
        made.append(vote)

    open_vote = votes.create_vote(
        consultation,
        officer,
        VoteDetails(
            title="Which project should come first?",
            method=Method.IRV,
            opens_at=now - timedelta(days=1),
            # With the consultation, when it has a closing time: voting needs it open.
            closes_at=consultation.closes_at
            if consultation.closes_at and consultation.closes_at > now
            else now + timedelta(days=7),
            proposal_ids=shortlisted,
            live_tallies=True,
            description="Rank the shortlisted proposals. The running tally is shown live.",
        ),
        now=now - timedelta(days=1),
    )
    half = rng.sample(participants, min(VOTERS_PER_VOTE, len(participants)) // 2)
    _cast_many(open_vote, half, rng, now)
    made.append(open_vote)
    db.session.flush()
    return made
