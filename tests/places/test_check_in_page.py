"""The check-in and areas pages (issue 15, finding 14): cards laid out as a card list,
and staff-only topics offered to staff alone (the layout itself is checked in
tests/browser/test_places_layout.py)."""

from __future__ import annotations

import re

from sqlalchemy import select

from townhall.accounts.permissions import Role
from townhall.extensions import db
from townhall.places import alerts, service
from townhall.places.models import SavedTopic

STAFF_TOPICS = ("Staff Consultations", "Staff Engagement")


def _topics_offered(html: str) -> list[str]:
    fieldset = re.search(r"<legend[^>]*>\s*Topics I want to hear about.*?</fieldset>", html, re.S)
    assert fieldset, html[:3000]
    return re.findall(r"<label[^>]*>([^<(]+) \(", fieldset.group(0))


def test_check_in_cards_are_a_card_list(client, create_place, create_consultation):
    library = create_place()
    service.link_consultation(library, create_consultation(title="Sunday opening hours"))
    db.session.commit()
    html = client.get(f"/c/{service.check_in_code(library)}").get_data(as_text=True)
    assert '<ul class="card-list consultation-list">' in html


def test_citizens_are_not_offered_staff_only_topics(
    client, sign_in, create_user, areas, create_consultation
):
    # Trading Standards holds only a staff consultation: nothing there reaches citizens.
    create_consultation(
        title="Team rota",
        audience="staff",
        process_area_id=areas["Knowledge Sharing"].id,
        service_area_id=areas["Trading Standards"].id,
    )
    create_consultation(title="Book club", process_area_id=areas["Knowledge Sharing"].id)
    db.session.commit()
    sign_in(create_user())
    offered = [name.strip() for name in _topics_offered(client.get("/places/areas").text)]
    assert "Libraries" in offered and "Community Consultations" in offered
    for staff_only in (*STAFF_TOPICS, "Trading Standards"):
        assert staff_only not in offered
    # Knowledge Sharing holds a public consultation too, so it reaches citizens.
    assert "Knowledge Sharing" in offered


def test_staff_are_offered_every_topic(client, sign_in, create_user, areas):
    sign_in(create_user(role=Role.STAFF))
    offered = [name.strip() for name in _topics_offered(client.get("/places/areas").text)]
    assert set(STAFF_TOPICS) <= set(offered) and "Libraries" in offered


def test_a_citizen_cannot_save_a_staff_only_topic(client, sign_in, post_form, create_user, areas):
    citizen = create_user()
    sign_in(citizen)
    response = post_form(
        "/places/areas",
        {"form": "topics", "t-topics": [str(areas["Staff Consultations"].id)]},
        token_page="/places/areas",
    )
    assert response.status_code == 400
    assert "Choose topics from the list." in response.get_data(as_text=True)
    assert db.session.scalars(select(SavedTopic)).all() == []
    assert areas["Staff Consultations"].id in alerts.staff_only_area_ids()
