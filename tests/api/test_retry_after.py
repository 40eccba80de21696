"""The API's rate limit says when to try again, as every 429 does."""

from __future__ import annotations

from tests.api.conftest import assert_problem
from tests.test_private_and_retry_headers import retry_after


def test_the_api_limit_says_when_to_try_again(app, api_as, create_user):
    app.config["TOWNHALL_API_RATELIMIT"] = "1 per minute"
    api = api_as(create_user(), "read")
    assert api.get("/areas").status_code == 200
    limited = api.get("/areas")
    assert_problem(limited, 429, "too many")
    assert 1 <= retry_after(limited) <= 60
