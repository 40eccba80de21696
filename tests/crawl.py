"""A crawler over the site as one person sees it, through Flask's test client.

Starting from the given pages it follows, breadth first, every same-site link and
every form whose method is GET (submitted with its default values), and checks each
answer: a link answers 200 with HTML unless the link itself says it downloads (a
`download` attribute, or a file-type word such as CSV or PDF in its text), never a
404 or a 5xx; every HTML page has exactly one h1, a title with words in it and a
language on <html>; headings never skip a level; every table has a caption and sits
in a scrolling region named by it (PageReader). Redirects are followed and the page
they land on is checked (an anonymous visitor may be sent to sign in; a signed-in
person may not). It only ever sends GET, and never to the endpoints in
STATE_CHANGING_ENDPOINTS, so crawling changes nothing (sign-out is a POST form, so it
is never followed).

Problems are gathered, not raised, so one run reports every broken link at once
(with the page that linked to it). The browser tests read `CrawlResult.pages` to
visit the same pages in Chromium.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException

from townhall.accounts.permissions import Role

# Addresses that differ only in ids of the same route (/proposals/3, /proposals/7), or
# in the values of the same query parameters (?comment_sort=newest, ?comment_sort=oldest),
# show the same template over other rows: after PER_SHAPE of one shape the rest are
# skipped, which keeps a crawl of the demo council to a few seconds a role.
PER_SHAPE = 4
# Routes whose rows are laid out differently from one another are read in full: a
# consultation's page shows other sections in each state (the demo holds one of each),
# and each voting method shows its results in its own tables (rounds, transfers,
# matrix, budget), the demo holding one vote of each method.
PER_SHAPE_OF = {"consultations.show": 20, "proposals.show_vote": 20, "proposals.results": 20}

# GET addresses that still change something, so the crawl never opens them.
STATE_CHANGING_ENDPOINTS = {
    # Opening a notification marks it read, then redirects to what it is about.
    "notifications.open_one",
    # A link from an email that confirms the address.
    "accounts.verify_email",
}

# A word in a link's text that says the link downloads a file of that type.
DOWNLOAD_WORD = re.compile(
    r"\b(csv|pdf|json|ics|ical|xml|svg|png|txt|zip|ods|xlsx|openapi)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an address, and the page whose link led there."""

    url: str
    problem: str
    linked_from: str

    def __str__(self) -> str:
        return f"{self.url}: {self.problem} (linked from {self.linked_from})"


@dataclass
class CrawlResult:
    """What a crawl found: the HTML pages it read, the downloads, and every problem."""

    pages: list[str] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    def report_of(self, problems: list[Problem]) -> str:
        """The problems given, one a line, for a test's failure message."""
        return f"{len(problems)} problem(s):\n" + "\n".join(f"  {p}" for p in problems)


@dataclass(frozen=True)
class Link:
    """A place a page sends people: its address and whether it says it downloads."""

    url: str
    downloads: bool


HEADING = re.compile(r"h([1-6])")
TABLE_REGION = (
    '<div class="table-scroll" role="region" aria-labelledby="(caption id)" tabindex="0">'
)


