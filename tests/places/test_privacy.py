"""Privacy: export everything as JSON, delete location data, delete the account."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from tests.places.conftest import LIBRARY
from townhall.accounts import service as accounts
from townhall.consultations import service as consultations
from townhall.extensions import db
from townhall.places import alerts, privacy, service
from townhall.places.models import CheckIn, SavedArea


def test_export_has_the_persons_data_and_no_secrets(
    client, sign_in, create_user, create_place, create_consultation
):
    person = create_user(email="me@example.org")
    place = create_place()
    service.check_in(person, place)
    alerts.save_area(person, "Home", *LIBRARY, 300)
    consultations.follow(person, create_consultation())
    db.session.commit()
    sign_in(person)
    response = client.get("/account/export.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "me@example.org"
    assert "password_hash" not in data["account"]
    assert data["check_in"]["user_id"][0]["place_id"] == place.id
    assert data["saved_area"]["user_id"][0]["radius_m"] == 300
    assert "follow" in data


def test_delete_location_data(client, sign_in, post_form, create_user, create_place):
    person = create_user()
    service.check_in(person, create_place())
    alerts.save_area(person, "Home", *LIBRARY, 300)
    db.session.commit()
    sign_in(person)
    response = post_form("/account/location-data/delete", {}, token_page="/privacy")
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0
    assert db.session.scalar(select(func.count()).select_from(SavedArea)) == 0


def test_deleting_the_account_keeps_contributions_as_former_participant(
    client, sign_in, post_form, create_user, create_place
):
    person = create_user(email="leaving@example.org", display_name="Lee Leaving")
    service.check_in(person, create_place())
    db.session.commit()
    sign_in(person)
    refused = post_form("/account/delete", {"confirm": "nope"}, token_page="/account/delete")
    assert refused.status_code == 400
    response = post_form("/account/delete", {"confirm": "delete"}, token_page="/account/delete")
    assert response.status_code == 303
    db.session.expire_all()
    gone = db.session.get(type(person), person.id)
    assert gone.display_name == privacy.FORMER_PARTICIPANT
    assert "leaving" not in gone.email and not gone.is_active
    assert accounts.find_user_by_email("leaving@example.org") is None
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0
    # Signed out, and the old password no longer works.
    assert client.get("/account/export.json").status_code in (302, 401)
    again = post_form("/sign-in", {"email": "leaving@example.org", "password": "x"})
    assert again.status_code in (400, 401, 403)
