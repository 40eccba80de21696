"""Fixtures for places: a place factory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

# A library and a park about 1.9 km apart, in the demo council's town.
LIBRARY = (51.7520, -1.2577)
PARK = (51.7495, -1.2311)


@pytest.fixture
def create_place(app, areas) -> Callable[..., Any]:
    """Make a place: `create_place(name="Central Library", latitude=..., ...)`."""
    return place_maker(areas)


def place_maker(areas: dict[str, Any]) -> Callable[..., Any]:
    """The `create_place` factory (shared with the browser journeys)."""
    from townhall.extensions import db
    from townhall.places import service
    from townhall.places.models import PlaceKind

    def make(
        name: str = "Central Library",
        kind: PlaceKind = PlaceKind.LIBRARY,
        latitude: float = LIBRARY[0],
        longitude: float = LIBRARY[1],
        **extra: Any,
    ):
        place = service.create_place(
            service.PlaceDetails(
                name=name,
                kind=kind,
                address=extra.pop("address", "1 Library Square"),
                latitude=latitude,
                longitude=longitude,
                opening_hours=extra.pop("opening_hours", "9:00 to 18:00"),
                service_area_id=extra.pop("service_area_id", areas["Libraries"].id),
            )
        )
        db.session.commit()
        return place

    return make
