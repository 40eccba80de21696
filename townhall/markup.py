"""The one sanitiser: what people write (Markdown) becomes safe HTML here, and only here.

Markdown is rendered by markdown-it-py with raw HTML disabled, then cleaned by bleach
against the allow-list below, and every link gets rel="nofollow ugc noopener". Callers
keep the raw text and store the cleaned HTML beside it; swapping the sanitiser means
changing this module alone.

Neither renderer may be shared between threads: bleach's Cleaner keeps the document
it is cleaning in its tokenizer and serializer, and linkify-it keeps the last text it
scanned, so a shared one splices one post's words into another's (held text and
unredacted personal details included) or raises. The server is threaded, so each
thread builds its own, once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from bleach.html5lib_shim import Filter
from bleach.sanitizer import Cleaner
from markdown_it import MarkdownIt

# What a comment, proposal or consultation body may contain once rendered.
ALLOWED_TAGS = frozenset(
    {
        "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote",
        "code", "pre", "h2", "h3", "h4", "hr", "del",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "ol": ["start"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"


_per_thread = threading.local()


def _markdown() -> MarkdownIt:
    """This thread's Markdown renderer."""
    md = getattr(_per_thread, "markdown", None)
    if md is None:
        md = _per_thread.markdown = _new_markdown()
    return md


def _cleaner() -> Cleaner:
    """This thread's HTML cleaner."""
    cleaner = getattr(_per_thread, "cleaner", None)
    if cleaner is None:
        cleaner = _per_thread.cleaner = _new_cleaner()
    return cleaner


def _new_markdown() -> MarkdownIt:
    # "js-default" is CommonMark with raw HTML off and unsafe link schemes refused.
    md = MarkdownIt("js-default", {"linkify": True, "typographer": False})
    md.enable(["linkify", "strikethrough"])
    # A line of "===" or "---" under text is far more often a divider than a heading.
    md.disable(["lheading"])
    # Pictures are not published from posts (tracking pixels, unseen content): an
    # image becomes its description.
    md.add_render_rule("image", _render_image_as_text)
    return md


def _render_image_as_text(self, tokens, idx, options, env) -> str:
    alt = self.renderInline(tokens[idx].children or [], options, env)
    return f"[image: {alt}]" if alt else ""


class UserLinkFilter(Filter):
    """Give every surviving link rel="nofollow ugc noopener", whatever it had."""

    def __iter__(self) -> Iterator[dict]:
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag") and token["name"] == "a":
                attributes = dict(token["data"])
                attributes[(None, "rel")] = LINK_REL
                token["data"] = attributes
            yield token


def _new_cleaner() -> Cleaner:
    return Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[UserLinkFilter],
    )


def clean_html(html: str) -> str:
    """Reduce HTML to the allow-list and mark every link as user-generated."""
    return _cleaner().clean(html)


def render_markdown(text: str) -> str:
    """Render what a person wrote to clean HTML, ready to store beside the raw text."""
    html = _markdown().render(text)
    # Shift headings down (from h3 first) so a post never outranks the page's own h1.
    for level in (3, 2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 1}>").replace(
            f"</h{level}>", f"</h{level + 1}>"
        )
    return clean_html(html)
