"""JSON nested too deeply is refused before it is parsed, with a 400 that says so, on every
path that reads JSON: the API, pages' scripts and sockets (issue 14, finding 3)."""

from __future__ import annotations

import contextlib
import time

import pytest
from sqlalchemy import func, select

from townhall.dialogue.models import Comment
from townhall.extensions import db
from townhall.json_input import MAX_DEPTH, JsonTooDeep, check_depth, loads

TOO_DEEP = "The JSON is nested too deeply (the limit is 32 levels)."


def nested(levels: int, inner: str = "1") -> str:
    return "[" * levels + inner + "]" * levels


# --- the scan ---------------------------------------------------------------------------


def test_the_limit_is_32_levels_of_arrays_and_objects():
    check_depth(nested(MAX_DEPTH))
    check_depth('{"a":' * MAX_DEPTH + "1" + "}" * MAX_DEPTH)
    with pytest.raises(JsonTooDeep, match=r"nested too deeply \(the limit is 32 levels\)"):
        check_depth(nested(MAX_DEPTH + 1))
    with pytest.raises(JsonTooDeep):
        check_depth('{"a":' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1))


@pytest.mark.parametrize(
    "text",
    [
        '["' + "[" * 100 + '"]',  # brackets inside a string do not count
        '["\\"' + "[" * 100 + '"]',  # nor after an escaped quote
        '["\\\\", "' + "{" * 100 + '"]',  # an escaped backslash does not escape the quote
        "[" * 16 + "]" * 16 + "[" * 16 + "]" * 16,  # side by side, not nested
    ],
)
def test_strings_and_siblings_do_not_count(text):
    check_depth(text)


def test_an_escaped_backslash_ends_the_string_before_real_brackets():
    with pytest.raises(JsonTooDeep):
        check_depth('["\\\\",' + nested(MAX_DEPTH))


def _seconds(text: str) -> float:
    start = time.perf_counter()
    with contextlib.suppress(JsonTooDeep):
        check_depth(text)
    return time.perf_counter() - start


@pytest.mark.parametrize(
    "shape",
    [
        lambda n: '"' + '\\"' * n,  # an unclosed string of escaped quotes
        lambda n: "[1," * 20 + "2," * n + "]" * 20,
        lambda n: '["a", ' * 30 + '"b", ' * n + "]" * 30,
    ],
)
def test_the_scan_is_linear_in_the_text(shape):
    small, large = _seconds(shape(20_000)), _seconds(shape(200_000))
    # Ten times the text: a linear scan takes about ten times as long, a quadratic one
    # a hundred; 40 leaves room for a busy machine.
    assert large < max(small, 0.0005) * 40, (small, large)


def test_the_scan_stops_at_the_first_level_too_deep():
    assert _seconds("[" * 2_000_000) < 0.05


def test_deeply_nested_json_parses_no_deeper_than_the_limit():
    with pytest.raises(JsonTooDeep):
        loads(b"[" * 500_000)
    assert loads(nested(MAX_DEPTH).encode()) is not None


# --- the API ----------------------------------------------------------------------------


def test_the_api_refuses_deep_json_with_a_problem(client, create_user, create_consultation):
    from townhall.api.tokens import create_token

    consultation = create_consultation(status="open")
    user = create_user()
    db.session.commit()
    secret = create_token(user, "test", ["write"]).secret
    db.session.commit()
    body = '{"body": ' + nested(1000, '"hi"') + "}"
    assert len(body) < 2100
    response = client.post(
        f"/api/v1/consultations/{consultation.id}/comments",
        data=body,
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.get_json(force=True)["detail"] == TOO_DEEP
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


# --- pages' scripts ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/places/nearby", "/places/push/subscribe"])
def test_a_page_script_endpoint_refuses_deep_json_in_words(client, sign_in, create_user, path):
    sign_in(create_user())
    html = client.get("/places/areas").get_data(as_text=True)
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        path,
        data="[" * 500_000,
        headers={"X-CSRFToken": token, "Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json() == {"error": TOO_DEEP}


@pytest.mark.parametrize("path", ["/places/nearby", "/places/push/subscribe"])
def test_a_page_script_endpoint_says_when_the_body_is_not_json(client, sign_in, create_user, path):
    sign_in(create_user())
    html = client.get("/places/areas").get_data(as_text=True)
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        path, data="{nope", headers={"X-CSRFToken": token, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.get_json() == {"error": "The body is not valid JSON."}
