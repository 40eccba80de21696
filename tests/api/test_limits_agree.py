"""The form and the API hold a consultation's and a vote's numbers to the same limits.

One source of truth: each limit is one constant in the domain (the response standard's
days, a consultation's point and radius, a vote's winners), read by the page's form,
the API's schema (and so its OpenAPI document), the service and, where there is one,
the table's check constraint. So a value the form refuses, the API refuses in the same
words, and an edge value either takes, both take.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.api.conftest import assert_problem
from tests.consultations.test_views import consultation_form
from tests.form_ranges import assert_sent_back
from townhall.consultations import service as consultations
from townhall.consultations.models import Consultation
from townhall.database import utcnow
from townhall.extensions import db
from townhall.proposals.models import Vote

RESPONSE_DAYS = "Use 1 to 60 days."
LATITUDE = "Latitude runs from -90 to 90."
LONGITUDE = "Longitude runs from -180 to 180."
RADIUS = "Give a radius of 1 to 100,000 metres."
SEATS = "Use 1 to 49 winners: a vote has at most 50 options, and more options than winners."

POINT = {"latitude": 51.752, "longitude": -1.2577, "radius_m": 800}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


# --- a consultation --------------------------------------------------------------------


def api_consultation(areas, **changes: Any) -> dict[str, Any]:
    """What an officer sends the API to draft the form's consultation."""
    body = {
        "title": "Sunday opening at the central library",
        "summary": "Should the library open on Sundays?",
        "body": "We propose **Sunday** opening.",
        "process_area_id": areas["Community Consultations"].id,
        "service_area_id": areas["Libraries"].id,
        "closes_at": (utcnow() + timedelta(days=20)).isoformat(),
    }
    return {**body, **changes}


def draft_both_ways(api_as, post_form, sign_in, officer, areas, field: str, value: Any):
    """Post `field` = `value` through the form, then through the API; both responses."""
    sign_in(officer)
    if field == "response_days":
        typed, sent = {field: str(value)}, {field: value}
    else:
        typed = {k: str(v) for k, v in {**POINT, field: value}.items()}
        sent = {"location": {**POINT, field: value}}
    form = post_form(
        "/consultations/new", consultation_form(areas, **typed), token_page="/consultations/new"
    )
    api = api_as(officer, "read", "officer").post("/consultations", api_consultation(areas, **sent))
    return form, api


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("response_days", 0, RESPONSE_DAYS),
        ("response_days", 61, RESPONSE_DAYS),
        ("latitude", -90.5, LATITUDE),
        ("latitude", 91, LATITUDE),
        ("longitude", -180.25, LONGITUDE),
        ("longitude", 181, LONGITUDE),
        ("radius_m", 0, RADIUS),
        ("radius_m", 100_001, RADIUS),
    ],
)
def test_a_consultation_number_the_form_refuses_the_api_refuses_in_the_same_words(
    api_as, post_form, sign_in, officer, areas, field, value, message
):
    form, api = draft_both_ways(api_as, post_form, sign_in, officer, areas, field, value)
    assert_sent_back(form, field, message, kept=(f'value="{value}"',))
    problem = assert_problem(api, 422, message)
    where = problem["errors"]["json"]
    assert (where[field] if field == "response_days" else where["location"][field]) == [message]
    assert count(Consultation) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("response_days", 1),
        ("response_days", 60),
        ("latitude", -90),
        ("latitude", 90),
        ("longitude", -180),
        ("longitude", 180),
        ("radius_m", 1),
        ("radius_m", 100_000),
    ],
)
def test_a_consultation_number_at_the_edge_is_taken_by_both(
    api_as, post_form, sign_in, officer, areas, field, value
):
    form, api = draft_both_ways(api_as, post_form, sign_in, officer, areas, field, value)
    assert form.status_code in (302, 303), form.get_data(as_text=True)[:3000]
    assert api.status_code == 201, api.get_json()
    made = api.get_json()
    stored = made[field] if field == "response_days" else made["location"][field]
    assert stored == value
    assert sorted(getattr(c, field) for c in db.session.scalars(select(Consultation))) == [
        value,
        value,
    ]


