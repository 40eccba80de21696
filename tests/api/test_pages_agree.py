"""The API and the pages agree: what one writes, the other shows."""

from __future__ import annotations

from tests.api.conftest import Api


def test_comment_made_through_the_api_shows_on_the_page(
    client, api_as, officer, create_consultation
):
    consultation = create_consultation(status="open", author=officer)
    # An officer's posts are not held as a new member's would be.
    made = api_as(officer, "write").post(
        f"/consultations/{consultation.id}/comments", {"body": "Written through the API"}
    )
    assert made.status_code == 201
    page = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert "Written through the API" in page


def test_announcement_posted_on_the_page_is_read_through_the_api(
    client, sign_in, post_form, officer, create_consultation, make_token
):
    consultation = create_consultation(status="open", author=officer)
    sign_in(officer)
    response = post_form(
        f"/consultations/{consultation.id}/announcements",
        {"announcement-title": "Drop-in session", "announcement-body": "Tuesday at the library."},
        token_page=f"/consultations/{consultation.id}",
    )
    assert response.status_code == 303
    api = Api(client, make_token(officer, "read"))
    items = api.get(f"/consultations/{consultation.id}/announcements").get_json()["items"]
    assert items[0]["title"] == "Drop-in session"


def test_consultation_created_through_the_api_is_on_the_listing_page(
    client, api_as, officer, areas
):
    from datetime import timedelta

    from townhall.database import utcnow

    boss = api_as(officer, "officer")
    made = boss.post(
        "/consultations",
        {
            "title": "Tree planting on Mill Road",
            "summary": "Which trees?",
            "body": "Tell us.",
            "process_area_id": areas["Community Consultations"].id,
            "service_area_id": areas["Highways"].id,
            "closes_at": (utcnow() + timedelta(days=5)).isoformat(),
        },
    ).get_json()
    boss.post(f"/consultations/{made['id']}/transitions", {"action": "open"})
    listing = client.get("/consultations").get_data(as_text=True)
    assert "Tree planting on Mill Road" in listing
