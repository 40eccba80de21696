"""The sanitiser on its own: it must stand even if Markdown let raw HTML through.

Markdown is rendered with raw HTML off and unsafe link schemes refused, so the XSS
tests would pass with bleach taken out; these prove the second layer holds by itself.
"""

from __future__ import annotations

from markdown_it import MarkdownIt

from tests.security.test_xss import active_content
from tests.security.xss_payloads import PAYLOADS
from townhall.markup import clean_html, render_markdown


def _problems(render) -> list[str]:
    found = []
    for payload in PAYLOADS:
        problems, _ = active_content(
            f"<!doctype html><html><body>{render(payload.text)}</body></html>"
        )
        found += [f"payload {payload.number} ({payload.group}): {p}" for p in problems]
    return found


def test_every_payload_as_raw_html_is_cleaned_to_nothing_active():
    assert _problems(clean_html) == []


def test_markdown_with_raw_html_on_is_still_cleaned_to_nothing_active():
    permissive = MarkdownIt("commonmark", {"html": True, "linkify": True})
    assert _problems(lambda text: clean_html(permissive.render(text))) == []


def test_what_people_write_is_rendered_to_nothing_active():
    assert _problems(render_markdown) == []
