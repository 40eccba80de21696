"""Content kinds: how moderation loads, shows, hides and links a post it knows nothing of.

Moderation sits below the domains (dialogue, proposals, consultations), so it never
imports them. Instead each domain registers its kinds when the app starts:

    from townhall.moderation.registry import ContentKind, register_kind

    register_kind(ContentKind(
        name="comment",                      # the standards' kind (settings.kinds)
        label="comment",
        load=lambda id: db.session.get(Comment, id),
        text=lambda c: c.body,               # what the author wrote
        show=show_comment,                   # (comment, text): publish this text
        hide=hide_comment,                   # (comment, notice): show the notice instead
        link=comment_link,                   # (comment) -> URL
        author_id=lambda c: c.author_id,
        place=lambda c: (c.consultation_id, c.consultation.title),
    ))

For the common shape (a model with a Markdown column and its rendered HTML)
`text_model_kind(...)` builds all of that from the column names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: What a hidden post shows in place of its text while a moderator looks at it.
AWAITING_TEXT = "This post is awaiting moderation."


class UnknownContentKind(LookupError):
    """No module registered a content kind of this name."""


@dataclass(frozen=True)
class ContentKind:
    """How moderation handles one kind of post that a domain module owns."""

    name: str
    """The kind's name in the standards file's `kinds` (comment, proposal, ...)."""
    label: str
    """The kind in words, for pages and notifications ("comment")."""
    load: Callable[[int], Any | None]
    """Return the post with this id, or None."""
    text: Callable[[Any], str]
    """The post's text as its author wrote it, to hold to the standards."""
    show: Callable[[Any, str], None]
    """Publish the post with this text (the original, or redacted)."""
    hide: Callable[[Any, str], None]
    """Take the post off public view, showing this notice in its place (awaiting
    moderation, or removed and why)."""
    link: Callable[[Any], str]
    """The post's address on the site."""
    author_id: Callable[[Any], int | None]
    """Who wrote it."""
    place: Callable[[Any], tuple[int | None, str | None]] = lambda post: (None, None)
    """The consultation it belongs to, as (id, title), for figures; (None, None) if none."""
    published: Callable[[Any], None] | None = None
    """Called once a held post is first published by a moderator, so the domain can do
    what it does on publication (tell followers, publish a live event); None for nothing."""
    posted_at: Callable[[Any], datetime | None] = lambda post: None
    """When it was posted, if the post says (so back-dated imports are judged in their
    time); None for now."""
    readable_by: Callable[[Any, Any], bool] = lambda user, post: True
    """Whether this person may read the post where it lives (a staff-only or draft
    consultation, a held proposal); pages that show a post to anyone, such as the flag
    form, answer 404 when not, so they never reveal it."""
    deleted: Callable[[Any], bool] = lambda post: False
    """Whether the post was deleted (kept as a tombstone), so no decision applies to it.
    A domain that deletes posts also calls `withdraw_post`, which takes it off the queue."""
    stored_as: tuple[str, Callable[[str], dict[str, str]]] | None = None
    """Where `hide` writes a notice over the author's words: the table (rows keyed by
    the post's id) and the column values that hold these words instead, so the
    author's own data export can put their words back. None when hiding leaves the
    words in place (a status column, as proposals do)."""


_kinds: dict[str, ContentKind] = {}


def register_kind(kind: ContentKind) -> None:
    """Register (or replace) a content kind; domains call this from their `init_app`."""
    _kinds[kind.name] = kind


def get_kind(name: str) -> ContentKind:
    """The registered kind called `name`; raises UnknownContentKind."""
    try:
        return _kinds[name]
    except KeyError:
        raise UnknownContentKind(f"no module registered the content kind {name!r}") from None


def registered_kinds() -> list[ContentKind]:
    """Every registered kind, by name."""
    return [_kinds[name] for name in sorted(_kinds)]


def text_model_kind(
    name: str,
    model: type,
    *,
    label: str,
    link: Callable[[Any], str],
    render: Callable[[str], str],
    text_attr: str = "body",
    html_attr: str = "body_html",
    author_attr: str = "author_id",
    place: Callable[[Any], tuple[int | None, str | None]] | None = None,
    published: Callable[[Any], None] | None = None,
    readable_by: Callable[[Any, Any], bool] | None = None,
    deleted: Callable[[Any], bool] | None = None,
) -> ContentKind:
    """Build a kind for a model that stores Markdown in `text_attr` and its HTML in `html_attr`.

    Hiding replaces both with a notice (AWAITING_TEXT while held), so nothing that
    reads the post for others (its page, an email or API quoting it) can leak what is
    being held. The words as written stay in the moderation case: whatever shows the
    post to its author (the edit form, their thread, their data export) reads them from
    there (`moderation.service.authors_words`), never the notice.
    """
    from townhall.extensions import db

    def show(post: Any, text: str) -> None:
        setattr(post, text_attr, text)
        setattr(post, html_attr, render(text))

    def hide(post: Any, notice: str) -> None:
        setattr(post, text_attr, notice)
        setattr(post, html_attr, render(notice))

    return ContentKind(
        name=name,
        label=label,
        load=lambda post_id: db.session.get(model, post_id),
        text=lambda post: getattr(post, text_attr),
        show=show,
        hide=hide,
        link=link,
        author_id=lambda post: getattr(post, author_attr),
        place=place or (lambda post: (None, None)),
        published=published,
        posted_at=lambda post: getattr(post, "created_at", None),
        readable_by=readable_by or (lambda user, post: True),
        deleted=deleted or (lambda post: False),
        stored_as=(
            model.__tablename__,  # type: ignore[attr-defined]
            lambda words: {text_attr: words, html_attr: render(words)},
        ),
    )
