"""Cross-site scripting, over HTTP: the corpus goes into every field people see back,
and every page that shows it is parsed to prove that nothing people wrote became active.

The big test writes the whole corpus through the services (tests/security/xss_scene.py)
and reads each page as the person who may see it. The form tests prove the HTTP path
for one field of each kind: the payload typed into the form is stored and shown back
inert, and a refused form gives back what was typed, inert too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import DEFAULT_PASSWORD, csrf_token_from
from tests.security.xss_payloads import PAYLOADS, TEMPLATE_PRODUCTS, one_line, short
from tests.security.xss_scene import build_scene, xss_app
from townhall.accounts.models import DISPLAY_NAME_MAX
from townhall.accounts.permissions import Role
from townhall.extensions import db

# Attributes whose value the browser follows or loads as a URL.
URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "xlink:href",
        "data",
        "poster",
        "background",
        "ping",
        "cite",
        "manifest",
        "codebase",
        "archive",
        "longdesc",
        "lowsrc",
        "dynsrc",
        "icon",
        "srcset",
        "imagesrcset",
        "to",
        "from",
        "values",
    }
)
DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")
# Elements no page of ours has, so any of them came from someone's text.
FORBIDDEN_ELEMENTS = frozenset(
    {
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "base",
        "portal",
        "math",
        "isindex",
        "keygen",
        "marquee",
        "template",
        "noscript",
        "image",
        "foreignobject",
        "handler",
        "set",
        "animate",
        "use",
        "feimage",
        "style",
    }
)
# The only pieces an SVG chart or QR code of ours is drawn with.
APP_SVG_ELEMENTS = frozenset(
    {"svg", "title", "desc", "text", "tspan", "rect", "g", "path", "line", "polyline", "circle"}
)
# Every HTML element our templates use; anything else is someone's text come alive.
APP_ELEMENTS = APP_SVG_ELEMENTS | frozenset(
    {
        "a", "abbr", "article", "aside", "b", "blockquote", "body", "br", "button", "caption",
        "code", "dd", "del", "details", "dialog", "div", "dl", "dt", "em", "fieldset",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "head",
        "header", "hr", "html", "i", "input", "kbd", "label", "legend", "li", "link", "main",
        "mark", "meta", "nav", "ol", "optgroup", "option", "output", "p", "pre", "progress",
        "s", "section", "select", "small", "span", "strong", "sub", "summary", "sup", "table",
        "tbody", "td", "textarea", "tfoot", "th", "thead", "time", "title", "tr", "u", "ul",
        "script", "img", "meter",
    }
)  # fmt: skip
SAME_ORIGIN_SCRIPT = re.compile(r"^/(static|live)/[\w./-]+(\?[\w=.&-]*)?$")
# Text the template-injection payloads would leave if a template evaluated them.
EVALUATED = (
    *TEMPLATE_PRODUCTS.values(),
    "&lt;Config",
    "<Config",
    "uid=",
    "<function ",
    "&lt;function ",
    "<module ",
    "&lt;module ",
)


def _scheme_of(value: str) -> str:
    # Browsers drop control characters and whitespace before reading a URL's scheme.
    squeezed = "".join(ch for ch in value if ch > " " and ch not in "\u200b\ufeff")
    return squeezed.lower()


class ActiveContentFinder(HTMLParser):
    """Collect what would be active in a page: scripts, handlers, dangerous URLs..."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self.attribute_text: list[str] = []
        self._in_svg = 0
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        where = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attrs)}>"[:200]
        names = {name for name, _ in attrs}
        values = dict(attrs)
        if tag not in APP_ELEMENTS:
            self.problems.append(f"an element no template makes: {where}")
        if tag in FORBIDDEN_ELEMENTS:
            self.problems.append(f"forbidden element: {where}")
        if tag == "script":
            src = values.get("src") or ""
            if not SAME_ORIGIN_SCRIPT.match(src):
                self.problems.append(f"script not from our static files: {where}")
            self._in_script = True
        if tag == "meta" and "http-equiv" in names:
            self.problems.append(f"meta http-equiv: {where}")
        if tag == "link" and not (values.get("href") or "").startswith("/static/"):
            self.problems.append(f"link to somewhere else: {where}")
        if tag == "svg":
            self._in_svg += 1
        elif self._in_svg and tag not in APP_SVG_ELEMENTS:
            self.problems.append(f"SVG element no chart of ours uses: {where}")
        for name, value in attrs:
            self.attribute_text.append(value or "")
            if name.startswith("on"):
                self.problems.append(f"event handler attribute {name}: {where}")
            if name in ("style", "srcdoc"):
                self.problems.append(f"{name} attribute: {where}")
            if name in URL_ATTRIBUTES and _scheme_of(value or "").startswith(DANGEROUS_SCHEMES):
                self.problems.append(f"dangerous URL in {name}: {where}")
            if name in URL_ATTRIBUTES and tag in ("form", "button", "input"):
                host = urlsplit((value or "").strip()).netloc
                if host:
                    self.problems.append(f"form sent to another site: {where}")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg" and self._in_svg:
            self._in_svg -= 1
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data.strip()[:80]!r}")
        self.text.append(data)


