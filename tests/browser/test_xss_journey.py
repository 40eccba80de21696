"""Cross-site scripting in a real browser: every page that shows the XSS corpus is opened
in Chromium, as the person who may read it, and no payload runs.

The scene (tests/security/xss_scene.py) puts the whole corpus on each page at once (one
consultation holds every payload as a comment, and so on), so about forty page loads
cover every field. For each page the test records dialogs (alert, confirm, prompt),
requests to any host but the test server or to the never-served path, globals named
`__xss_...`, Content-Security-Policy violations (an injected script the CSP stopped
is still a sanitiser failure) and, in the live DOM, any event-handler attribute or
script URL, so what JavaScript adds after load is checked too. It hovers, focuses and
clicks through a few elements on the way, for payloads that wait for a person.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask

from tests.browser.accessibility import assert_accessible
from tests.conftest import DEFAULT_PASSWORD
from tests.security.xss_payloads import EVIL_HOST, NEVER_SERVED
from tests.security.xss_scene import build_scene, xss_app

pytestmark = pytest.mark.browser

# Runs in every page before its own scripts, through the DevTools protocol (so the
# page's CSP does not apply to it): remember every CSP violation the page reports.
RECORD_VIOLATIONS = """
window.__csp_violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp_violations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')
    + ' at ' + (e.sourceFile || '') + ':' + e.lineNumber);
});
"""

# What is active in the live DOM: handler attributes, script URLs, injected globals.
INSPECT_DOM = r"""
() => {
  const found = [];
  const urlAttrs = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc'];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\u0000-\u0020\u200b\ufeff]/g, '').toLowerCase();
      if (name.startsWith('on')) found.push(`${el.tagName} has ${name}`);
      if (name === 'srcdoc') found.push(`${el.tagName} has srcdoc`);
      if (urlAttrs.includes(name) && /^(javascript|data|vbscript):/.test(value)) {
        found.push(`${el.tagName} ${name}=${attr.value.slice(0, 60)}`);
      }
    }
  }
  for (const tag of ['iframe', 'object', 'embed', 'base', 'math', 'frame', 'portal']) {
    if (document.getElementsByTagName(tag).length) found.push(`a <${tag}> element`);
  }
  for (const script of document.scripts) {
    if (!script.src || new URL(script.src).origin !== location.origin) {
      found.push(`script ${script.src || script.textContent.slice(0, 60)}`);
    }
  }
  const globals = Object.keys(window).filter((k) => k.startsWith('__xss'));
  return {found, globals, violations: window.__csp_violations || []};
}
"""


@pytest.fixture
def app(_migrated, database_url, redis_url, outbox: Path, tmp_path: Path) -> Iterator[Flask]:
    """A fresh app under standards whose clause texts are payloads."""
    yield from xss_app(database_url, redis_url, outbox, tmp_path)


class Watcher:
    """Everything a browser context saw that a payload could have caused."""

    def __init__(self, live_server: str) -> None:
        self.origin = urlsplit(live_server).netloc
        self.events: list[str] = []
        self.where = "before any page"

    def dialog(self, dialog) -> None:
        self.events.append(f"{self.where}: {dialog.type}({dialog.message!r})")
        dialog.dismiss()

    def request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            if parts.scheme == "data":
                self.events.append(f"{self.where}: loaded a data: URL {request.url[:60]}")
            return
        if parts.netloc != self.origin or parts.path.startswith(NEVER_SERVED):
            self.events.append(f"{self.where}: request to {request.url}")

    def console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.events.append(f"{self.where}: CSP said {message.text[:200]}")


def _context_for(browser, live_server: str, watcher: Watcher, user):
    context = browser.new_context()
    context.set_default_timeout(15_000)
    context.add_init_script(RECORD_VIOLATIONS)
    tab = context.new_page()
    tab.on("dialog", watcher.dialog)
    tab.on("request", watcher.request)
    tab.on("console", watcher.console)
    if user is not None:
        tab.goto(live_server + "/sign-in")
        tab.get_by_label("Email address").fill(user.email)
        tab.get_by_label("Password").fill(DEFAULT_PASSWORD)
        tab.get_by_role("button", name="Sign in").click()
        tab.wait_for_url(re.compile(r"/$"))
    return context, tab


def _prod(tab) -> None:
    """Do what a person does, for payloads that wait for one: point, focus, tab along."""
    for selector in ("article.comment", "main p", "main a"):
        for element in tab.locator(selector).all()[:2]:
            try:
                element.hover(timeout=500)
            except Exception:  # hidden or covered: pointing at it is not possible
                continue
    for _ in range(4):
        tab.keyboard.press("Tab")


def test_no_payload_runs_on_any_page(live_server, browser, create_user, create_consultation):
    scene = build_scene(create_user, create_consultation)
    watcher = Watcher(live_server)
    contexts: dict[object, tuple] = {}
    problems: list[str] = []
    try:
        for page in scene.pages:
            key = page.viewer.id if page.viewer is not None else None
            if key not in contexts:
                contexts[key] = _context_for(browser, live_server, watcher, page.viewer)
            tab = contexts[key][1]
            watcher.where = f"{page.name} ({page.path})"
            response = tab.goto(live_server + page.path, wait_until="load")
            assert response is not None and response.ok, f"{watcher.where}: {response}"
            _prod(tab)
            seen = tab.evaluate(INSPECT_DOM)
            problems += [f"{watcher.where}: {f}" for f in seen["found"]]
            problems += [f"{watcher.where}: global {g}" for g in seen["globals"]]
            problems += [f"{watcher.where}: CSP violation {v}" for v in seen["violations"]]
            if page.name in ("vote results", "place"):
                assert_accessible(tab)
                # axe itself must work within the CSP (it adds no inline style or script).
                after = tab.evaluate("window.__csp_violations")
                problems += [f"{watcher.where}: CSP violation under axe {v}" for v in after]
    finally:
        for context, _ in contexts.values():
            context.close()
    problems += watcher.events
    assert not problems, f"{len(problems)} signs of script:\n" + "\n".join(problems[:60])


def test_the_watchers_see_a_payload_that_runs(live_server, page):
    """The signals this file relies on fire when script does run (so silence means safe)."""
    watcher = Watcher(live_server)
    page.context.add_init_script(RECORD_VIOLATIONS)
    page.on("dialog", watcher.dialog)
    page.on("request", watcher.request)
    page.on("console", watcher.console)
    page.goto(live_server + "/standards")
    # Script the test runs itself (through DevTools, so the CSP allows it) does what a
    # payload would; an inline script added to the page is what the CSP must stop.
    page.evaluate(
        f"""() => {{
        window.__xss_0 = 1;
        alert(0);
        new Image().src = 'http://{EVIL_HOST}/0';
        fetch('{NEVER_SERVED}0').catch(() => null);
        const s = document.createElement('script');
        s.textContent = 'window.__xss_inline = 1';
        document.body.append(s);
        document.body.insertAdjacentHTML('beforeend', '<img src=x onerror="window.__xss_1=1">');
    }}"""
    )
    page.wait_for_timeout(500)
    seen = page.evaluate(INSPECT_DOM)
    assert seen["globals"] == ["__xss_0"]  # the inline script and handler were refused
    assert any("img has onerror" in f.lower() for f in seen["found"])
    assert any("script-src" in v for v in seen["violations"])
    kinds = " ".join(watcher.events)
    assert "alert('0')" in kinds and EVIL_HOST in kinds and NEVER_SERVED in kinds
    assert "CSP said" in kinds


def test_payloads_that_arrive_live_stay_inert(
    live_server, browser, create_user, create_consultation
):
    """Comments pushed over the socket are fetched and put into the page by live.js:
    that path must keep them as inert as the server's own rendering."""
    from tests.security.xss_payloads import PAYLOADS, one_line, short
    from townhall.dialogue import service as dialogue
    from townhall.extensions import db

    consultation = create_consultation(title="Live payloads")
    reader = create_user(display_name="Rita Reader")
    writer = create_user(display_name=one_line(short(60)[7]))
    watcher = Watcher(live_server)
    context, tab = _context_for(browser, live_server, watcher, reader)
    try:
        tab.set_viewport_size({"width": 1280, "height": 4000})
        tab.goto(f"{live_server}/consultations/{consultation.id}")
        tab.wait_for_selector("html[data-live='on']")
        tab.wait_for_selector("html[data-live-joined]", state="attached")
        tab.wait_for_timeout(500)
        watcher.where = "comments arriving live"
        sent = PAYLOADS[::12]
        root = None
        for payload in sent:
            comment = dialogue.post_comment(consultation, writer, payload.labelled(), parent=root)
            db.session.commit()
            root = root or comment
        last = sent[-1].marker
        # Locators, not wait_for_function: polling a function needs eval, which the CSP
        # refuses.
        tab.get_by_text(last).or_(tab.locator(".live-new")).first.wait_for(state="attached")
        show = tab.get_by_role("button", name=re.compile(r"Show \d+ new comment"))
        if show.count():
            show.click()
        tab.get_by_text(last).first.wait_for()
        _prod(tab)
        seen = tab.evaluate(INSPECT_DOM)
    finally:
        context.close()
    problems = seen["found"] + seen["globals"] + seen["violations"] + watcher.events
    assert not problems, "\n".join(problems[:60])
