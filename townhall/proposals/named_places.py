"""The council's places a proposal can be pinned to, told to proposals by the module that
keeps them.

Places imports proposals (to list proposals near a place), so proposals may not
import places back (DESIGN.md's import floors). Instead places registers a
`PlaceSource` here when the app starts, as modules register their sections with
consultations; without one, the proposal form simply offers coordinates only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class NamedPlace:
    """A place by name and position, as the proposal form offers it."""

    id: int
    name: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class PlaceSource:
    """Where the places come from: every place in use, and one place by id (or None)."""

    listing: Callable[[], list[NamedPlace]]
    lookup: Callable[[int], NamedPlace | None]


_source: PlaceSource | None = None
MAX_ID = 2**31 - 1


def register_place_source(source: PlaceSource) -> None:
    """Say where the council's places come from (replacing any earlier source)."""
    global _source
    _source = source


def place_choices() -> list[NamedPlace]:
    """The places a proposal can be pinned to, in the source's order (none without one)."""
    return _source.listing() if _source is not None else []


def named_place(place_id: int) -> NamedPlace | None:
    """The place with this id, or None when there is no such place (or no source)."""
    # A typed-in id beyond any key column is simply no place (SQLite would overflow).
    if _source is None or not 0 < place_id <= MAX_ID:
        return None
    return _source.lookup(place_id)
