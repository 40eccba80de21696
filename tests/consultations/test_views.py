"""Consultation pages through the Flask client."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from townhall.accounts.permissions import Role
from townhall.consultations import service
from townhall.consultations.models import Announcement, Consultation, Status
from townhall.database import utcnow
from townhall.extensions import db


def text_of(response) -> str:
    return response.get_data(as_text=True)


def consultation_form(areas, **overrides):
    data = {
        "title": "Sunday opening at the central library",
        "summary": "Should the library open on Sundays?",
        "body": "We propose **Sunday** opening.",
        "process_area_id": str(areas["Community Consultations"].id),
        "service_area_id": str(areas["Libraries"].id),
        "audience": "public",
        "opens_at": "",
        "closes_at": (utcnow() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
        "uses_dialogue": "y",
        "uses_outcome": "y",
        "response_days": "10",
    }
    data.update(overrides)
    return data


def test_home_lists_open_consultations_only(client, create_consultation):
    create_consultation(title="Open one")
    create_consultation(title="Closed one", status="closed")
    create_consultation(title="Staff one", audience="staff")
    html = text_of(client.get("/"))
    assert "Open one" in html
    assert "Closed one" not in html and "Staff one" not in html


def test_listing_page_with_filters(client, create_consultation, areas):
    create_consultation(title="Sunday library hours")
    create_consultation(
        title="Road crossings",
        summary="Safer crossings near schools",
        body="Where?",
        service_area_id=areas["Road Safety"].id,
    )
    html = text_of(client.get("/consultations?q=library"))
    assert "Sunday library hours" in html and "Road crossings" not in html
    html = text_of(client.get(f"/consultations?area={areas['Road Safety'].id}"))
    assert "Road crossings" in html and "Sunday library hours" not in html
    # Nonsense filters are ignored rather than failing.
    response = client.get("/consultations?area=abc&status=bogus&page=-3&audience=x")
    assert response.status_code == 200


def test_show_renders_the_sanitised_body(client, create_consultation):
    consultation = create_consultation(body="Hi <img src=x onerror=alert(1)> **bold**")
    html = text_of(client.get(f"/consultations/{consultation.id}"))
    assert "<strong>bold</strong>" in html
    assert "<img" not in html  # shown as text, never as a tag


def test_staff_only_and_draft_consultations_are_404_to_others(
    client, create_consultation, create_user, sign_in
):
    staff_only = create_consultation(audience="staff")
    draft = create_consultation(status="draft")
    for consultation in (staff_only, draft):
        assert client.get(f"/consultations/{consultation.id}").status_code == 404
    sign_in(create_user())
    for consultation in (staff_only, draft):
        assert client.get(f"/consultations/{consultation.id}").status_code == 404
    assert client.get("/consultations/999999").status_code == 404


def test_staff_can_read_staff_consultations(client, create_consultation, create_user, sign_in):
    staff_only = create_consultation(audience="staff", title="Hybrid working policy")
    sign_in(create_user(role=Role.STAFF))
    assert "Hybrid working policy" in text_of(client.get(f"/consultations/{staff_only.id}"))


def test_officer_creates_and_opens_a_consultation(client, create_user, sign_in, post_form, areas):
    sign_in(create_user(role=Role.OFFICER))
    response = post_form(
        "/consultations/new", consultation_form(areas), token_page="/consultations/new"
    )
    assert response.status_code == 302
    consultation = db.session.scalars(select(Consultation)).one()
    assert consultation.status is Status.DRAFT
    path = f"/consultations/{consultation.id}"
    response = post_form(
        f"{path}/transition", {"action": "open", "confirm": "yes"}, token_page=path
    )
    assert response.status_code == 303
    db.session.refresh(consultation)
    assert consultation.status is Status.OPEN


def test_creating_with_bad_input_keeps_what_was_typed(
    client, create_user, sign_in, post_form, areas
):
    sign_in(create_user(role=Role.OFFICER))
    data = consultation_form(
        areas, title="", closes_at="not a date", response_days="0", latitude="95"
    )
    response = post_form("/consultations/new", data, token_page="/consultations/new")
    assert response.status_code == 400
    html = text_of(response)
    assert "Give the consultation a title." in html
    assert "Use 1 to 60 days." in html
    assert "Latitude runs from -90 to 90." in html
    assert "Should the library open on Sundays?" in html  # the summary is kept
    assert db.session.scalars(select(Consultation)).first() is None


def test_creating_with_a_closing_time_before_opening(
    client, create_user, sign_in, post_form, areas
):
    sign_in(create_user(role=Role.OFFICER))
    data = consultation_form(areas, opens_at="2031-05-02T10:00", closes_at="2031-05-01T10:00")
    response = post_form("/consultations/new", data, token_page="/consultations/new")
    assert response.status_code == 400
    assert "The closing time must be after the opening time." in text_of(response)


def test_citizens_cannot_create_or_run_consultations(
    client, create_user, sign_in, post_form, create_consultation, areas
):
    consultation = create_consultation()
    sign_in(create_user())
    assert client.get("/consultations/new").status_code == 403
    path = f"/consultations/{consultation.id}"
    assert post_form(f"{path}/transition", {"action": "close"}, token_page=path).status_code == 403
    assert client.get(f"{path}/edit").status_code == 403


def test_an_invalid_transition_is_a_409_with_a_reason(
    client, create_user, sign_in, post_form, create_consultation
):
    consultation = create_consultation(status="draft")
    sign_in(consultation.created_by)
    path = f"/consultations/{consultation.id}"
    response = post_form(f"{path}/transition", {"action": "close"}, token_page=path)
    assert response.status_code == 409
    assert "A consultation that is draft cannot be closed." in text_of(response)
    response = post_form(f"{path}/transition", {"action": "explode"}, token_page=path)
    assert response.status_code == 400


def test_editing_keeps_input_on_error(client, sign_in, post_form, create_consultation, areas):
    consultation = create_consultation()
    sign_in(consultation.created_by)
    path = f"/consultations/{consultation.id}/edit"
    page = text_of(client.get(path))
    assert "Library opening hours" in page
    data = consultation_form(
        areas, title="Renamed", closes_at=(utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    )
    response = post_form(path, data, token_page=path)
    assert response.status_code == 400
    assert "closing time in the future" in text_of(response)
    assert 'value="Renamed"' in text_of(response)


def test_announcement_posting_and_bad_input(
    client, sign_in, post_form, create_consultation, create_user
):
    consultation = create_consultation()
    follower = create_user()
    service.follow(follower, consultation)
    db.session.commit()
    sign_in(consultation.created_by)
    path = f"/consultations/{consultation.id}"
    response = post_form(
        f"{path}/announcements",
        {"announcement-title": "", "announcement-body": "Drop in on Tuesday"},
        token_page=path,
    )
    assert response.status_code == 400
    assert "Give the announcement a title." in text_of(response)
    assert "Drop in on Tuesday" in text_of(response)
    response = post_form(
        f"{path}/announcements",
        {"announcement-title": "Drop-in", "announcement-body": "Tuesday at 6"},
        token_page=path,
    )
    assert response.status_code == 303
    assert db.session.scalars(select(Announcement)).one().title == "Drop-in"
    assert "Tuesday at 6" in text_of(client.get(path))


def test_citizens_cannot_announce(client, sign_in, post_form, create_consultation, create_user):
    consultation = create_consultation()
    sign_in(create_user())
    path = f"/consultations/{consultation.id}"
    response = post_form(
        f"{path}/announcements",
        {"announcement-title": "Hi", "announcement-body": "x"},
        token_page=path,
    )
    assert response.status_code == 403


def test_follow_and_unfollow(client, sign_in, post_form, create_consultation, create_user):
    consultation = create_consultation()
    person = create_user()
    sign_in(person)
    path = f"/consultations/{consultation.id}"
    assert post_form(f"{path}/follow", {"action": "follow"}, token_page=path).status_code == 303
    assert service.is_following(person, consultation)
    assert "Stop following" in text_of(client.get(path))
    assert post_form(f"{path}/follow", {"action": "unfollow"}, token_page=path).status_code == 303
    assert not service.is_following(person, consultation)
    assert post_form(f"{path}/follow", {"action": "dance"}, token_page=path).status_code == 400


def test_publishing_the_outcome(client, sign_in, post_form, create_consultation):
    consultation = create_consultation(status="closed")
    sign_in(consultation.created_by)
    path = f"/consultations/{consultation.id}/outcome"
    response = post_form(
        path,
        {"you_said": "Open Sundays", "decision": "", "reasons": "", "next_steps": ""},
        token_page=path,
    )
    assert response.status_code == 400
    assert "Say what was decided." in text_of(response)
    assert "Open Sundays" in text_of(response)
    data = {
        "you_said": "Open Sundays",
        "decision": "We will",
        "reasons": "Demand",
        "next_steps": "From May",
    }
    assert post_form(path, data, token_page=path).status_code == 303
    html = text_of(client.get(f"/consultations/{consultation.id}"))
    assert "Outcome: you said, we did" in html and "From May" in html


def test_outcome_page_refuses_an_open_consultation(client, sign_in, create_consultation):
    consultation = create_consultation()
    sign_in(consultation.created_by)
    assert client.get(f"/consultations/{consultation.id}/outcome").status_code == 403


def test_scheduled_consultations_open_when_someone_visits(client, create_consultation, app):
    consultation = create_consultation(status="scheduled")
    consultation.opens_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    service.reset_schedule_clock()
    assert client.get(f"/consultations/{consultation.id}").status_code == 200
    db.session.refresh(consultation)
    assert consultation.status is Status.OPEN


def test_tick_command(runner, create_consultation):
    consultation = create_consultation()
    consultation.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    result = runner.invoke(args=["townhall", "tick"])
    assert result.exit_code == 0 and "closed 1" in result.output
    db.session.refresh(consultation)
    assert consultation.status is Status.CLOSED


def test_admin_edits_areas(client, create_user, sign_in, post_form, areas):
    sign_in(create_user(role=Role.ADMIN))
    assert "Trading Standards" in text_of(client.get("/admin/areas"))
    response = post_form(
        "/admin/areas", {"kind": "service", "name": "Parks"}, token_page="/admin/areas"
    )
    assert response.status_code == 303
    response = post_form(
        "/admin/areas", {"kind": "service", "name": "parks"}, token_page="/admin/areas"
    )
    assert response.status_code == 400
    assert "There is already a service area called parks." in text_of(response)
    response = post_form("/admin/areas", {"kind": "", "name": "Museums"}, token_page="/admin/areas")
    assert response.status_code == 400
    assert 'value="Museums"' in text_of(response)
    libraries = areas["Libraries"]
    response = post_form(
        f"/admin/areas/{libraries.id}", {"action": "retire"}, token_page="/admin/areas"
    )
    assert response.status_code == 303
    response = post_form(
        f"/admin/areas/{libraries.id}", {"action": "rename", "name": ""}, token_page="/admin/areas"
    )
    assert response.status_code == 400


def test_areas_page_is_for_admins(client, create_user, sign_in):
    sign_in(create_user(role=Role.OFFICER))
    assert client.get("/admin/areas").status_code == 403
