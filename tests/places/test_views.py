"""Places' pages through the Flask client: every rule and every kind of bad input."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tests.altered_signatures import altered
from tests.places.conftest import LIBRARY, PARK
from townhall.accounts.permissions import Role
from townhall.database import utcnow
from townhall.extensions import db
from townhall.places import service
from townhall.places.models import CheckIn, Place, StaffTask, TaskStatus


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_officer_adds_a_place_and_prints_its_poster(client, sign_in, post_form, create_user, areas):
    sign_in(create_user(role=Role.OFFICER))
    response = post_form(
        "/places/new",
        {
            "name": "Central Library",
            "kind": "library",
            "address": "1 Library Square",
            "latitude": "51.752",
            "longitude": "-1.2577",
            "opening_hours": "9 to 5",
            "service_area_id": str(areas["Libraries"].id),
        },
        token_page="/places/new",
    )
    assert response.status_code == 303, text_of(response)
    place = db.session.scalar(select(Place))
    poster = client.get(f"/places/{place.id}/poster")
    assert poster.status_code == 200
    html = text_of(poster)
    assert "<svg" in html and "Central Library" in html
    assert service.check_in_code(place) in html
    svg = client.get(f"/places/{place.id}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and text_of(svg).startswith("<svg")


def test_bad_place_details_are_sent_back(client, sign_in, post_form, create_user, areas):
    sign_in(create_user(role=Role.OFFICER))
    response = post_form(
        "/places/new",
        {"name": "X", "kind": "library", "address": "Y", "latitude": "95", "longitude": "0"},
        token_page="/places/new",
    )
    assert response.status_code == 400
    assert "Latitude runs from -90 to 90." in text_of(response)


def test_only_officers_manage_places(client, sign_in, create_user, create_place):
    place = create_place()
    assert client.get("/places/new").status_code == 401
    sign_in(create_user())
    assert client.get("/places/new").status_code == 403
    assert client.get(f"/places/{place.id}/poster").status_code == 403
    assert client.get("/places/999/edit").status_code == 403


def test_anyone_sees_what_is_on_at_a_place(client, create_place, create_consultation):
    place = create_place()
    consultation = create_consultation(title="Sunday opening")
    service.link_consultation(place, consultation)
    db.session.commit()
    response = client.get(f"/c/{service.check_in_code(place)}")
    assert response.status_code == 200
    assert "Sunday opening" in text_of(response)
    assert "Sign in" in text_of(response)
    assert "Find it in person" in text_of(client.get(f"/consultations/{consultation.id}"))


def test_unknown_or_tampered_codes_are_404_with_a_message(client, create_place):
    place = create_place()
    code = service.check_in_code(place)
    for bad in (*altered(code), "999.abc", "hello"):
        response = client.get(f"/c/{bad}")
        assert response.status_code == 404
        assert "not one of ours" in text_of(response)


def test_signed_in_check_in_is_recorded_and_distance_checked(
    client, sign_in, post_form, create_user, create_place
):
    place = create_place()
    code = service.check_in_code(place)
    sign_in(create_user())
    far = post_form(
        f"/c/{code}", {"latitude": str(PARK[0]), "longitude": str(PARK[1])}, token_page=f"/c/{code}"
    )
    assert far.status_code == 403 and "Check in when you are there" in text_of(far)
    bad = post_form(f"/c/{code}", {"latitude": "north", "longitude": "1"}, token_page=f"/c/{code}")
    assert bad.status_code == 400 and "as numbers" in text_of(bad)
    near = post_form(
        f"/c/{code}",
        {"latitude": str(LIBRARY[0]), "longitude": str(LIBRARY[1])},
        token_page=f"/c/{code}",
    )
    assert near.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1


def test_officer_sets_a_task_and_staff_complete_it(
    client, sign_in, post_form, create_user, create_place
):
    place = create_place()
    officer = create_user(role=Role.OFFICER)
    staff = create_user(role=Role.STAFF)
    sign_in(officer)
    due = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = post_form(
        "/tasks",
        {
            "place_id": str(place.id),
            "title": "Check the noticeboard",
            "assignee_id": "0",
            "due_at": due,
        },
        token_page="/tasks",
    )
    assert response.status_code == 303, text_of(response)
    missing = post_form(
        "/tasks",
        {"place_id": "4242", "title": "Ghost task", "assignee_id": "0", "due_at": due},
        token_page="/tasks",
    )
    assert missing.status_code == 400 and "no such place" in text_of(missing)
    client.post("/sign-out", data={"csrf_token": ""})
    client.delete_cookie("session")
    sign_in(staff)
    task = db.session.scalar(select(StaffTask))
    assert "Check the noticeboard" in text_of(client.get("/tasks"))
    assert post_form(f"/tasks/{task.id}/accept", {}, token_page="/tasks").status_code == 303
    refused = post_form(f"/tasks/{task.id}/hand_back", {"note": ""}, token_page="/tasks")
    assert refused.status_code == 409 and "Say why" in text_of(refused)
    done = post_form(f"/tasks/{task.id}/complete", {"note": "All up to date"}, token_page="/tasks")
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(StaffTask, task.id).status is TaskStatus.DONE


def test_citizens_cannot_see_or_set_tasks(client, sign_in, post_form, create_user):
    sign_in(create_user())
    assert client.get("/tasks").status_code == 403


def test_saved_areas_refuse_bad_radii(client, sign_in, post_form, create_user):
    sign_in(create_user())
    for radius, message in (
        ("-5", "from 1 to 50,000"),
        ("999999999", "from 1 to 50,000"),
        ("", "Give a radius"),
    ):
        response = post_form(
            "/places/areas",
            {"form": "area", "a-latitude": "51.75", "a-longitude": "-1.25", "a-radius_m": radius},
            token_page="/places/areas",
        )
        assert response.status_code == 400, radius
        assert message in text_of(response)
    ok = post_form(
        "/places/areas",
        {
            "form": "area",
            "a-label": "Home",
            "a-latitude": "51.75",
            "a-longitude": "-1.25",
            "a-radius_m": "800",
        },
        token_page="/places/areas",
    )
    assert ok.status_code == 303
    assert "Home: within 800 metres" in text_of(client.get("/places/areas"))


def test_nearby_over_http_refuses_bad_and_too_frequent_positions(
    client, sign_in, create_user, create_place
):
    create_place()
    sign_in(create_user())
    token = _token(client, "/places/areas")
    headers = {"X-CSRFToken": token}
    bad = client.post("/places/nearby", json={"latitude": 200, "longitude": 0}, headers=headers)
    assert bad.status_code == 400 and "Latitude runs from -90 to 90." in bad.get_json()["error"]
    first = client.post(
        "/places/nearby", json={"latitude": LIBRARY[0], "longitude": LIBRARY[1]}, headers=headers
    )
    assert first.status_code == 200 and first.get_json()["items"][0]["title"] == "Central Library"
    again = client.post(
        "/places/nearby", json={"latitude": LIBRARY[0], "longitude": LIBRARY[1]}, headers=headers
    )
    assert again.status_code == 429


def _token(client, page: str) -> str:
    import re

    html = client.get(page).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_service_worker_is_served_from_the_root(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "showNotification" in text_of(response)


def test_privacy_page_says_how_long(client):
    assert "30 days" in text_of(client.get("/privacy"))


def test_officer_links_and_unlinks_a_consultation(
    client, sign_in, post_form, create_user, create_place, create_consultation
):
    place = create_place()
    consultation = create_consultation(title="Sunday opening")
    sign_in(create_user(role=Role.OFFICER))
    page = f"/places/{place.id}"
    linked = post_form(
        f"/places/{place.id}/consultations", {"consultation_id": consultation.id}, token_page=page
    )
    assert linked.status_code == 303
    assert "Sunday opening" in text_of(client.get(f"/c/{service.check_in_code(place)}"))
    missing = post_form(
        f"/places/{place.id}/consultations", {"consultation_id": "777"}, token_page=page
    )
    assert missing.status_code == 404
    unlinked = post_form(
        f"/places/{place.id}/consultations",
        {"consultation_id": consultation.id, "action": "unlink"},
        token_page=page,
    )
    assert unlinked.status_code == 303
    assert service.linked_consultations(place) == []


def test_officer_edits_a_place(client, sign_in, post_form, create_user, create_place):
    place = create_place()
    sign_in(create_user(role=Role.OFFICER))
    form = {
        "name": "Central Library and Museum",
        "kind": "library",
        "address": "1 Library Square",
        "latitude": "51.752",
        "longitude": "-1.2577",
        "service_area_id": "0",
    }
    response = post_form(f"/places/{place.id}/edit", form, token_page=f"/places/{place.id}/edit")
    assert response.status_code == 303
    assert "Central Library and Museum" in text_of(client.get("/places"))


def test_one_cannot_remove_someone_elses_area(client, sign_in, post_form, create_user):
    from townhall.places import alerts

    owner = create_user()
    area = alerts.save_area(owner, "Home", *LIBRARY, 300)
    db.session.commit()
    sign_in(create_user())
    response = post_form(f"/places/areas/{area.id}/delete", {}, token_page="/places/areas")
    assert response.status_code == 404


def test_alert_settings_and_topics(client, sign_in, post_form, create_user, areas):
    sign_in(create_user())
    response = post_form(
        "/places/areas",
        {
            "form": "settings",
            "s-email_frequency": "weekly",
            "s-quiet_start": "22",
            "s-quiet_end": "",
        },
        token_page="/places/areas",
    )
    assert response.status_code == 400 and "or neither" in text_of(response)
    response = post_form(
        "/places/areas",
        {
            "form": "settings",
            "s-email_frequency": "weekly",
            "s-quiet_start": "22",
            "s-quiet_end": "7",
        },
        token_page="/places/areas",
    )
    assert response.status_code == 303
    response = post_form(
        "/places/areas",
        {"form": "topics", "t-topics": [str(areas["Libraries"].id)]},
        token_page="/places/areas",
    )
    assert response.status_code == 303
    bogus = post_form("/places/areas", {"form": "nonsense"}, token_page="/places/areas")
    assert bogus.status_code == 400
