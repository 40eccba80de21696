"""Finding links in text: web addresses with or without a scheme, and the host of each."""

from __future__ import annotations

import re

from townhall.moderation.standards.model import Span

# Bare domains ("example.com") count as links only with a common top-level
# domain, so that "e.g." or "St.Albans" never do.
_TOP_LEVEL = (
    "com|net|org|info|biz|io|ly|co|uk|me|xyz|app|online|site|shop|store|click|link|"
    "gl|gd|tk|ru|cn|top|club|live|news|eu|tv|ai"
)
_LINK = re.compile(
    rf"""(?<![@\w.-])
    (?: https?://[^\s<>"'()]+
      | www\.[^\s<>"'()]+
      | (?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TOP_LEVEL})(?![\w-])(?:/[^\s<>"'()]*)?
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_TRAILING = ".,;:!?"
# What a link without "://" or "www." contains; most posts have no link and
# skip the expression above after this quick search (it starts with a literal dot).
_DOMAIN_HINT = re.compile(rf"\.(?:{_TOP_LEVEL})\b", re.IGNORECASE)


def link_host(link: str) -> str:
    """The host a link points at, lower case, without "www.": "https://www.x.org/a" -> "x.org"."""
    rest = link.split("://", 1)[-1]
    host = re.split(r"[/?#:]", rest, maxsplit=1)[0].lower()
    return host.removeprefix("www.")


def find_links(text: str) -> list[tuple[Span, str]]:
    """Every link in the text (trailing punctuation left out) with the host it points at."""
    if "." not in text:
        return []
    if "://" not in text and "www." not in text.lower() and not _DOMAIN_HINT.search(text):
        return []
    found = []
    for match in _LINK.finditer(text):
        link = match.group().rstrip(_TRAILING)
        found.append((Span(match.start(), match.start() + len(link), link), link_host(link)))
    return found