def active_content(html: str) -> tuple[list[str], str]:
    """The problems found in a page, and its text (with attribute values) to search."""
    finder = ActiveContentFinder()
    finder.feed(html)
    finder.close()
    text = " ".join(finder.text) + " " + " ".join(finder.attribute_text)
    for evaluated in EVALUATED:
        if evaluated in html:
            finder.problems.append(f"a template-injection payload was evaluated: {evaluated}")
    return finder.problems, text


def check_page(response, name: str, markers: list[str], status: int = 200) -> list[str]:
    """What is wrong with one served page: active content, missing payloads, headers."""
    where = f"{name} ({response.request.path})"
    if response.status_code != status:
        return [f"{where}: status {response.status_code}"]
    if not response.content_type.startswith("text/html"):
        return [f"{where}: served as {response.content_type}"]
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        return [f"{where}: no nosniff"]
    problems, text = active_content(response.get_data(as_text=True))
    missing = [m for m in markers if m not in text]
    if missing:
        problems.append(f"payloads not shown (so not tested): {missing[:5]} of {len(missing)}")
    return [f"{where}: {p}" for p in problems]


@pytest.fixture
def app(_migrated, database_url, redis_url, outbox: Path, tmp_path: Path) -> Iterator[Flask]:
    """A fresh app under standards whose clause texts are payloads."""
    yield from xss_app(database_url, redis_url, outbox, tmp_path)


def _sign_in(client, user) -> None:
    client._cookies.clear()
    if user is None:
        return
    token = csrf_token_from(client, "/sign-in")
    response = client.post(
        "/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, f"could not sign in {user}"


# --- the checker itself --------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<p><script>alert(1)</script></p>",
        '<p><img src="x" onerror="alert(1)"></p>',
        '<a href=" JaVa&#x09;Script:alert(1)">x</a>',
        '<a href="data:text/html,x">x</a>',
        '<iframe srcdoc="x"></iframe>',
        '<svg><a xlink:href="javascript:alert(1)"></a></svg>',
        '<math><mi href="javascript:alert(1)">x</mi></math>',
        '<meta http-equiv="refresh" content="0;url=//x">',
        '<base href="//xss.invalid/">',
        '<p style="color:red">x</p>',
        '<form><button formaction="//xss.invalid/1">x</button></form>',
        "<p>94011</p>",
        "<xss onfocus=alert(1)>",
    ],
)
def test_the_checker_sees_active_content(html):
    problems, _ = active_content(f"<!doctype html><html><body>{html}</body></html>")
    assert problems


def test_the_checker_passes_escaped_payloads():
    from markupsafe import escape

    html = "".join(f'<p>{escape(p.text)}</p><p title="{escape(p.text)}"></p>' for p in PAYLOADS)
    problems, text = active_content(f"<html><body>{html}</body></html>")
    assert problems == []
    assert all(p.text.replace("\r", "\n") in text for p in PAYLOADS[:50])


