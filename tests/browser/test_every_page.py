"""Every page the crawl finds, in Chromium: nothing scrolls sideways at 375 px or at
1280 px, and axe-core finds nothing (WCAG 2.2 AA and its best-practice rules).

For each role (and an anonymous visitor) the demo council is crawled through the
Flask client (tests/crawl.py); one browser context, signed in through the form, then
reads each page found once per width. Every problem on every page is reported at once.
One test per role, so pytest-xdist's workers share them.
"""

from __future__ import annotations

import time

import pytest

from tests.browser.accessibility import AXE, AXE_TAGS, _axe_source
from tests.conftest import csrf_token_from, skip_or_fail
from tests.crawl import CRAWLED_ROLES, SignIn, crawl, role_id, seed_demo
from townhall.accounts.permissions import Role

pytestmark = pytest.mark.browser

NARROW, WIDE = 375, 1280
HEIGHT = 800
# axe's rules of every impact: WCAG 2.2 AA and the best practices beside them.
RULE_TAGS = [*AXE_TAGS, "best-practice"]

# Plain expressions, read with evaluate(): the page's CSP refuses eval, but evaluate()
# runs through the DevTools protocol, which the CSP does not govern.
WIDTHS = "[document.documentElement.scrollWidth, window.innerWidth]"
DESCRIBE = """(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
  + (typeof e.className === 'string' && e.className.trim()
     ? '.' + e.className.trim().split(/\\s+/).join('.') : ''))"""
# Whether a box that scrolls or clips holds the element in.
HELD_IN = """(e => { for (let a = e.parentElement; a; a = a.parentElement) {
  if (getComputedStyle(a).overflowX !== 'visible') return true; } return false; })"""
# What sticks out past the right edge, innermost first, so a failure says what to fix:
# anything a scrolling box holds in is left out (what is positioned out of its box, like
# a visually hidden label whose containing block is the page, is not held in).
OVERFLOWING = f"""
[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
  .filter(e => ['absolute', 'fixed'].includes(getComputedStyle(e).position)
    || !{HELD_IN}(e))
  .filter(e => ![...e.children].some(
    c => c.getBoundingClientRect().right > window.innerWidth + 0.5))
  .slice(0, 4)
  .map(e => {DESCRIBE}(e) + ' (' + Math.round(e.getBoundingClientRect().right) + 'px)')
"""
# Boxes that scroll sideways but that a keyboard cannot reach or a screen reader name:
# each should be <div class="table-scroll" role="region" aria-labelledby=... tabindex="0">.
UNREACHABLE_SCROLLERS = f"""
[...document.querySelectorAll('body *')]
  .filter(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX)
    && e.scrollWidth > e.clientWidth + 1)
  .filter(e => !(e.tabIndex >= 0 && e.getAttribute('role') === 'region'
    && (e.getAttribute('aria-labelledby') || e.getAttribute('aria-label'))))
  .map({DESCRIBE})
"""


@pytest.fixture
def demo(app) -> dict[Role, SignIn]:
    """The demo council, with each role's sign-in."""
    app.config["RATELIMIT_SIGN_IN"] = "10000 per minute"
    return seed_demo()


def _pages_for(app, client, person: SignIn | None) -> list[str]:
    """The HTML pages the crawl reaches as this person."""
    if person is not None:
        token = csrf_token_from(client)
        data = {"email": person.email, "password": person.password, "csrf_token": token}
        assert client.post("/sign-in", data=data).status_code == 302
    return crawl(app, client, signed_in=person is not None).pages


def _sign_in(page, base: str, person: SignIn) -> None:
    page.goto(base + "/sign-in")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)


def _sideways(page) -> str | None:
    """How far the page scrolls sideways, and what sticks out; None when it fits."""
    scroll_width, inner_width = page.evaluate(WIDTHS)
    if scroll_width <= inner_width:
        return None
    return f"{scroll_width}px wide in {inner_width}px: " + ", ".join(page.evaluate(OVERFLOWING))


def _axe_problems(page) -> list[str]:
    """axe's findings on the page (axe is put in every page by the context: see below)."""
    # resultTypes: only violations are worked out in full (passes skip their selectors).
    result = page.evaluate(
        "async (tags) => await axe.run(document,"
        " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        RULE_TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(n["target"]) for n in v["nodes"][:3])
        for v in result["violations"]
    ]


@pytest.mark.parametrize("role", CRAWLED_ROLES, ids=role_id)
def test_every_page_fits_a_phone_and_passes_axe(app, client, demo, live_server, browser, role):
    if not AXE.exists():
        skip_or_fail(f"axe-core is not installed at {AXE} (run make test, which runs npm ci)")
    person = demo[role] if role is not None else None
    pages = _pages_for(app, client, person)
    started = time.monotonic()
    context = browser.new_context(viewport={"width": WIDE, "height": HEIGHT})
    context.set_default_timeout(15_000)
    # axe goes into every document as it starts, through the DevTools protocol (which
    # the page's CSP does not govern, as it would an inline script).
    context.add_init_script(script=_axe_source())
    page = context.new_page()
    if person is not None:
        _sign_in(page, live_server, person)
    problems: list[tuple[str, str, str]] = []
    try:
        for url in pages:
            page.set_viewport_size({"width": NARROW, "height": HEIGHT})
            page.goto(live_server + url)
            if (sideways := _sideways(page)) is not None:
                problems.append((url, f"{NARROW}px", sideways))
            if unreachable := page.evaluate(UNREACHABLE_SCROLLERS):
                detail = "scrolls sideways without a focusable, named region: "
                problems.append((url, f"{NARROW}px", detail + ", ".join(unreachable)))
            page.set_viewport_size({"width": WIDE, "height": HEIGHT})
            if (sideways := _sideways(page)) is not None:
                problems.append((url, f"{WIDE}px", sideways))
            problems += [(url, "axe", found) for found in _axe_problems(page)]
    finally:
        context.close()
    print(f"{role_id(role)}: {len(pages)} pages in {time.monotonic() - started:.1f}s")
    assert not problems, f"{len(problems)} problem(s) as {role_id(role)}:\n" + "\n".join(
        f"  {url} [{check}] {detail}" for url, check, detail in problems
    )
