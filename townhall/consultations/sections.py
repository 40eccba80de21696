"""Sections of the consultation page that other modules own (dialogue, proposals, votes).

Consultations imports none of those modules: each registers a `Section` here when the
app starts, and the consultation page shows every registered section in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from townhall.consultations.models import Consultation


@dataclass(frozen=True)
class Section:
    """A part of the consultation page: `render` returns its HTML, or None to hide it."""

    key: str
    order: int
    render: Callable[[Consultation, Any], Markup | str | None]


_sections: dict[str, Section] = {}


def register_section(section: Section) -> None:
    """Add (or replace) a section of the consultation page."""
    _sections[section.key] = section


def render_sections(consultation: Consultation, user: Any) -> list[tuple[str, Markup]]:
    """Render every registered section for this consultation and reader, in order."""
    rendered = []
    for section in sorted(_sections.values(), key=lambda s: (s.order, s.key)):
        html = section.render(consultation, user)
        if html:
            rendered.append((section.key, Markup(html)))
    return rendered