def test_the_corpus_is_big_and_every_payload_does_something_visible():
    assert len(PAYLOADS) >= 200
    signals = (
        "lert",
        "confirm(",
        "prompt(",
        "__xss_",
        "xss.invalid",
        "xss-never-served",
        "msgbox(",
        "atob(",
        "PHNjcmlwdD5hbGVydC",
        "{{",
        "${",
        "{%",
        "#{",
        "<%=",
        "@(",
        "[[",
    )
    quiet = [p.text for p in PAYLOADS if not any(s in p.text for s in signals)]
    # A few only try to change the page's look or the browser's trust; they are checked
    # by the served-HTML rules (style, meta) rather than by a visible effect.
    assert len(quiet) <= 2, quiet


# --- every field, every page ----------------------------------------------------------


def test_no_payload_is_active_on_any_page(client, create_user, create_consultation):
    scene = build_scene(create_user, create_consultation)
    problems: list[str] = []
    viewer_now: object = "nobody yet"
    for page in scene.pages:
        if page.viewer is not viewer_now:
            _sign_in(client, page.viewer)
            viewer_now = page.viewer
        response = client.get(page.path)
        problems += check_page(response, page.name, page.markers)
        if client.application.config["SECRET_KEY"] in response.get_data(as_text=True):
            problems.append(f"{page.name}: shows the secret key")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:60])
    # Template-injection strings are shown as typed.
    _sign_in(client, None)
    html = client.get(f"/consultations/{scene.consultation.id}").get_data(as_text=True)
    assert "{{7*7}}" in html and "{% print(31337*7) %}" in html


def test_json_csv_and_api_are_never_sniffed_as_html(client, create_user, create_consultation):
    """JSON and CSV carry payloads as they were typed: safe only because no browser will
    read them as a page (the exact type, and nosniff)."""
    scene = build_scene(create_user, create_consultation, comments=False)
    cid = scene.consultation.id
    title = scene.consultation.title
    _sign_in(client, scene.authors[0])
    for path, kind, carries in [
        (f"/consultations/{cid}/open-data.json", "application/json", True),
        (f"/consultations/{cid}/open-data/proposals.csv", "text/csv", True),
        ("/account/export.json", "application/json", True),
        (f"/api/v1/consultations/{cid}", "application/json", True),
        (f"/api/v1/consultations/{cid}/proposals", "application/json", True),
        ("/api/v1/standards", "application/json", True),
        ("/api/v1/no-such-thing", "application/problem+json", False),
    ]:
        response = client.get(path)
        assert response.status_code == (200 if carries else 404), (path, response.status_code)
        assert response.content_type.split(";")[0] == kind, (path, response.content_type)
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        if carries:
            assert "xsscanary" in response.get_data(as_text=True), f"{path} holds no payload"
    assert "<" in title  # the payloads above really are markup


# --- the HTTP forms -----------------------------------------------------------------


def _said(response) -> str:
    """The words of a page's main part, for an assertion's message."""
    html = response.get_data(as_text=True)
    main = re.search(r"<main.*?</main>", html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main.group(0) if main else html))[:1500]


