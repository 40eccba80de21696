"""Numbers in places' forms: out of range or not numbers at all, each comes back beside
its field in the person's words, with the rest of what they typed (never a bare 400)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.form_ranges import assert_sent_back
from townhall.accounts.permissions import Role
from townhall.consultations.service import LATITUDE_MESSAGE, LONGITUDE_MESSAGE
from townhall.database import MAX_ID, utcnow
from townhall.extensions import db
from townhall.places.models import Place, SavedArea, StaffTask

# Past every id column (PostgreSQL's INTEGER overflows), a word, and a number just past.
TOO_BIG = str(MAX_ID + 1)
HUGE = "99999999999999999999"
NO_PLACE = "There is no such place: choose one from the list of places."


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("value", [HUGE, TOO_BIG, "-3", "libraries", "2.5"])
def test_a_place_with_a_service_area_not_on_the_list_comes_back(
    client, sign_in, post_form, create_user, areas, value
):
    sign_in(create_user(role=Role.OFFICER))
    response = post_form(
        "/places/new",
        {
            "name": "Northway Library",
            "kind": "library",
            "address": "2 Northway",
            "latitude": "51.771",
            "longitude": "-1.2395",
            "opening_hours": "Tuesdays 9 to 5",
            "service_area_id": value,
        },
        token_page="/places/new",
    )
    assert_sent_back(
        response,
        "service_area_id",
        "Choose a service area from the list.",
        kept=('value="Northway Library"', 'value="2 Northway"', "Tuesdays 9 to 5"),
    )
    assert count(Place) == 0


@pytest.mark.parametrize(("value", "field"), [("north", "latitude"), ("1e309", "longitude")])
def test_a_position_that_is_no_number_gets_one_message(
    client, sign_in, post_form, create_user, areas, value, field
):
    sign_in(create_user(role=Role.OFFICER))
    data = {
        "name": "Northway Library",
        "kind": "library",
        "address": "2 Northway",
        "latitude": "51.771",
        "longitude": "-1.2395",
        field: value,
    }
    response = post_form("/places/new", data, token_page="/places/new")
    # The consultation's words for the same mistake (townhall.consultations.service).
    message = LATITUDE_MESSAGE if field == "latitude" else LONGITUDE_MESSAGE
    html = assert_sent_back(
        response, field, message, kept=(f'value="{value}"', 'value="Northway Library"')
    )
    assert html.count(message) == 2  # beside the field and in the summary, nothing else


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        ({"place_id": HUGE}, "place_id", NO_PLACE),
        ({"place_id": "town hall"}, "place_id", NO_PLACE),
        ({"assignee_id": TOO_BIG}, "assignee_id", "Choose who the task is for from the list."),
        ({"assignee_id": "anyone"}, "assignee_id", "Choose who the task is for from the list."),
    ],
)  # fmt: skip
def test_a_task_with_a_place_or_person_not_on_the_list_comes_back(
    client, sign_in, post_form, create_user, create_place, changes, field_id, message
):
    place = create_place()
    sign_in(create_user(role=Role.OFFICER))
    due = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    typed = {
        "place_id": str(place.id),
        "title": "Change the noticeboard",
        "details": "The March posters are out of date.",
        "assignee_id": "0",
        "due_at": due,
    }
    response = post_form("/tasks", {**typed, **changes}, token_page="/tasks")
    assert_sent_back(
        response,
        field_id,
        message,
        kept=('value="Change the noticeboard"', "The March posters are out of date.", due),
    )
    assert count(StaffTask) == 0


@pytest.mark.parametrize("radius", [HUGE, TOO_BIG, "50001", "0", "a mile", "NaN"])
def test_an_area_with_a_radius_out_of_range_comes_back(
    client, sign_in, post_form, create_user, radius
):
    sign_in(create_user())
    response = post_form(
        "/places/areas",
        {
            "form": "area",
            "a-label": "Near work",
            "a-latitude": "51.75",
            "a-longitude": "-1.25",
            "a-radius_m": radius,
        },
        token_page="/places/areas",
    )
    assert_sent_back(
        response,
        "a-radius_m",
        "The radius must be from 1 to 50,000 metres.",
        kept=(f'value="{radius}"', 'value="Near work"', 'value="51.75"', 'value="-1.25"'),
    )
    assert count(SavedArea) == 0


@pytest.mark.parametrize("value", [HUGE, TOO_BIG, "library"])
def test_a_place_to_hear_about_not_on_the_list_comes_back(
    client, sign_in, post_form, create_user, create_place, value
):
    create_place()
    sign_in(create_user())
    response = post_form(
        "/places/areas", {"form": "place", "p-place_id": value}, token_page="/places/areas"
    )
    assert_sent_back(response, "p-place_id", "Choose a place from the list.")
    assert count(SavedArea) == 0


@pytest.mark.parametrize("value", [HUGE, TOO_BIG, "parks"])
def test_topics_not_on_the_list_are_refused_in_plain_words(
    client, sign_in, post_form, create_user, areas, value
):
    sign_in(create_user())
    response = post_form(
        "/places/areas",
        {"form": "topics", "t-topics": [str(areas["Libraries"].id), value]},
        token_page="/places/areas",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<li><a href="#t-topics">Choose topics from the list.</a></li>' in html
    assert "could not coerce" not in html and "not a valid choice" not in html


@pytest.mark.parametrize("value", [HUGE, TOO_BIG, "the vote"])
def test_showing_a_consultation_not_on_the_list_is_refused_in_plain_words(
    client, sign_in, post_form, create_user, create_place, value
):
    place = create_place()
    sign_in(create_user(role=Role.OFFICER))
    response = post_form(
        f"/places/{place.id}/consultations",
        {"consultation_id": value},
        token_page=f"/places/{place.id}",
    )
    assert response.status_code == 400
    assert "Choose a consultation from the list." in response.get_data(as_text=True)
