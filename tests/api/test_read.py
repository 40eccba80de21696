"""Reading through the API: consultations, announcements, outcomes, areas; hidden stays hidden."""

from __future__ import annotations

from tests.altered_signatures import altered
from tests.api.conftest import assert_problem
from townhall.accounts.permissions import Role
from townhall.consultations import service
from townhall.extensions import db


def test_lists_published_public_consultations_to_anyone(api_as, create_consultation):
    shown = create_consultation(status="open", title="Park benches")
    create_consultation(status="draft", title="Secret draft")
    create_consultation(status="open", audience="staff", title="Staff canteen")
    response = api_as(None).get("/consultations")
    assert response.status_code == 200
    body = response.get_json()
    assert [c["title"] for c in body["items"]] == ["Park benches"]
    assert body["items"][0]["id"] == shown.id
    assert body["items"][0]["url"].endswith(f"/consultations/{shown.id}")
    assert body["next_cursor"] is None


def test_staff_see_staff_consultations_with_a_read_token(api_as, create_user, create_consultation):
    staff = create_consultation(status="open", audience="staff", title="Staff canteen")
    reader = api_as(create_user(role=Role.STAFF), "read")
    assert reader.get(f"/consultations/{staff.id}").status_code == 200
    assert_problem(api_as(None).get(f"/consultations/{staff.id}"), 404, "no such consultation")


def test_drafts_are_404_as_on_the_pages(api_as, create_consultation, client):
    draft = create_consultation(status="draft")
    assert_problem(api_as(None).get(f"/consultations/{draft.id}"), 404)
    assert client.get(f"/consultations/{draft.id}").status_code == 404


def test_filters_match_the_listing_page(api_as, create_consultation, areas):
    create_consultation(status="open", title="Library hours")
    create_consultation(status="closed", title="Bin collections")
    api = api_as(None)

    def titles(**query: object) -> list[str]:
        items = api.get("/consultations", query_string=query).get_json()["items"]
        return [c["title"] for c in items]

    assert titles(status="closed") == ["Bin collections"]
    assert titles(q="hours") == ["Library hours"]
    assert titles(area=areas["Libraries"].id) == ["Library hours", "Bin collections"]  # open first
    assert titles(area=areas["Highways"].id) == []


def test_cursor_pages_through_everything_once(api_as, create_consultation):
    made = {create_consultation(status="open", title=f"Consultation {n}").id for n in range(15)}
    api = api_as(None)
    seen: list[int] = []
    cursor = None
    while True:
        query = {"cursor": cursor} if cursor else {}
        body = api.get("/consultations", query_string=query).get_json()
        seen.extend(c["id"] for c in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(made)


def test_tampered_cursor_is_refused(api_as, create_consultation):
    for n in range(13):
        create_consultation(status="open", title=f"C{n}")
    api = api_as(None)
    cursor = api.get("/consultations").get_json()["next_cursor"]
    for bad in altered(cursor):
        body = assert_problem(
            api.get("/consultations", query_string={"cursor": bad}), 400, "cursor"
        )
        assert "cursor" in body["errors"]["query"]
    # A good cursor used with other filters is refused too.
    assert_problem(
        api.get("/consultations", query_string={"cursor": cursor, "status": "open"}), 400, "filters"
    )


def test_etag_and_conditional_get(api_as, create_consultation):
    consultation = create_consultation(status="open")
    api = api_as(None)
    first = api.get(f"/consultations/{consultation.id}")
    etag = first.headers["ETag"]
    again = api.get(f"/consultations/{consultation.id}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    consultation.title = "Changed"
    db.session.commit()
    changed = api.get(f"/consultations/{consultation.id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.get_json()["title"] == "Changed"


def test_announcements_and_outcome(api_as, create_consultation, officer):
    consultation = create_consultation(status="outcome_published", author=officer)
    service.post_announcement(consultation, officer, "Results soon", "We are counting.")
    db.session.commit()
    api = api_as(None)
    items = api.get(f"/consultations/{consultation.id}/announcements").get_json()["items"]
    assert [a["title"] for a in items] == ["Results soon"]
    outcome = api.get(f"/consultations/{consultation.id}/outcome").get_json()
    assert outcome["decision"] == "Open on Sundays."


def test_outcome_not_yet_published_is_404(api_as, create_consultation):
    consultation = create_consultation(status="open")
    assert_problem(api_as(None).get(f"/consultations/{consultation.id}/outcome"), 404, "outcome")


def test_areas(api_as, areas):
    names = {a["name"] for a in api_as(None).get("/areas").get_json()}
    assert "Libraries" in names


def test_me_names_the_token_owner(api_as, citizen):
    body = api_as(citizen, "read").get("/me").get_json()
    assert body == {
        "id": citizen.id,
        "display_name": "Cat Citizen",
        "role": "citizen",
        "scopes": ["read"],
    }
    assert_problem(api_as(None).get("/me"), 401)


def test_unknown_address_is_a_problem(api_as):
    assert_problem(api_as(None).get("/nothing-here"), 404)


def test_docs_page_and_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for path in document["paths"]:
        assert path in html
    assert "<script>" not in html


def test_a_proposal_carries_its_position_when_pinned(api_as, citizen, create_consultation):
    from townhall.proposals.service import ProposalDetails, submit_proposal

    consultation = create_consultation(status="open", uses_proposals=True)
    pinned = submit_proposal(
        consultation,
        citizen,
        ProposalDetails(title="A bench", body="By the pond.", latitude=52.2, longitude=0.12),
    )
    unpinned = submit_proposal(consultation, citizen, ProposalDetails(title="Wi-Fi", body="Free."))
    db.session.commit()

    listed = api_as(None).get(f"/consultations/{consultation.id}/proposals").get_json()
    by_id = {item["id"]: item for item in listed["items"]}

    assert by_id[pinned.id]["position"] == {"latitude": 52.2, "longitude": 0.12}
    assert by_id[unpinned.id]["position"] is None