class FormReader(HTMLParser):
    """The fields of the form that posts to one address, with what a browser would send."""

    def __init__(self, page: str, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.action = action
        self.inside = False
        self.found = False
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            # A form with no action posts to the page it is on.
            self.inside = urlsplit(values.get("action") or self.page).path == self.action
            self.found = self.found or self.inside
        if not self.inside:
            return
        name = values.get("name")
        if tag == "input" and name:
            kind = values.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in values:
                    self.fields[name] = values.get("value", "y")
            elif kind not in ("submit", "button", "image"):
                self.fields[name] = values.get("value", "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            if self._select not in self.fields or "selected" in values:
                self.fields[self._select] = values.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


def submit(client, page: str, action: str, **values: str):
    """Fill in the form on `page` that posts to `action` as a person would, and send it.

    Each keyword sets the field whose name ends with it (forms may prefix names);
    every other field keeps what the page gave it (hidden fields, the CSRF token,
    ticked boxes, the first choice of a list).
    """
    reader = FormReader(page, action)
    reader.feed(client.get(page).get_data(as_text=True))
    assert reader.found, f"no form posting to {action} on {page}"
    fields = dict(reader.fields)
    for suffix, value in values.items():
        names = [n for n in fields if n == suffix or n.endswith("-" + suffix)]
        assert names, f"no field {suffix} in the form on {page}: {sorted(fields)}"
        fields[names[0]] = value
    return client.post(action, data=fields)


# One payload from each group that fits every field the forms below fill in.
FORM_PAYLOADS = list({p.group: p for p in reversed(short(100))}.values())
# Display names are short: one payload of each group that fits in one.
NAME_PAYLOADS = list({p.group: p for p in reversed(short(DISPLAY_NAME_MAX))}.values())


def _redirected(response) -> None:
    assert response.status_code in (302, 303), _said(response)


def test_comment_and_proposal_forms(client, create_user, create_consultation):
    from townhall.proposals.models import Proposal

    officer = create_user(role=Role.OFFICER)
    consultation = create_consultation(author=officer, uses_proposals=True)
    page = f"/consultations/{consultation.id}"
    _sign_in(client, create_user(display_name="Cleo Citizen"))
    for payload in FORM_PAYLOADS:
        _redirected(submit(client, page, f"{page}/comments", body=payload.labelled()))
        new = f"{page}/proposals/new"
        fields = {"title": one_line(payload), "location": one_line(payload)}
        _redirected(submit(client, new, new, body=payload.labelled(), **fields))
        # A refused comment (too long) comes back with what was typed, inert.
        response = submit(client, page, f"{page}/comments", body=payload.labelled() + "x" * 10_001)
        assert response.status_code == 400
        problems = check_page(response, "refused comment", [payload.marker], status=400)
        assert not problems, problems
    problems = check_page(client.get(page), "consultation", [p.marker for p in FORM_PAYLOADS])
    for proposal in db.session.scalars(select(Proposal)):
        problems += check_page(client.get(f"/proposals/{proposal.id}"), "proposal", [])
    assert not problems, problems


def test_officer_forms(client, create_user, create_consultation):
    officer = create_user(role=Role.OFFICER)
    opened = create_consultation(author=officer, title="Open one")
    _sign_in(client, officer)
    problems: list[str] = []
    for payload in FORM_PAYLOADS:
        new = "/consultations/new"
        response = submit(
            client,
            new,
            new,
            title=one_line(payload),
            summary=one_line(payload),
            body=payload.labelled(),
        )
        _redirected(response)
        made = re.search(r"/consultations/(\d+)", response.headers["Location"]).group(1)
        for path in (f"/consultations/{made}", f"/consultations/{made}/edit"):
            problems += check_page(client.get(path), "new consultation", [payload.marker])

        page = f"/consultations/{opened.id}"
        response = submit(
            client, page, f"{page}/announcements", title=one_line(payload), body=payload.labelled()
        )
        _redirected(response)

        closed = create_consultation(author=officer, title="Closed one", status="closed")
        fields = ("you_said", "decision", "reasons", "next_steps")
        outcome = f"/consultations/{closed.id}/outcome"
        _redirected(submit(client, outcome, outcome, **{f: payload.labelled() for f in fields}))
        problems += check_page(
            client.get(f"/consultations/{closed.id}"), "outcome", [payload.marker]
        )
    markers = [p.marker for p in FORM_PAYLOADS]
    problems += check_page(client.get(f"/consultations/{opened.id}"), "announcements", markers)
    assert not problems, problems


def test_sign_up_display_names(app, client, create_user, create_consultation):
    from townhall.accounts.models import User
    from townhall.dialogue import service as dialogue

    # Every payload signs up from this one address.
    app.config["RATELIMIT_SIGN_UP"] = f"{len(NAME_PAYLOADS)} per hour"
    consultation = create_consultation()
    problems: list[str] = []
    for n, payload in enumerate(NAME_PAYLOADS):
        _sign_in(client, None)
        email = f"new.person{n}@example.org"
        response = submit(
            client,
            "/sign-up",
            "/sign-up",
            display_name=one_line(payload),
            email=email,
            password=DEFAULT_PASSWORD,
            confirm=DEFAULT_PASSWORD,
        )
        assert "Check your email" in _said(response), _said(response)
        person = db.session.scalars(select(User).where(User.email == email)).one()
        person.email_verified_at = person.created_at
        dialogue.post_comment(consultation, person, "Hello from a new member.")
        db.session.commit()
        _sign_in(client, person)
        problems += check_page(client.get("/account"), "account", [payload.marker])
    markers = [p.marker for p in NAME_PAYLOADS]
    problems += check_page(client.get(f"/consultations/{consultation.id}"), "authors", markers)
    _sign_in(client, create_user(role=Role.ADMIN))
    problems += check_page(client.get("/admin/users"), "people", markers)
    assert not problems, problems


def test_place_task_and_plan_forms(client, create_user, areas):
    officer = create_user(role=Role.OFFICER)
    staff = create_user(role=Role.STAFF, display_name="Sam Staff")
    _sign_in(client, officer)
    problems: list[str] = []
    for payload in FORM_PAYLOADS[:6]:
        response = submit(
            client,
            "/places/new",
            "/places/new",
            name=one_line(payload),
            address=one_line(payload),
            latitude="51.752",
            longitude="-1.2577",
            opening_hours=payload.labelled(),
        )
        _redirected(response)
        place = urlsplit(response.headers["Location"]).path
        for path in (place, f"{place}/poster"):
            problems += check_page(client.get(path), "place", [payload.marker])
        response = submit(
            client,
            "/tasks",
            "/tasks",
            title=one_line(payload),
            details=payload.labelled(),
            assignee_id=str(staff.id),
            due_at="2099-01-01T10:00",
        )
        _redirected(response)
        response = submit(
            client,
            "/engagement/",
            "/engagement/",
            title=one_line(payload),
            summary=payload.labelled(),
        )
        _redirected(response)
        plan = urlsplit(response.headers["Location"]).path
        problems += check_page(client.get(plan), "plan", [payload.marker])
    markers = [p.marker for p in FORM_PAYLOADS[:6]]
    for path in ("/places", "/tasks", "/engagement/"):
        problems += check_page(client.get(path), path, markers)
    _sign_in(client, staff)
    problems += check_page(client.get("/notifications"), "task notifications", markers)
    assert not problems, problems


def test_flag_and_appeal_forms(client, create_user, create_consultation):
    from townhall.dialogue import service as dialogue
    from townhall.moderation import service as moderation
    from townhall.moderation.models import Verdict

    consultation = create_consultation()
    author = create_user(display_name="Ann Author")
    flagger = create_user(display_name="Fay Flagger")
    moderator = create_user(role=Role.MODERATOR, display_name="Mo Moderator")
    problems: list[str] = []
    for payload in FORM_PAYLOADS[:6]:
        comment = dialogue.post_comment(consultation, author, f"An ordinary comment {payload}.")
        db.session.commit()
        _sign_in(client, flagger)
        flag = f"/moderation/flag/comment/{comment.id}"
        _redirected(submit(client, flag, flag, clause="1.1", note=payload.labelled()))
        case = moderation.find_case("comment", comment.id)
        moderation.decide_case(case, moderator, Verdict.REMOVE, clause_number="1.1")
        db.session.commit()
        _sign_in(client, author)
        response = submit(
            client,
            "/moderation/mine",
            f"/moderation/mine/cases/{case.id}/appeal",
            reason=payload.labelled(),
        )
        _redirected(response)
        _sign_in(client, moderator)
        problems += check_page(client.get(f"/moderation/cases/{case.id}"), "case", [payload.marker])
        appeal = next(a for a in moderation.pending_appeals() if a.case_id == case.id)
        path = f"/moderation/appeals/{appeal.id}"
        problems += check_page(client.get(path), "appeal", [payload.marker])
    assert not problems, problems