def test_the_api_takes_no_location_or_a_whole_one(api_as, officer, areas):
    boss = api_as(officer, "read", "officer")
    assert boss.post("/consultations", api_consultation(areas)).get_json()["location"] is None
    assert boss.post("/consultations", api_consultation(areas, location=None)).status_code == 201
    half = boss.post("/consultations", api_consultation(areas, location={"latitude": 51.75}))
    problem = assert_problem(half, 422)
    assert set(problem["errors"]["json"]["location"]) == {"longitude", "radius_m"}
    assert count(Consultation) == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"response_days": 61}, "1 to 60 working days"),
        ({"response_days": 0}, "1 to 60 working days"),
        ({**POINT, "latitude": 90.000001}, LATITUDE),
        ({**POINT, "longitude": float("-inf")}, LONGITUDE),
        ({**POINT, "latitude": float("nan")}, LATITUDE),
        ({**POINT, "radius_m": 100_001}, RADIUS),
        ({**POINT, "radius_m": 0}, RADIUS),
    ],
)
def test_the_service_refuses_the_same_for_any_other_caller(
    create_user, areas, officer, changes, message
):
    details = consultations.ConsultationDetails(
        title="Sunday opening",
        summary="Should the library open on Sundays?",
        body="We propose Sunday opening.",
        process_area_id=areas["Community Consultations"].id,
        service_area_id=areas["Libraries"].id,
        **changes,
    )
    with pytest.raises(consultations.ConsultationError, match=message):
        consultations.create_consultation(officer, details)
    db.session.rollback()
    assert count(Consultation) == 0


def test_the_table_holds_the_response_standard_too(create_consultation):
    consultation = create_consultation()
    consultation.response_days = 60
    db.session.commit()
    consultation.response_days = 61
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_api_document_states_the_same_limits(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    days = schemas["ConsultationInput"]["properties"]["response_days"]
    assert (days["minimum"], days["maximum"]) == (1, 60)
    location = schemas["LocationInput"]["properties"]
    assert (location["latitude"]["minimum"], location["latitude"]["maximum"]) == (-90, 90)
    assert (location["longitude"]["minimum"], location["longitude"]["maximum"]) == (-180, 180)
    assert (location["radius_m"]["minimum"], location["radius_m"]["maximum"]) == (1, 100_000)
    seats = schemas["VoteInput"]["properties"]["seats"]
    assert (seats["minimum"], seats["maximum"]) == (1, 49)


# --- a vote's winners ------------------------------------------------------------------


def vote_both_ways(api_as, post_form, sign_in, officer, consultation, seats: int, options: int):
    """Set up an STV vote filling `seats` from `options` stated options, through the form
    and then through the API; both responses."""
    now = utcnow()
    labels = [f"Project {n}" for n in range(1, options + 1)]
    url = f"/consultations/{consultation.id}/votes/new"
    sign_in(officer)
    form = post_form(
        url,
        {
            "title": "Which projects?",
            "method": "stv",
            "seats": str(seats),
            "stated_options": "\n".join(labels),
            "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
            "eligibility": "verified",
        },
        token_page=url,
    )
    api = api_as(officer, "read", "officer").post(
        f"/consultations/{consultation.id}/votes",
        {
            "title": "Which projects?",
            "method": "stv",
            "seats": seats,
            "stated_options": [{"label": label} for label in labels],
            "opens_at": (now - timedelta(minutes=1)).isoformat(),
            "closes_at": (now + timedelta(days=3)).isoformat(),
        },
    )
    return form, api


@pytest.fixture
def voting(create_consultation, officer):
    return create_consultation(status="open", author=officer, uses_voting=True)


@pytest.mark.parametrize("seats", [0, 50, 100])
def test_winners_the_form_refuses_the_api_refuses_in_the_same_words(
    api_as, post_form, sign_in, officer, voting, seats
):
    form, api = vote_both_ways(api_as, post_form, sign_in, officer, voting, seats, options=50)
    assert_sent_back(form, "seats", SEATS, kept=(f'value="{seats}"', "Project 50"))
    assert assert_problem(api, 422, SEATS)["errors"]["json"]["seats"] == [SEATS]
    assert count(Vote) == 0


def test_the_most_winners_a_full_ballot_allows_is_taken_by_both(
    api_as, post_form, sign_in, officer, voting
):
    form, api = vote_both_ways(api_as, post_form, sign_in, officer, voting, seats=49, options=50)
    assert form.status_code == 303, form.get_data(as_text=True)[:3000]
    assert api.status_code == 201, api.get_json()
    assert api.get_json()["seats"] == 49 and len(api.get_json()["options"]) == 50
    assert [v.seats for v in db.session.scalars(select(Vote))] == [49, 49]


def test_winners_must_be_fewer_than_the_options_on_this_ballot(
    api_as, post_form, sign_in, officer, voting
):
    form, api = vote_both_ways(api_as, post_form, sign_in, officer, voting, seats=3, options=3)
    message = "There must be more options than seats to fill."
    assert form.status_code == 400 and message in form.get_data(as_text=True)
    assert_problem(api, 422, message)
    assert count(Vote) == 0