class PageReader(HTMLParser):
    """Reads what the crawl checks and follows from one HTML page.

    Beside the h1s, title and language, it notes (in `problems`) headings that skip a
    level (h1 then h3) and tables that are not captioned and in a scrolling region
    named by their caption: the pattern that keeps a wide table from pushing the page
    sideways on a phone while a keyboard can still scroll it.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.h1_count = 0
        self.title = ""
        self.problems: list[str] = []
        self._heading_level = 0
        self._divs: list[dict[str, str | None]] = []
        # Per open table: the id its region is labelled by, and its caption's id.
        self._tables: list[list[str | None]] = []
        self.links: list[Link] = []
        self.get_forms: list[tuple[str | None, list[tuple[str, str]]]] = []
        self._in_title = False
        self._anchor: dict[str, str | None] | None = None
        self._anchor_text: list[str] = []
        self._form: tuple[str | None, list[tuple[str, str]]] | None = None
        self._select: tuple[str, list[str], list[str]] | None = None
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self._structure(tag, a)
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "h1":
            self.h1_count += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "a" and a.get("href") is not None:
            self._anchor, self._anchor_text = a, []
        elif tag == "img" and self._anchor is not None:
            self._anchor_text.append(a.get("alt") or "")
        elif tag == "form":
            if (a.get("method") or "get").lower() == "get":
                self._form = (a.get("action"), [])
        elif self._form is not None and not _disabled(a):
            self._form_field(tag, a)

    def _structure(self, tag: str, a: dict[str, str | None]) -> None:
        """Note the heading levels and where tables and their captions sit."""
        if heading := HEADING.fullmatch(tag):
            level = int(heading.group(1))
            if level > self._heading_level + 1:
                was = f"h{self._heading_level}" if self._heading_level else "the page's start"
                self.problems.append(f"has an h{level} straight after {was}")
            self._heading_level = level
        elif tag == "div":
            self._divs.append(a)
        elif tag == "table":
            region = self._divs[-1] if self._divs else {}
            scrolls = "table-scroll" in (region.get("class") or "").split()
            named = region.get("role") == "region" and region.get("tabindex") == "0"
            label = region.get("aria-labelledby") if scrolls and named else None
            self._tables.append([label, None])
            if label is None:
                self.problems.append(f"has a table outside a scrolling region ({TABLE_REGION})")
        elif tag == "caption" and self._tables:
            self._tables[-1][1] = a.get("id") or ""

    def _form_field(self, tag: str, a: dict[str, str | None]) -> None:
        assert self._form is not None
        name = a.get("name") or ""
        if tag == "option" and self._select is not None:
            value = a.get("value") or ""
            self._select[1].append(value)
            if "selected" in a:
                self._select[2].append(value)
        elif not name:
            return  # a control without a name sends nothing
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form[1].append((name, a.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select = (name, [], [])
        elif tag == "textarea":
            self._textarea = (name, [])

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._divs:
            self._divs.pop()
        elif tag == "table" and self._tables:
            label, caption = self._tables.pop()
            if caption is None:
                self.problems.append("has a table without a caption")
            elif label is not None and label != caption:
                self.problems.append(f"has a table region labelled by #{label}, not its caption")
        if tag == "title":
            self._in_title = False
        elif tag == "a" and self._anchor is not None:
            text = " ".join("".join(self._anchor_text).split())
            href = self._anchor.get("href") or ""
            says_download = "download" in self._anchor or bool(DOWNLOAD_WORD.search(text))
            self.links.append(Link(href, says_download))
            self._anchor = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, options, chosen = self._select
            if chosen or options:
                self._form[1].append((name, (chosen or options)[0]))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form[1].append((self._textarea[0], "".join(self._textarea[1])))
            self._textarea = None
        elif tag == "form" and self._form is not None:
            self.get_forms.append(self._form)
            self._form = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self._anchor is not None:
            self._anchor_text.append(data)
        if self._textarea is not None:
            self._textarea[1].append(data)


def _disabled(attrs: dict[str, str | None]) -> bool:
    return "disabled" in attrs


class Crawler:
    """Crawls the site through one test client (signed in as one person, or not)."""

    def __init__(self, app: Flask, client: FlaskClient, *, signed_in: bool) -> None:
        self.app = app
        self.client = client
        self.signed_in = signed_in
        self.urls = app.url_map.bind("localhost")
        self.sign_in_path = self.urls.build("accounts.sign_in")

    def crawl(self, start: Iterable[str]) -> CrawlResult:
        """Read every page reachable from `start`; return what was found."""
        result = CrawlResult()
        queue: deque[tuple[str, str]] = deque((url, "(start)") for url in start)
        seen = {url for url, _ in queue}
        # Where each address was first linked without a word saying it downloads, and
        # what each fetched address turned out to be: checked once the crawl is done,
        # since a later link to an address already queued is not fetched again.
        plain_links: dict[str, str] = {url: linked_from for url, linked_from in queue}
        kinds: dict[str, str] = {}
        shapes: Counter[str] = Counter()
        while queue:
            url, linked_from = queue.popleft()
            for link in self._visit(url, linked_from, result, kinds, seen):
                if not link.downloads:
                    plain_links.setdefault(link.url, url)
                if link.url in seen:
                    continue
                seen.add(link.url)
                shape = self._shape(link.url)
                if shape is None:
                    result.skipped[link.url] += 1
                    continue
                shapes[shape] += 1
                if shapes[shape] > PER_SHAPE_OF.get(shape.split()[0], PER_SHAPE):
                    result.skipped[shape] += 1
                    continue
                queue.append((link.url, url))
        for url, linked_from in plain_links.items():
            kind = kinds.get(url)
            if kind is not None and kind != "text/html":
                problem = f"answers {kind} but its link does not say it downloads"
                result.problems.append(Problem(url, problem, linked_from))
        return result

    def _visit(
        self,
        url: str,
        linked_from: str,
        result: CrawlResult,
        kinds: dict[str, str],
        seen: set[str],
    ) -> list[Link]:
        """Fetch one address, record what is wrong with it, return the links it holds."""
        try:
            response = self.client.get(url, follow_redirects=True)
        except Exception as error:  # tests raise what production would answer 500 to
            problem = f"fails with {type(error).__name__}: {error}"
            result.problems.append(Problem(url, problem, linked_from))
            return []
        landed = urlunsplit(
            ("", "", response.request.path, response.request.query_string.decode(), "")
        )
        if response.history and response.request.path == self.sign_in_path and self.signed_in:
            result.problems.append(Problem(url, "sends a signed-in person to sign in", linked_from))
            return []
        if response.status_code != 200:
            detail = f" (redirected to {landed})" if response.history else ""
            problem = f"answers {response.status_code}{detail}"
            result.problems.append(Problem(url, problem, linked_from))
            return []
        kinds[url] = response.mimetype
        if response.mimetype != "text/html":
            result.downloads.append(url)
            return []
        if landed != url:
            if landed in seen:
                return []  # redirected to a page read already
            seen.add(landed)
        result.pages.append(landed)
        reader = PageReader()
        reader.feed(response.get_data(as_text=True))
        reader.close()
        if reader.h1_count != 1:
            result.problems.append(Problem(url, f"has {reader.h1_count} h1 elements", linked_from))
        if not reader.title.strip():
            result.problems.append(Problem(url, "has no <title> text", linked_from))
        if not (reader.lang or "").strip():
            result.problems.append(Problem(url, "has no lang on <html>", linked_from))
        result.problems += [Problem(url, problem, linked_from) for problem in reader.problems]
        found = [
            Link(address, link.downloads)
            for link in reader.links
            if (address := self._on_site(landed, link.url)) is not None
        ]
        for action, fields in reader.get_forms:
            address = self._on_site(landed, action or landed)
            if address is not None:
                query = urlencode(fields)
                found.append(Link(urlunsplit(urlsplit(address)._replace(query=query)), False))
        return found

    def _on_site(self, page: str, href: str) -> str | None:
        """The path and query of `href` on this site, or None for anywhere else."""
        parts = urlsplit(urljoin("http://localhost" + page, href.strip()))
        if parts.scheme not in ("http", "https") or parts.netloc != "localhost":
            return None
        return urlunsplit(("", "", parts.path, parts.query, ""))

    def _shape(self, url: str) -> str | None:
        """The route an address belongs to, with its ids blanked out; None to skip it."""
        parts = urlsplit(url)
        try:
            endpoint, args = self.urls.match(parts.path, method="GET")
        except HTTPException:
            # Not a route of the app: fetch it anyway, so a 404 is reported.
            return parts.path
        if endpoint in STATE_CHANGING_ENDPOINTS:
            return None
        words = [endpoint]
        words += [f"{k}={v}" for k, v in sorted(args.items()) if not _an_id(v)]
        words += sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
        return " ".join(words)


def _an_id(value: object) -> bool:
    return isinstance(value, int) or (isinstance(value, str) and value.isdigit())


def crawl(
    app: Flask, client: FlaskClient, *, signed_in: bool, start: Iterable[str] = ("/",)
) -> CrawlResult:
    """Crawl the site from `start` as the person `client` is signed in as (or nobody)."""
    return Crawler(app, client, signed_in=signed_in).crawl(start)


# --- the demo council, as `flask townhall seed-demo` makes it ---------------------------


@dataclass(frozen=True)
class SignIn:
    """How one demo person signs in."""

    role: Role
    email: str
    password: str


def seed_demo() -> dict[Role, SignIn]:
    """Seed the demo council through seed-demo's own code; return each role's sign-in."""
    from townhall.cli import _demo_officer, seed_people
    from townhall.demo_council import seed_demo_council
    from townhall.extensions import db

    people = seed_people()
    seed_demo_council(_demo_officer())
    db.session.commit()
    return {role: SignIn(role, email, password) for role, email, password in people}


CRAWLED_ROLES: list[Role | None] = [
    None,
    Role.CITIZEN,
    Role.STAFF,
    Role.MODERATOR,
    Role.OFFICER,
    Role.ADMIN,
]


def role_id(role: Role | None) -> str:
    """A test id for a crawled role (None is the anonymous visitor)."""
    return role.value if role else "anonymous"
