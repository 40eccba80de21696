"""Places pages as laid out in Chromium (issue 15, finding 14): the check-in page's
cards have no bullets and keep apart, the areas page's "Save this area" button keeps
clear of the next form, and only one of the push buttons shows at a time."""

from __future__ import annotations

import base64
import json

import pytest
from playwright.sync_api import expect

from tests.browser.test_places_journeys import open_as
from tests.places.conftest import place_maker
from townhall.extensions import db
from townhall.places import service

pytestmark = pytest.mark.browser


@pytest.fixture
def create_place(app, areas):
    return place_maker(areas)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# A push service stands in for the browser's (headless Chromium has none): a
# subscription is made and dropped in the page, and the server stores it as usual.
FAKE_PUSH = """
(() => {
  let current = null;
  const keys = %s;
  Notification.requestPermission = async () => "granted";
  PushManager.prototype.getSubscription = async function () { return current; };
  PushManager.prototype.subscribe = async function () {
    current = {
      endpoint: "https://push.example.org/send/device-1",
      toJSON() { return { endpoint: this.endpoint, keys }; },
      async unsubscribe() { current = null; return true; },
    };
    return current;
  };
})();
"""


def test_check_in_cards_have_no_bullets_and_keep_apart(
    browser, live_server, create_user, create_place, create_consultation
):
    library = create_place()
    for title in ("Sunday opening hours", "Library car park"):
        service.link_consultation(library, create_consultation(title=title))
    db.session.commit()
    context, page = open_as(
        browser, live_server, create_user(), f"/c/{service.check_in_code(library)}"
    )
    cards = page.locator(".consultation-list > li")
    expect(cards).to_have_count(2)
    styles = [card.evaluate("e => getComputedStyle(e).listStyleType") for card in cards.all()]
    assert styles == ["none", "none"]
    first, second = (card.bounding_box() for card in cards.all())
    # Side by side or one above the other, with room between them either way.
    across = second["x"] - (first["x"] + first["width"])
    down = second["y"] - (first["y"] + first["height"])
    assert max(across, down) >= 8, (first, second)
    context.close()


def test_the_area_button_keeps_clear_and_one_push_button_shows_at_a_time(
    browser, live_server, create_user, create_place
):
    create_place()  # so the page also offers "save one of the council's places"
    db.session.commit()
    keys = {"p256dh": _b64url(b"\x04" + bytes(range(1, 65))), "auth": _b64url(bytes(16))}
    context, page = open_as(browser, live_server, create_user(), "/places/areas")
    page.add_init_script(FAKE_PUSH % json.dumps(keys))
    page.reload()

    button = page.get_by_role("button", name="Save this area").bounding_box()
    following = page.get_by_role("heading", name="Or save one of the council's places")
    below = following.bounding_box()
    assert below["y"] - (button["y"] + button["height"]) >= 16, (button, below)

    on = page.get_by_role("button", name="Turn on push notifications here")
    off = page.get_by_role("button", name="Turn off push notifications here")
    status = page.locator("[data-push-status]")
    expect(status).to_have_text("Push notifications are off for this device.")
    expect(on).to_be_visible()
    expect(off).to_be_hidden()
    on.click()
    expect(status).to_have_text("Push notifications are on for this device.")
    expect(off).to_be_visible()
    expect(on).to_be_hidden()
    off.click()
    expect(status).to_have_text("Push notifications are off for this device.")
    expect(on).to_be_visible()
    expect(off).to_be_hidden()
    context.close()
