"""Addresses under /api/ that no operation serves answer problem+json, never a page."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
def test_an_id_past_any_column_is_a_problem_not_a_page(client, method):
    # Werkzeug's router refuses such an id before the API's fallback route is tried.
    response = client.open("/api/v1/consultations/785626164685432/comments", method=method)

    assert response.status_code in (404, 405)
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == response.status_code


def test_an_oversized_query_string_is_a_problem(client):
    response = client.get("/api/v1/consultations?cursor=" + "x" * 5000)

    assert response.status_code == 414
    assert response.mimetype == "application/problem+json"
