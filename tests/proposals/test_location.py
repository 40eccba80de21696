"""A proposal's place on the map: one of the council's places or a latitude and longitude,
checked in the service, held by the database, and sent back with the person's words
when it is wrong."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from tests.places.conftest import LIBRARY, place_maker
from townhall.consultations.service import LATITUDE_MESSAGE, LONGITUDE_MESSAGE
from townhall.extensions import db
from townhall.proposals import service
from townhall.proposals.errors import ProposalInvalid
from townhall.proposals.models import Proposal


def text_of(response) -> str:
    return response.get_data(as_text=True)


def details(**where) -> service.ProposalDetails:
    return service.ProposalDetails(title="Book swap shelf", body="By the door.", **where)


@pytest.fixture
def library(app, areas):
    return place_maker(areas)()


# --- the service --------------------------------------------------------------------


def test_a_proposal_pinned_to_coordinates(consultation, citizens):
    proposal = service.submit_proposal(
        consultation, citizens[0], details(latitude=51.75, longitude=-1.25)
    )
    assert (proposal.latitude, proposal.longitude) == (51.75, -1.25)
    assert proposal.has_position and proposal.location is None


def test_a_proposal_pinned_to_a_place_takes_its_position_and_name(consultation, citizens, library):
    proposal = service.submit_proposal(consultation, citizens[0], details(place_id=library.id))
    assert (proposal.latitude, proposal.longitude) == LIBRARY
    assert proposal.location == "Central Library"
    kept = service.submit_proposal(
        consultation, citizens[1], details(place_id=library.id, location="By the front door")
    )
    assert kept.location == "By the front door"


def test_a_proposal_need_not_be_on_the_map(consultation, citizens):
    proposal = service.submit_proposal(consultation, citizens[0], details())
    assert proposal.latitude is None and proposal.longitude is None
    assert not proposal.has_position


BAD_POSITIONS = [
    ({"latitude": 91.0, "longitude": 0.0}, re.escape(LATITUDE_MESSAGE)),
    ({"latitude": -90.5, "longitude": 0.0}, re.escape(LATITUDE_MESSAGE)),
    ({"latitude": 0.0, "longitude": 180.5}, re.escape(LONGITUDE_MESSAGE)),
    ({"latitude": float("nan"), "longitude": 0.0}, "as numbers"),
    ({"latitude": 0.0, "longitude": float("inf")}, "as numbers"),
    ({"latitude": 51.75}, "both a latitude and a longitude"),
    ({"longitude": -1.25}, "both a latitude and a longitude"),
    ({"place_id": 999_999}, "There is no such place"),
    ({"place_id": 10**30}, "There is no such place"),
    ({"place_id": 1, "latitude": 51.0, "longitude": -1.0}, "not both"),
]


def test_bad_positions_are_refused(consultation, citizens):
    for where, message in BAD_POSITIONS:
        with pytest.raises(ProposalInvalid, match=message):
            service.submit_proposal(consultation, citizens[0], details(**where))
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


@pytest.mark.parametrize(("lat", "lon"), [(90.0, 180.0), (-90.0, -180.0)])
def test_a_proposal_may_be_pinned_at_the_edges_of_the_globe(consultation, citizens, lat, lon):
    proposal = service.submit_proposal(
        consultation, citizens[0], details(latitude=lat, longitude=lon)
    )
    db.session.flush()  # the table's check constraints take it too
    assert (proposal.latitude, proposal.longitude) == (lat, lon)


def test_a_retired_place_is_no_longer_offered_or_accepted(consultation, citizens, library):
    from townhall.database import utcnow
    from townhall.proposals.named_places import place_choices

    assert [p.name for p in place_choices()] == ["Central Library"]
    library.retired_at = utcnow()
    db.session.commit()
    assert place_choices() == []
    with pytest.raises(ProposalInvalid, match="There is no such place"):
        service.submit_proposal(consultation, citizens[0], details(place_id=library.id))


def test_the_database_refuses_a_bad_position(consultation):
    """The checks hold even for a write that skips the service."""
    row = {
        "consultation_id": consultation.id,
        "title": "Direct",
        "body": "x",
        "body_html": "x",
        "status": "published",
        "support_count": 0,
        "created_at": consultation.created_at,
        "updated_at": consultation.created_at,
    }
    for position in (
        {"latitude": 95.0, "longitude": 0.0},
        {"latitude": 0.0, "longitude": -200.0},
        {"latitude": 51.75, "longitude": None},
        {"latitude": None, "longitude": -1.25},
    ):
        with pytest.raises(IntegrityError):
            db.session.execute(insert(Proposal).values(**row, **position))
        db.session.rollback()
    db.session.execute(insert(Proposal).values(**row, latitude=51.75, longitude=-1.25))
    db.session.rollback()


# --- the form ---------------------------------------------------------------------------


def new_url(consultation) -> str:
    return f"/consultations/{consultation.id}/proposals/new"


def test_the_form_offers_the_places_and_the_page_shows_the_position(
    client, sign_in, post_form, consultation, citizens, library
):
    sign_in(citizens[0])
    form = text_of(client.get(new_url(consultation)))
    assert "On the map (optional)" in form
    assert f'<option value="{library.id}">Central Library</option>' in form
    response = post_form(
        new_url(consultation),
        {"title": "Book swap shelf", "body": "By the door.", "place_id": str(library.id)},
    )
    assert response.status_code == 303, text_of(response)
    page = text_of(client.get(response.location))
    assert "Central Library" in page and "51.75200, -1.25770" in page
    assert "openstreetmap.org/?mlat=51.752&amp;mlon=-1.2577" in page


def test_empty_boxes_as_a_browser_sends_them_mean_no_point(
    client, sign_in, post_form, consultation, citizens, library
):
    sign_in(citizens[0])
    empty = {"place_id": "0", "latitude": "", "longitude": " "}
    response = post_form(new_url(consultation), {"title": "Bench", "body": "Here.", **empty})
    assert response.status_code == 303, text_of(response)
    assert not db.session.scalars(select(Proposal)).one().has_position


def test_coordinates_typed_in_are_kept(client, sign_in, post_form, consultation, citizens):
    sign_in(citizens[0])
    response = post_form(
        new_url(consultation),
        {
            "title": "Bench",
            "body": "Here.",
            "place_id": "0",
            "latitude": "51.7",
            "longitude": "-1.3",
        },
    )
    assert response.status_code == 303, text_of(response)
    proposal = db.session.scalars(select(Proposal)).one()
    assert (proposal.latitude, proposal.longitude) == (51.7, -1.3)


BAD_FORMS = [
    ({"latitude": "91", "longitude": "0"}, LATITUDE_MESSAGE),
    ({"latitude": "0", "longitude": "-181"}, LONGITUDE_MESSAGE),
    ({"latitude": "north", "longitude": "0"}, "Give the latitude in degrees"),
    ({"latitude": "nan", "longitude": "0"}, LATITUDE_MESSAGE),
    ({"latitude": "51.75", "longitude": ""}, "both a latitude and a longitude"),
    ({"latitude": "", "longitude": "-1.25"}, "both a latitude and a longitude"),
    ({"place_id": "424242"}, "There is no such place"),
    ({"place_id": "99999999999999999999999"}, "There is no such place"),
]


def test_bad_positions_come_back_with_the_proposal(
    client, sign_in, post_form, consultation, citizens, library
):
    sign_in(citizens[0])
    typed = {"title": "Keep my title", "body": "Keep my words, please.", "cost": "120"}
    for where, message in BAD_FORMS:
        response = post_form(new_url(consultation), {**typed, **where})
        assert response.status_code == 400, where
        html = text_of(response)
        assert message in html, where
        assert 'value="Keep my title"' in html and "Keep my words, please." in html
        assert 'value="120"' in html
        for name in ("latitude", "longitude"):
            if where.get(name) and where[name] != "nan":
                assert f'value="{where[name]}"' in html  # the position as typed, to correct
        if "in degrees" in message:  # not a number: no range message on top
            assert "runs from" not in html
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0
