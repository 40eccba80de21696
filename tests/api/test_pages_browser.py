"""Browser journey: make an API token in account settings, use it, revoke it; read the
API guide. Both pages are checked with axe-core."""

from __future__ import annotations

import pytest
import requests

from tests.browser.accessibility import assert_accessible
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


def test_make_use_and_revoke_a_token(live_server, page, citizen):
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(citizen.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/account")
    page.get_by_role("link", name="API tokens").click()
    assert_accessible(page)
    page.get_by_label("Name").fill("Ward newsletter")
    page.get_by_label("Read: see what you can see").check()
    page.get_by_role("button", name="Make token").click()
    secret = page.locator("[data-token-secret]").inner_text()
    assert secret.startswith("th_")
    assert_accessible(page)

    me = requests.get(
        f"{live_server}/api/v1/me", headers={"Authorization": f"Bearer {secret}"}, timeout=10
    )
    assert me.json()["display_name"] == citizen.display_name

    page.get_by_role("button", name="Revoke Ward newsletter").click()
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Revoke the token “Ward newsletter”?"
    )
    page.get_by_role("button", name="Revoke it").click()  # on the page that asks
    assert "no longer works" in page.get_by_role("main").inner_text()
    refused = requests.get(
        f"{live_server}/api/v1/me", headers={"Authorization": f"Bearer {secret}"}, timeout=10
    )
    assert refused.status_code == 401


def test_the_api_guide(live_server, page):
    page.goto(f"{live_server}/api/v1/docs")
    assert page.get_by_role("heading", name="Errors").is_visible()
    assert "GET /api/v1/consultations" in page.get_by_role("main").inner_text()
    assert_accessible(page)
