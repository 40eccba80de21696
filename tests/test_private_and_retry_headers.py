"""Two headers every response must get right, whichever view answered it.

- A signed-in person's pages are theirs alone: `Cache-Control: no-store`, so no
  shared or browser cache keeps a new API token, a data export or an account page
  for the next person at a library computer. Anonymous pages stay cacheable.
- Every 429 says when to try again (`Retry-After`), whichever limit refused it.
"""

from __future__ import annotations

import pytest


def _no_store(response) -> bool:
    return "no-store" in (response.headers.get("Cache-Control") or "")


@pytest.mark.parametrize(
    "path", ["/", "/account", "/account/export.json", "/account/api-tokens", "/consultations"]
)
def test_signed_in_responses_are_not_stored(client, sign_in, create_user, path):
    sign_in(create_user())
    response = client.get(path)
    assert response.status_code == 200
    assert _no_store(response), response.headers.get("Cache-Control")


def test_the_page_that_shows_a_new_api_token_is_not_stored(client, sign_in, create_user, post_form):
    sign_in(create_user())
    response = post_form(
        "/account/api-tokens",
        {"name": "My script", "scopes": ["read"]},
        token_page="/account/api-tokens",
    )
    assert response.status_code == 201 and "th_" in response.get_data(as_text=True)
    assert _no_store(response)


def test_a_redirect_and_an_error_page_when_signed_in_are_not_stored(client, sign_in, create_user):
    sign_in(create_user())
    assert _no_store(client.get("/no-such-page"))
    assert _no_store(client.get("/sign-in"))  # a redirect home


@pytest.mark.parametrize("path", ["/", "/consultations", "/standards"])
def test_anonymous_pages_stay_cacheable(client, path):
    assert not _no_store(client.get(path))


# --- Retry-After on every 429 -------------------------------------------------------


def retry_after(response) -> int:
    """The response is a 429 whose Retry-After is a number of seconds; return it."""
    assert response.status_code == 429
    value = response.headers.get("Retry-After")
    assert value is not None and value.isdigit(), dict(response.headers)
    return int(value)


def test_the_sign_in_rate_limit_says_when_to_try_again(app, post_form):
    app.config["RATELIMIT_SIGN_IN"] = "2 per minute"
    form = {"email": "nobody@example.org", "password": "wrong password here"}
    for _ in range(2):
        assert post_form("/sign-in", form).status_code == 400
    refused = post_form("/sign-in", form)
    assert 1 <= retry_after(refused) <= 62
    assert "nobody@example.org" in refused.get_data(as_text=True)  # what was typed is kept


def test_the_flag_limit_says_when_to_try_again(
    app, post_form, sign_in, create_user, create_consultation
):
    from townhall.dialogue import service
    from townhall.extensions import db

    app.config["RATELIMIT_FLAG"] = "1 per hour"
    consultation = create_consultation(status="open")
    comments = [
        service.post_comment(consultation, create_user(), f"A fine post, number {n}.")
        for n in range(2)
    ]
    db.session.commit()
    sign_in(create_user())
    urls = [f"/moderation/flag/comment/{c.id}" for c in comments]
    assert post_form(urls[0], {"clause": "1.1"}, token_page=urls[0]).status_code == 303
    refused = post_form(urls[1], {"clause": "1.1"}, token_page=urls[1])
    assert 1 <= retry_after(refused) <= 3602


def test_nearby_mode_asked_too_soon_says_when_to_try_again(client, sign_in, create_user):
    import re

    sign_in(create_user())
    html = client.get("/places/areas").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    here = {"latitude": 51.752, "longitude": -1.2577}
    assert (
        client.post("/places/nearby", json=here, headers={"X-CSRFToken": token}).status_code == 200
    )
    again = client.post("/places/nearby", json=here, headers={"X-CSRFToken": token})
    assert 1 <= retry_after(again) <= 62
