"""At a check-in page, a signed-in person with votes open there but none open to them is
told why for each (`ballot_refusal`'s reasons), and what to do about it."""

from __future__ import annotations

import re

import pytest

from tests.places.test_check_in_for_me import open_vote, text_of, votes_section
from townhall.accounts.permissions import Role
from townhall.extensions import db
from townhall.places import service
from townhall.proposals import votes
from townhall.proposals.models import Eligibility

CONFIRM_FIRST = "Confirm your email address before taking part."
STAFF_ONLY = "This vote is for council staff only."
SET_HOME = "This vote is for people who live in the area. Set your home location first."


@pytest.fixture
def library(create_place):
    return create_place()


@pytest.fixture
def at_library(library, create_consultation):
    """An open consultation linked to the library, with voting."""
    consultation = create_consultation(title="Sunday opening", uses_voting=True)
    service.link_consultation(library, consultation)
    db.session.commit()
    return consultation


@pytest.fixture
def url(library) -> str:
    return f"/c/{service.check_in_code(library)}"


def refusals(section: str) -> dict[str, str]:
    """Each refused vote's title -> the reason the page gives."""
    found = re.findall(
        r'data-vote-refused="\d+">\s*<a href="[^"]+">([^<]+)</a>'
        r".*?<p data-vote-refusal>([^<]+)</p>",
        section,
        re.S,
    )
    return dict(found)


# --- the service ----------------------------------------------------------------------


def test_each_open_vote_is_either_castable_or_refused_with_its_reason(
    library, at_library, create_user
):
    everyone = open_vote(at_library, "Open on Sundays?")
    staff_vote = open_vote(at_library, "Staff the desk?", eligibility=Eligibility.STAFF)

    unconfirmed = service.around_me(create_user(verified=False), library)
    assert unconfirmed.votes == []
    assert [(r.vote.id, r.reason) for r in unconfirmed.votes_refused] == [
        (everyone.id, CONFIRM_FIRST),
        (staff_vote.id, CONFIRM_FIRST),
    ]

    citizen = service.around_me(create_user(), library)
    assert [i.vote.id for i in citizen.votes] == [everyone.id]
    assert [(r.vote.id, r.reason) for r in citizen.votes_refused] == [(staff_vote.id, STAFF_ONLY)]

    staff = service.around_me(create_user(role=Role.STAFF), library)
    assert len(staff.votes) == 2 and staff.votes_refused == []

    # Signed out, every vote is there to cast once signed in: nothing is refused yet.
    anonymous = service.around_me(None, library)
    assert len(anonymous.votes) == 2 and anonymous.votes_refused == []


def test_the_reasons_are_the_ballots_own(library, at_library, create_user):
    """One rule: what the page says is what casting a ballot would say."""
    open_vote(at_library, "Staff the desk?", eligibility=Eligibility.STAFF)
    person = create_user()
    [refused] = votes.open_votes_for(person, [at_library]).refused
    error = votes.ballot_refusal(refused.vote, person)
    assert error is not None and refused.reason == str(error)


# --- the page -------------------------------------------------------------------------


def test_someone_who_has_not_confirmed_their_email_is_told_why_and_can_resend(
    client, sign_in, url, at_library, create_user, mailbox
):
    open_vote(at_library, "Open on Sundays?")
    open_vote(at_library, "Staff the desk?", eligibility=Eligibility.STAFF)
    person = create_user(verified=False)
    sign_in(person)
    sent_before = len(mailbox())

    section = votes_section(text_of(client.get(url)))
    assert "No votes here are open to you just now." not in section
    assert "Votes are open here, but not to you just now." in section
    assert refusals(section) == {
        "Open on Sundays?": CONFIRM_FIRST,
        "Staff the desk?": CONFIRM_FIRST,
    }
    assert "<h3>Confirm your email address to vote</h3>" in section
    assert f"We sent a confirmation link to {person.email}" in section
    # The way to get a new link: a button (the resend is a POST, with the CSRF token).
    form = re.search(
        r'<form method="post" action="(/[^"]+)">\s*<input type="hidden" name="csrf_token" '
        r'value="([^"]+)">\s*<button type="submit"[^>]*>Send the confirmation link again</button>',
        section,
    )
    assert form, section
    response = client.post(form.group(1), data={"csrf_token": form.group(2)})
    assert response.status_code == 302
    [message] = mailbox()[sent_before:]
    assert message["To"] == person.email


def test_a_citizen_with_only_a_staff_vote_here_is_told_it_is_for_staff(
    client, sign_in, url, at_library, create_user
):
    open_vote(at_library, "Staff the desk?", eligibility=Eligibility.STAFF)
    sign_in(create_user())
    section = votes_section(text_of(client.get(url)))
    assert "A vote is open here, but not to you just now." in section
    assert refusals(section) == {"Staff the desk?": STAFF_ONLY}
    # A confirmed person is not asked to confirm, nor told to set a home location.
    assert "confirmation link" not in section and "home location" not in section.lower()


def test_an_area_vote_says_to_set_a_home_location_and_links_to_it(
    client, sign_in, url, library, create_consultation, create_user
):
    quarter = create_consultation(
        title="Library quarter",
        uses_voting=True,
        latitude=library.latitude,
        longitude=library.longitude,
        radius_m=800,
    )
    open_vote(quarter, "Residents only", eligibility=Eligibility.AREA_RESIDENTS)
    sign_in(create_user())
    section = votes_section(text_of(client.get(url)))
    assert refusals(section) == {"Residents only": SET_HOME}
    assert 'href="/account/home-location"' in section
    assert "Set or check your home location" in section


def test_with_no_votes_open_here_nothing_is_refused(client, sign_in, url, at_library, create_user):
    sign_in(create_user(verified=False))
    section = votes_section(text_of(client.get(url)))
    assert "No votes here are open to you just now." in section
    assert "data-vote-refused" not in section and "confirmation link" not in section


def test_someone_who_may_cast_a_vote_is_not_shown_the_others(
    client, sign_in, url, at_library, create_user
):
    open_vote(at_library, "Open on Sundays?")
    open_vote(at_library, "Staff the desk?", eligibility=Eligibility.STAFF)
    sign_in(create_user())
    section = votes_section(text_of(client.get(url)))
    assert "Cast your vote" in section and "data-vote-refused" not in section


def test_titles_and_reasons_are_escaped(client, sign_in, url, at_library, create_user):
    open_vote(at_library, "<script>alert(1)</script>", eligibility=Eligibility.STAFF)
    sign_in(create_user())
    section = votes_section(text_of(client.get(url)))
    assert "<script>alert(1)</script>" not in section
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section
