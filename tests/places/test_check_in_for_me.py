"""The check-in page's "for me" lists: votes the person may cast there, and proposals
pinned nearby (service rules first, then the page for each kind of visitor)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.places.conftest import LIBRARY, PARK
from townhall.accounts.permissions import Role
from townhall.database import utcnow
from townhall.extensions import db
from townhall.places import service
from townhall.proposals import service as proposals
from townhall.proposals import votes
from townhall.proposals.models import (
    Eligibility,
    HomeLocation,
    Method,
    Proposal,
    ProposalStatus,
    Vote,
)

# About 111 metres of latitude per thousandth of a degree.
NORTH_200M = (LIBRARY[0] + 0.0018, LIBRARY[1])
NORTH_550M = (LIBRARY[0] + 0.005, LIBRARY[1])
NORTH_1200M = (LIBRARY[0] + 0.0108, LIBRARY[1])


def text_of(response) -> str:
    return response.get_data(as_text=True)


def open_vote(
    consultation: Any,
    title: str = "Open on Sundays?",
    *,
    eligibility: Eligibility = Eligibility.VERIFIED,
    opens_in: timedelta = timedelta(minutes=-1),
) -> Vote:
    """A yes-or-no vote in `consultation`, open from `opens_in` for a week."""
    now = utcnow()
    vote = votes.create_vote(
        consultation,
        consultation.created_by,
        votes.VoteDetails(
            title=title,
            method=Method.MAJORITY,
            opens_at=now + opens_in,
            closes_at=now + opens_in + timedelta(days=7),
            eligibility=eligibility,
        ),
        now=now + opens_in - timedelta(seconds=1),
    )
    db.session.commit()
    return vote


def vote_yes(vote: Vote, voter: Any) -> None:
    choice = next(str(o.id) for o in vote.options if o.choice == "for")
    votes.cast_ballot(vote, voter, votes.BallotInput(choice=choice))
    db.session.commit()


def pinned(consultation: Any, author: Any, title: str, point: tuple[float, float]) -> Proposal:
    """A published proposal pinned to `point`."""
    proposal = proposals.submit_proposal(
        consultation,
        author,
        proposals.ProposalDetails(
            title=title, body="Details.", latitude=point[0], longitude=point[1]
        ),
    )
    db.session.commit()
    return proposal


@pytest.fixture
def library(create_place):
    return create_place()


@pytest.fixture
def at_library(library, create_consultation):
    """An open consultation linked to the library, with proposals and voting."""
    consultation = create_consultation(
        title="Sunday opening", uses_proposals=True, uses_voting=True
    )
    service.link_consultation(library, consultation)
    db.session.commit()
    return consultation


def vote_titles(user: Any, place: Any) -> list[str]:
    return [item.vote.title for item in service.around_me(user, place).votes]


# --- votes the person may cast --------------------------------------------------------


def test_only_votes_open_now_at_the_place_are_listed(
    library, at_library, create_consultation, create_user
):
    first = open_vote(at_library, "Which day?")
    open_vote(at_library, "Not open yet", opens_in=timedelta(days=1))
    closed = open_vote(at_library, "Already closed")
    votes.close_vote(closed)
    elsewhere = create_consultation(title="Elsewhere", uses_voting=True)
    open_vote(elsewhere, "Somewhere else")
    covering = create_consultation(
        title="Town centre",
        uses_voting=True,
        latitude=NORTH_200M[0],
        longitude=NORTH_200M[1],
        radius_m=500,
    )
    soonest = open_vote(covering, "Covering the library")
    soonest.closes_at = first.closes_at - timedelta(hours=1)
    db.session.commit()
    citizen = create_user()
    # Soonest closing first; only the linked and the covering consultations' open votes.
    assert vote_titles(citizen, library) == ["Covering the library", "Which day?"]
    assert vote_titles(None, library) == ["Covering the library", "Which day?"]


def test_a_consultation_the_person_cannot_read_lends_no_votes(create_consultation, create_user):
    rota = create_consultation(title="Staff rota", audience="staff", uses_voting=True)
    open_vote(rota, "Which shift pattern?")
    assert votes.votes_to_cast(create_user(), [rota]) == []
    assert votes.votes_to_cast(None, [rota]) == []
    assert len(votes.votes_to_cast(create_user(role=Role.STAFF), [rota])) == 1


def test_eligibility_decides_who_sees_a_vote(library, at_library, create_user):
    open_vote(at_library, "For everyone")
    open_vote(at_library, "For staff", eligibility=Eligibility.STAFF)
    assert vote_titles(create_user(), library) == ["For everyone"]
    assert vote_titles(create_user(role=Role.STAFF), library) == ["For everyone", "For staff"]
    # Confirming one's email comes first, as for every ballot.
    assert vote_titles(create_user(verified=False), library) == []


def test_an_area_vote_is_listed_for_residents_who_said_so_before_it_opened(
    library, create_consultation, create_user
):
    consultation = create_consultation(
        title="Library quarter",
        uses_voting=True,
        latitude=LIBRARY[0],
        longitude=LIBRARY[1],
        radius_m=800,
    )
    open_vote(consultation, "Residents only", eligibility=Eligibility.AREA_RESIDENTS)
    resident, visitor = create_user(), create_user()
    db.session.add(
        HomeLocation(
            user_id=resident.id,
            latitude=NORTH_200M[0],
            longitude=NORTH_200M[1],
            declared_at=utcnow() - timedelta(days=30),
        )
    )
    db.session.commit()
    assert vote_titles(resident, library) == ["Residents only"]
    assert vote_titles(visitor, library) == []


def test_staff_consultations_votes_are_for_staff_only(library, create_consultation, create_user):
    rota = create_consultation(title="Staff rota", audience="staff", uses_voting=True)
    service.link_consultation(library, rota)
    db.session.commit()
    open_vote(rota, "Which shift pattern?")
    assert vote_titles(create_user(), library) == []
    assert vote_titles(None, library) == []
    assert vote_titles(create_user(role=Role.STAFF), library) == ["Which shift pattern?"]


def test_votes_already_cast_are_marked_and_signed_out_visitors_are_asked_to_sign_in(
    library, at_library, create_user
):
    vote = open_vote(at_library)
    open_vote(at_library, "For staff", eligibility=Eligibility.STAFF)
    voter = create_user()
    vote_yes(vote, voter)
    [mine] = service.around_me(voter, library).votes
    assert mine.vote.id == vote.id and mine.voted and not mine.sign_in_first
    [theirs] = service.around_me(create_user(), library).votes
    assert not theirs.voted
    # Signed out, every open vote they could read is shown, to cast once signed in.
    listed = service.around_me(None, library).votes
    assert [i.vote.title for i in listed] == ["Open on Sundays?", "For staff"]
    assert all(i.sign_in_first and not i.voted for i in listed)


# --- proposals located nearby -----------------------------------------------------------


def test_nearby_proposals_are_within_the_setting_and_nearest_first(
    app, library, at_library, create_user
):
    author = create_user()
    far = pinned(at_library, author, "Bench by the river", NORTH_550M)
    near = pinned(at_library, author, "Book swap shelf", NORTH_200M)
    pinned(at_library, author, "Park fountain", NORTH_1200M)
    pinned(at_library, author, "At the park", PARK)
    proposals.submit_proposal(
        at_library, author, proposals.ProposalDetails(title="Nowhere in particular", body="x")
    )
    db.session.commit()
    found = service.around_me(None, library).proposals
    assert [p.id for p, _ in found] == [near.id, far.id]
    assert 150 < found[0][1] < 250 and 500 < found[1][1] < 600
    app.config["PLACES_PROPOSALS_DISTANCE_M"] = 300
    assert [p.id for p, _ in service.around_me(None, library).proposals] == [near.id]
    app.config["PLACES_PROPOSALS_DISTANCE_M"] = 1500
    assert len(service.around_me(None, library).proposals) == 3


def test_a_box_corner_is_not_within_the_distance(library, at_library, create_user):
    """The bounding box holds its corners; the exact distance leaves them out."""
    # 800 m north and 800 m east: inside a 1,000 m box, about 1,130 m away.
    corner = (LIBRARY[0] + 0.0072, LIBRARY[1] + 800 / (111_195 * 0.6193))
    pinned(at_library, create_user(), "Corner shop mural", corner)
    assert service.around_me(None, library).proposals == []


def test_hidden_proposals_and_closed_or_staff_consultations_are_left_out(
    library, at_library, create_consultation, create_user
):
    author, staff = create_user(), create_user(role=Role.STAFF)
    hidden = pinned(at_library, author, "Held back", NORTH_200M)
    hidden.status = ProposalStatus.HIDDEN
    closing = create_consultation(title="Closing soon", uses_proposals=True)
    pinned(closing, author, "In a closed consultation", NORTH_200M)
    from townhall.consultations import service as consultations

    consultations.close_consultation(closing)
    internal = create_consultation(title="Staff ideas", audience="staff", uses_proposals=True)
    pinned(internal, staff, "Staff room kettle", NORTH_200M)
    db.session.commit()
    assert service.around_me(create_user(), library).proposals == []
    titles = [p.title for p, _ in service.around_me(staff, library).proposals]
    assert titles == ["Staff room kettle"]


def test_nearby_mode_includes_proposals(library, at_library, create_user):
    proposal = pinned(at_library, create_user(), "Book swap shelf", NORTH_200M)
    items = service.nearby_items(create_user(), *LIBRARY)
    assert f"proposal:{proposal.id}" in {i.key for i in items}
    item = next(i for i in items if i.key == f"proposal:{proposal.id}")
    assert item.link.endswith(f"/proposals/{proposal.id}") and 150 < item.distance_m < 250


# --- the check-in page --------------------------------------------------------------


@pytest.fixture
def scene(library, at_library, create_user):
    """A library with an open vote for everyone, one for staff, and a proposal nearby."""
    everyone = open_vote(at_library, "Open on Sundays?")
    staff_vote = open_vote(at_library, "Staff the Sunday desk?", eligibility=Eligibility.STAFF)
    proposal = pinned(at_library, create_user(), "Book swap shelf", NORTH_200M)
    return {
        "url": f"/c/{service.check_in_code(library)}",
        "everyone": everyone,
        "staff": staff_vote,
        "proposal": proposal,
    }


def votes_section(html: str) -> str:
    start = html.index('id="votes-here"')
    return html[start : html.index("</section>", start)]


def test_anonymous_visitors_see_the_votes_with_sign_in_to_vote(client, scene):
    html = text_of(client.get(scene["url"]))
    section = votes_section(html)
    assert "Votes open here" in section
    assert "Open on Sundays?" in section and "Staff the Sunday desk?" in section
    assert section.count("Sign in to vote") == 2
    assert f"/sign-in?next=/votes/{scene['everyone'].id}" in section.replace("%2F", "/")
    assert "Book swap shelf" in html and f"/proposals/{scene['proposal'].id}" in html


def test_citizens_see_the_votes_they_may_cast_linked_to_the_ballot(
    client, sign_in, scene, create_user
):
    sign_in(create_user())
    response = client.get(scene["url"])
    assert response.status_code == 200
    section = votes_section(text_of(response))
    assert "Votes you can cast here" in section
    ballot = f"/votes/{scene['everyone'].id}#ballot-heading"
    assert f'href="{ballot}"' in section and "Cast your vote" in section
    assert "Staff the Sunday desk?" not in section and "Sign in to vote" not in section
    assert "You have voted" not in section
    ballot_page = text_of(client.get(ballot.partition("#")[0]))
    assert 'id="ballot-heading"' in ballot_page


def test_staff_see_staff_votes_too(client, sign_in, scene, create_user):
    sign_in(create_user(role=Role.STAFF))
    section = votes_section(text_of(client.get(scene["url"])))
    assert "Open on Sundays?" in section and "Staff the Sunday desk?" in section
    assert section.count("Cast your vote") == 2


def test_someone_who_voted_sees_it_marked(client, sign_in, scene, create_user):
    voter = create_user()
    vote_yes(scene["everyone"], voter)
    sign_in(voter)
    section = votes_section(text_of(client.get(scene["url"])))
    assert "You have voted" in section and "Change your ballot" in section
    assert "Cast your vote" not in section


def test_the_page_keeps_a_fixed_number_of_queries(
    client, sign_in, scene, create_user, create_consultation
):
    """More votes, and proposals from more consultations nearby, do not mean more queries."""
    from sqlalchemy import event

    author = create_user()
    sign_in(create_user())

    def pinned_elsewhere(n: int) -> None:
        # A consultation not at the library: its proposals still show if pinned nearby.
        other = create_consultation(title=f"Elsewhere {n}", uses_proposals=True)
        pinned(other, author, f"Idea {n}", NORTH_550M)

    def count() -> int:
        seen: list[str] = []

        def record(*args: Any) -> None:
            seen.append(args[2])

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert client.get(scene["url"]).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(seen)

    pinned_elsewhere(0)
    before = count()
    open_vote(scene["everyone"].consultation, "Another question?")
    vote_yes(scene["everyone"], create_user())
    for n in range(1, 4):
        pinned_elsewhere(n)
    html = client.get(scene["url"]).get_data(as_text=True)
    assert "Another question?" in html and "Idea 3" in html
    assert count() == before
