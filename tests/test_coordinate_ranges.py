"""One globe: latitude -90..90 and longitude -180..180 are the consultation's constants
(townhall.consultations.models), taken by every form, service and API schema that takes a
point: consultations, proposals (a proposal's pin, a home location) and places (a place, a
saved area, a check-in). A point off the globe gets the consultation's words
(townhall.consultations.service) from each of them. The edges are on the globe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from markupsafe import escape
from marshmallow import ValidationError

from tests.form_ranges import assert_sent_back
from townhall.accounts.permissions import Role
from townhall.api.schemas import LocationInputSchema, SavedAreaInputSchema
from townhall.consultations.models import LATITUDE_MAX, LONGITUDE_MAX
from townhall.consultations.service import LATITUDE_MESSAGE, LONGITUDE_MESSAGE
from townhall.database import utcnow
from townhall.places import service as places
from townhall.places.errors import PositionInvalid
from townhall.proposals import service as proposals
from townhall.proposals.errors import ProposalInvalid

# Just off the globe, each way; and its four corners, which are on it.
OFF = [("latitude", "90.5", LATITUDE_MESSAGE), ("longitude", "-180.01", LONGITUDE_MESSAGE)]
CORNERS = [("90", "180"), ("-90", "-180"), ("90", "-180"), ("-90", "180")]


def test_the_ranges_and_words_are_the_consultations():
    assert (LATITUDE_MAX, LONGITUDE_MAX) == (90, 180)
    assert LATITUDE_MESSAGE == "Latitude runs from -90 to 90."
    assert LONGITUDE_MESSAGE == "Longitude runs from -180 to 180."


# --- the forms: what each page posts, with a point to put in --------------------------


@pytest.fixture
def officer(create_user, sign_in):
    person = create_user(role=Role.OFFICER)
    sign_in(person)
    return person


def _consultation(areas, lat, lon):
    closes = (utcnow() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "title": "Sunday opening at the central library",
        "summary": "Should the library open on Sundays?",
        "body": "We propose **Sunday** opening.",
        "process_area_id": str(areas["Community Consultations"].id),
        "service_area_id": str(areas["Libraries"].id),
        "audience": "public",
        "closes_at": closes,
        "uses_dialogue": "y",
        "response_days": "10",
        "latitude": lat,
        "longitude": lon,
        "radius_m": "500",
    }
    return "/consultations/new", "/consultations/new", data, ""


def _proposal(consultation, lat, lon):
    url = f"/consultations/{consultation.id}/proposals/new"
    data = {"title": "A reading garden", "body": "Behind the library.", "place_id": "0"}
    return url, url, {**data, "latitude": lat, "longitude": lon}, ""


def _home(lat, lon):
    url = "/account/home-location"
    return url, url, {"latitude": lat, "longitude": lon}, ""


def _place(lat, lon):
    data = {"name": "Northway Library", "kind": "library", "address": "2 Northway"}
    return "/places/new", "/places/new", {**data, "latitude": lat, "longitude": lon}, ""


def _saved_area(lat, lon):
    data = {"form": "area", "a-label": "Near work", "a-radius_m": "800"}
    return "/places/areas", "/places/areas", {**data, "a-latitude": lat, "a-longitude": lon}, "a-"


FORMS = ["consultation", "proposal", "home location", "place", "saved area"]
#: The forms that give the consultation's words for a point off the globe: all of them.
SAME_WORDS = FORMS


@pytest.fixture
def form_for(create_consultation, officer, areas):
    """`form_for(name, lat, lon)`: (url, page with the token, data, field id prefix)."""
    consultation = create_consultation(uses_proposals=True, uses_voting=True)

    def make(name: str, lat: str, lon: str):
        if name == "consultation":
            return _consultation(areas, lat, lon)
        if name == "proposal":
            return _proposal(consultation, lat, lon)
        if name == "home location":
            return _home(lat, lon)
        if name == "place":
            return _place(lat, lon)
        return _saved_area(lat, lon)

    return make


@pytest.mark.parametrize("name", SAME_WORDS)
@pytest.mark.parametrize(("field", "value", "message"), OFF)
def test_a_point_off_the_globe_gets_the_same_words_on_every_form(
    client, post_form, form_for, name, field, value, message
):
    lat, lon = ("51.75", "-1.25")
    lat, lon = (value, lon) if field == "latitude" else (lat, value)
    url, token_page, data, prefix = form_for(name, lat, lon)
    response = post_form(url, data, token_page=token_page)
    html = assert_sent_back(response, prefix + field, message, kept=(f'value="{value}"',))
    assert html.count(str(escape(message))) == 2  # beside the field and in the summary
    assert "Between -" not in html and "must be between" not in html


@pytest.mark.parametrize("name", FORMS)
@pytest.mark.parametrize(("lat", "lon"), CORNERS)
def test_the_edges_of_the_globe_are_taken_by_every_form(
    client, post_form, form_for, name, lat, lon
):
    url, token_page, data, _ = form_for(name, lat, lon)
    response = post_form(url, data, token_page=token_page)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:3000]


# --- the services and the API: the same words where a form is not in front ----------


@pytest.mark.parametrize(
    ("lat", "lon", "message"), [(90.5, 0.0, LATITUDE_MESSAGE), (0.0, -180.01, LONGITUDE_MESSAGE)]
)
def test_the_services_refuse_in_the_same_words(app, create_user, lat, lon, message):
    with pytest.raises(ProposalInvalid) as pinned:
        proposals.check_position(lat, lon)
    with pytest.raises(ProposalInvalid) as home:
        proposals.set_home_location(create_user(), lat, lon)
    with pytest.raises(PositionInvalid) as position:
        places.parse_position(lat, lon)
    assert str(pinned.value) == str(home.value) == str(position.value) == message


@pytest.mark.parametrize(("lat", "lon"), [(float(a), float(b)) for a, b in CORNERS])
def test_the_services_take_the_edges(app, create_user, lat, lon):
    assert proposals.check_position(lat, lon) == (lat, lon)
    assert places.parse_position(lat, lon) == (lat, lon)
    home = proposals.set_home_location(create_user(), lat, lon)
    assert (home.latitude, home.longitude) == (lat, lon)


@pytest.mark.parametrize("schema", [LocationInputSchema, SavedAreaInputSchema])
def test_the_api_schemas_refuse_in_the_same_words_and_take_the_edges(schema):
    extra = {"radius_m": 500}
    with pytest.raises(ValidationError) as off:
        schema().load({"latitude": 90.5, "longitude": -180.01, **extra})
    assert off.value.messages == {"latitude": [LATITUDE_MESSAGE], "longitude": [LONGITUDE_MESSAGE]}
    for lat, lon in CORNERS:
        loaded = schema().load({"latitude": float(lat), "longitude": float(lon), **extra})
        assert (loaded["latitude"], loaded["longitude"]) == (float(lat), float(lon))
