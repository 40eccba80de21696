"""Bad input gets a problem+json 4xx that names the fault, and nothing is written."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.api.conftest import assert_problem
from townhall.dialogue.models import Comment
from townhall.extensions import db


def _comments() -> int:
    return db.session.scalar(select(func.count()).select_from(Comment)) or 0


def _post_raw(client, secret, path, data, content_type="application/json"):
    return client.post(
        "/api/v1" + path,
        data=data,
        headers={"Authorization": f"Bearer {secret}", "Content-Type": content_type},
    )


def test_malformed_json(client, make_token, citizen, create_consultation):
    consultation = create_consultation(status="open")
    secret = make_token(citizen, "write")
    response = _post_raw(client, secret, f"/consultations/{consultation.id}/comments", b'{"body": ')
    body = assert_problem(response, 400, "not valid JSON")
    assert body["type"].endswith("#problem-bad-request")
    assert _comments() == 0


def test_unknown_fields_are_named(api_as, citizen, create_consultation):
    consultation = create_consultation(status="open")
    response = api_as(citizen, "write").post(
        f"/consultations/{consultation.id}/comments", {"body": "Hi", "bdoy": "typo"}
    )
    body = assert_problem(response, 422, "json.bdoy")
    assert body["errors"]["json"]["bdoy"] == ["Unknown field."]
    assert _comments() == 0


def test_wrong_types_and_missing_fields(api_as, citizen, create_consultation):
    consultation = create_consultation(status="open")
    api = api_as(citizen, "write")
    body = assert_problem(
        api.post(f"/consultations/{consultation.id}/comments", {"body": 5, "is_question": "maybe"}),
        422,
        "json.body",
    )
    assert set(body["errors"]["json"]) == {"body", "is_question"}
    body = assert_problem(api.post(f"/consultations/{consultation.id}/comments", {}), 422)
    assert "Missing data" in body["errors"]["json"]["body"][0]
    assert_problem(api.post(f"/consultations/{consultation.id}/comments", ["a", "list"]), 422)
    assert _comments() == 0


def test_wrong_query_parameters(api_as):
    body = assert_problem(
        api_as(None).get("/consultations", query_string={"status": "sideways", "area": "x"}), 422
    )
    assert set(body["errors"]["query"]) == {"status", "area"}


def test_oversized_body(client, make_token, citizen, create_consultation):
    consultation = create_consultation(status="open")
    secret = make_token(citizen, "write")
    huge = b'{"body": "' + b"a" * 70_000 + b'"}'
    response = _post_raw(client, secret, f"/consultations/{consultation.id}/comments", huge)
    assert_problem(response, 413, "larger")
    assert _comments() == 0


def test_not_json_at_all(client, make_token, citizen, create_consultation):
    consultation = create_consultation(status="open")
    secret = make_token(citizen, "write")
    response = _post_raw(
        client,
        secret,
        f"/consultations/{consultation.id}/comments",
        b"body=hi",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (400, 415, 422)
    assert response.mimetype == "application/problem+json"
    assert _comments() == 0


def test_wrong_method_says_what_is_allowed(api_as):
    response = api_as(None).open("PATCH", "/areas")
    assert_problem(response, 405, "GET")
    assert response.headers["Allow"] == "GET"


def test_hidden_and_missing_look_the_same(api_as, create_consultation):
    hidden = create_consultation(status="draft")
    missing = assert_problem(api_as(None).get("/consultations/999999"), 404)
    drafted = assert_problem(api_as(None).get(f"/consultations/{hidden.id}"), 404)
    assert missing["detail"] == drafted["detail"]
    assert_problem(api_as(None).get(f"/consultations/{hidden.id}/comments"), 404)
    assert_problem(api_as(None).get(f"/consultations/{hidden.id}/votes"), 404)


def test_a_failed_write_leaves_nothing_half_written(api_as, officer, create_consultation):
    """A vote whose set-up fails after options were built is not stored at all."""
    from townhall.proposals.models import Vote, VoteOption

    consultation = create_consultation(status="open", author=officer, uses_voting=True)
    response = api_as(officer, "officer").post(
        f"/consultations/{consultation.id}/votes",
        {
            "title": "Budget",
            "method": "pb_greedy",
            "opens_at": "2020-01-01T00:00:00+00:00",
            "closes_at": "2099-01-01T00:00:00+00:00",
            "stated_options": [{"label": "A"}, {"label": "B"}],
        },
    )
    assert_problem(response, 422, "budget")
    for model in (Vote, VoteOption):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
