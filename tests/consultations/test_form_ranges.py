"""Numbers in the consultation form: areas, the response standard and the location out
of range (or no numbers at all) come back beside their field, with what was typed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.consultations.test_views import consultation_form
from tests.form_ranges import assert_sent_back
from townhall.accounts.permissions import Role
from townhall.consultations.models import Consultation
from townhall.database import MAX_ID
from townhall.extensions import db

TOO_BIG = str(MAX_ID + 1)
HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"process_area_id": HUGE}, "process_area_id", "Choose a process area from the list."),
        ({"process_area_id": "x"}, "process_area_id", "Choose a process area from the list."),
        ({"service_area_id": TOO_BIG}, "service_area_id", "Choose a service area from the list."),
        ({"service_area_id": "0"}, "service_area_id", "Choose a service area from the list."),
        ({"response_days": HUGE}, "response_days", "Use 1 to 60 days."),
        ({"response_days": "ten"}, "response_days", "Use 1 to 60 days."),
        ({"latitude": "sNaN"}, "latitude", "Latitude runs from -90 to 90."),
        ({"latitude": "north"}, "latitude", "Latitude runs from -90 to 90."),
        ({"longitude": "-Infinity"}, "longitude", "Longitude runs from -180 to 180."),
        ({"longitude": "1e999999"}, "longitude", "Longitude runs from -180 to 180."),
        ({"radius_m": HUGE}, "radius_m", "Give a radius of 1 to 100,000 metres."),
        ({"radius_m": "100001"}, "radius_m", "Give a radius of 1 to 100,000 metres."),
        ({"radius_m": "a mile"}, "radius_m", "Give a radius of 1 to 100,000 metres."),
    ],
)
def test_a_number_out_of_range_comes_back_beside_its_field(
    client, create_user, sign_in, post_form, areas, changes, field, message
):
    sign_in(create_user(role=Role.OFFICER))
    located = {"latitude": "51.752", "longitude": "-1.2577", "radius_m": "800"}
    data = consultation_form(areas, **{**located, **changes})
    response = post_form("/consultations/new", data, token_page="/consultations/new")
    kept = [
        'value="Sunday opening at the central library"',
        "Should the library open on Sundays?",
        "We propose **Sunday** opening.",
    ]
    if not field.endswith("area_id"):  # a select shows its options, not what was sent
        kept.append(f'value="{changes[field]}"')
    html = assert_sent_back(response, field, message, kept=tuple(kept))
    assert html.count(message) == 2  # beside the field and in the summary: once each
    assert db.session.scalars(select(Consultation)).first() is None


def test_a_null_character_in_typed_text_never_reaches_the_database(
    client, create_user, sign_in, post_form, areas
):
    # PostgreSQL refuses a statement with a NUL in a text value (the fuzzer found it
    # here, in the lookup of an area by name): the form drops it, as no one types it.
    from townhall.consultations.models import Area

    sign_in(create_user(role=Role.ADMIN))
    response = post_form(
        "/admin/areas", {"kind": "process", "name": "Open\x00 spaces"}, token_page="/admin/areas"
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    names = db.session.scalars(select(Area.name)).all()
    assert "Open spaces" in names
    response = post_form(
        "/admin/areas", {"kind": "service", "name": "\x00"}, token_page="/admin/areas"
    )
    assert_sent_back(response, "name", "Enter a name for the area.")
