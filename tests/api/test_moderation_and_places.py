"""Standards, moderation figures, flags, places and saved areas through the API."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from tests.api.conftest import assert_problem
from tests.api.test_webhooks import Receiver, receiver  # noqa: F401  (a fixture)
from townhall.accounts.permissions import Role
from townhall.api.webhooks import deliver_due
from townhall.dialogue.service import post_comment
from townhall.extensions import db
from townhall.moderation import service as moderation
from townhall.moderation.models import ModerationCase, Verdict
from townhall.places.models import PlaceKind, SavedArea
from townhall.places.service import PlaceDetails, create_place


def test_standards_and_figures_are_public_and_aggregate(api_as, create_user, officer,
                                                        create_consultation):  # fmt: skip
    standards = api_as(None).get("/standards").get_json()
    assert standards["clauses"] and {"number", "title"} <= set(standards["clauses"][0])
    consultation = create_consultation(status="open", author=officer)
    post_comment(consultation, create_user(display_name="Held Person"), "My first words")
    db.session.commit()
    response = api_as(None).get("/moderation/figures")
    figures = response.get_json()
    assert figures["posts"] >= 1
    assert "Held Person" not in response.get_data(as_text=True)
    assert "My first words" not in response.get_data(as_text=True)


def test_words_taken_down_never_leave_through_the_api(
    api_as, create_user, citizen, officer, create_consultation
):
    consultation = create_consultation(status="open", author=officer)
    writer = api_as(create_user(), "read", "write")
    made = writer.post(f"/consultations/{consultation.id}/comments", {"body": "Secret words"})
    assert made.status_code == 201
    comment_id = made.get_json()["id"]
    clause = moderation.current_standards().clauses[0].number
    flagged = api_as(citizen, "write").post(
        f"/consultations/{consultation.id}/comments/{comment_id}/flags", {"clause": clause}
    )
    assert flagged.status_code == 201
    case = db.session.scalars(select(ModerationCase)).one()
    if case.state.queued:
        moderation.decide_case(
            case, create_user(role=Role.MODERATOR), Verdict.REMOVE, clause_number=clause
        )
        db.session.commit()
    listing = api_as(None).get(f"/consultations/{consultation.id}/comments")
    assert "Secret words" not in listing.get_data(as_text=True)
    page = api_as(None).client.get(f"/consultations/{consultation.id}")
    assert "Secret words" not in page.get_data(as_text=True)


def test_flag_a_comment(api_as, citizen, officer, create_consultation):
    consultation = create_consultation(status="open", author=officer)
    comment = post_comment(consultation, officer, "An officer's comment")
    db.session.commit()
    clause = moderation.current_standards().clauses[0].number
    me = api_as(citizen, "write")
    path = f"/consultations/{consultation.id}/comments/{comment.id}/flags"
    assert me.post(path, {"clause": clause, "note": "Rude"}).status_code == 201
    assert_problem(me.post(path, {"clause": clause}), 409, "already flagged")
    assert_problem(me.post(path, {"clause": "99.99"}), 400, "no clause")
    assert_problem(
        me.post(f"/consultations/{consultation.id}/comments/999999/flags", {"clause": clause}),
        404,
    )


def test_post_moderated_webhook(
    api_as,
    create_user,
    officer,
    create_consultation,
    receiver,  # noqa: F811
):
    admin = api_as(create_user(role=Role.ADMIN), "officer")
    hook = admin.post("/webhooks", {"url": receiver.url, "events": ["post.moderated"]}).get_json()
    consultation = create_consultation(status="open", author=officer)
    comment = post_comment(consultation, create_user(), "Please hold me")
    db.session.commit()
    case = db.session.scalars(select(ModerationCase)).one()
    if not case.state.queued:  # published at once: a flag puts it before a moderator
        clause = moderation.current_standards().clauses[0].number
        moderation.flag_post("comment", comment.id, create_user(), clause)
        db.session.commit()
    moderator = create_user(role=Role.MODERATOR)
    moderation.decide_case(case, moderator, Verdict.APPROVE)
    db.session.commit()
    assert deliver_due() == 1
    event = json.loads(receiver.received[0]["body"])
    assert event["event"] == "post.moderated"
    assert event["data"]["post"] == {"kind": "comment", "id": comment.id}
    assert event["data"]["state"] == "approved"
    assert "Please hold me" not in receiver.received[0]["body"]
    assert hook["events"] == ["post.moderated"]


def test_places_and_saved_areas(api_as, citizen):
    place = create_place(
        PlaceDetails(
            name="Central Library", kind=PlaceKind.LIBRARY, address="1 High St",
            latitude=51.5, longitude=-0.12,
        )
    )  # fmt: skip
    db.session.commit()
    assert [p["name"] for p in api_as(None).get("/places").get_json()] == ["Central Library"]
    me = api_as(citizen, "read", "write")
    saved = me.post(
        "/me/areas", {"label": "Home", "latitude": 51.4, "longitude": -0.1, "radius_m": 800}
    )
    assert saved.status_code == 201
    by_place = me.post("/me/areas", {"place_id": place.id})
    assert by_place.get_json()["place_id"] == place.id
    assert len(me.get("/me/areas").get_json()["items"]) == 2
    assert_problem(me.post("/me/areas", {"label": "Nowhere"}), 422, "latitude")
    assert_problem(me.post("/me/areas", {"place_id": 999999}), 404, "place")
    assert me.delete(f"/me/areas/{saved.get_json()['id']}").status_code == 204
    assert_problem(me.delete(f"/me/areas/{saved.get_json()['id']}"), 404)
    assert db.session.scalar(select(func.count()).select_from(SavedArea)) == 1
    assert_problem(api_as(None).get("/me/areas"), 401)
