"""Every link on the engagement pages leads to a page, unless it says it downloads
(issue 15, finding 4: the council dashboard tab, area, portfolio and plan links and
"Report" all led to the CSV or PDF)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from townhall.engagement import service
from townhall.extensions import db

# Link text that says what the link downloads.
DOWNLOAD_WORDS = re.compile(r"\b(csv|pdf)\b", re.IGNORECASE)


class _Links(HTMLParser):
    """Collect each link's address and text."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, bool]] = []
        self._open: list[tuple[str, list[str], bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            found = dict(attrs)
            self._open.append((found.get("href") or "", [], "download" in found))

    def handle_data(self, data: str) -> None:
        for _, text, _ in self._open:
            text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open:
            href, text, download = self._open.pop()
            self.links.append((href, " ".join("".join(text).split()), download))


def _links(html: str) -> list[tuple[str, str, bool]]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def test_every_engagement_link_that_does_not_say_it_downloads_answers_html(scene, client, sign_in):
    plan = service.create_plan(scene.officer, scene.a.service_area_id, "Libraries online")
    service.add_project(
        plan, "Sunday opening", benefit=4, cost=2, risk=1, consultation_id=scene.a.id
    )
    db.session.commit()
    sign_in(scene.officer)
    pages = [
        "/engagement/",
        f"/engagement/plans/{plan.id}",
        "/engagement/portfolio",
        "/engagement/stages",
        "/engagement/dashboard",
        f"/engagement/areas/{scene.a.process_area_id}/dashboard",
        f"/engagement/consultations/{scene.a.id}/dashboard",
        f"/engagement/consultations/{scene.c.id}/dashboard",
        f"/engagement/consultations/{scene.c.id}/report",
    ]
    checked: dict[str, str] = {}
    downloads: dict[str, str] = {}
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        for href, text, download in _links(response.get_data(as_text=True)):
            if not href.startswith("/engagement/") or href in checked or href in downloads:
                continue
            if download or DOWNLOAD_WORDS.search(text):
                downloads[href] = client.get(href).mimetype
                continue
            answer = client.get(href)
            checked[href] = answer.mimetype
            assert (answer.status_code, answer.mimetype) == (200, "text/html"), (
                f"{page} links “{text}” to {href}, which answers "
                f"{answer.status_code} {answer.mimetype}"
            )
    # The links the finding names were among those followed.
    for href in (
        "/engagement/dashboard",
        f"/engagement/areas/{scene.a.process_area_id}/dashboard",
        f"/engagement/consultations/{scene.a.id}/dashboard",
        f"/engagement/consultations/{scene.c.id}/report",
    ):
        assert checked.get(href) == "text/html", href
    assert downloads.get(f"/engagement/consultations/{scene.c.id}/report.pdf") == (
        "application/pdf"
    )
    assert "text/csv" in downloads.values()
