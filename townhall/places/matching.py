"""Who is interested in a point: a bounding box on indexed coordinates, then exact distance.

A saved area (centre, radius r) matches an item at a point with its own reach R (a
consultation's radius; 0 for a place) when the great-circle distance between the
two centres is at most r + R. The database narrows 100,000 areas to the few whose
centres fall in a box around the item (latitude and longitude are indexed), sized
by R plus the largest radius anyone saved; Python then checks the exact
(haversine) distance of those few. Both steps run the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import func, select

from townhall.extensions import db
from townhall.places.models import SavedArea

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE_LATITUDE = math.pi * EARTH_RADIUS_M / 180

T = TypeVar("T")


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance in metres between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Box:
    """A latitude/longitude box, in degrees."""

    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float


def bounding_box(latitude: float, longitude: float, reach_m: float) -> Box:
    """The smallest box that holds every point within `reach_m` of the centre.

    Near the poles (or for a reach that wraps the globe) longitude is not limited.
    """
    dlat = reach_m / METRES_PER_DEGREE_LATITUDE
    min_lat, max_lat = max(-90.0, latitude - dlat), min(90.0, latitude + dlat)
    widest = max(abs(min_lat), abs(max_lat))
    if widest >= 89.9:
        return Box(min_lat, max_lat, -180.0, 180.0)
    dlon = dlat / math.cos(math.radians(widest))
    if dlon >= 180:
        return Box(min_lat, max_lat, -180.0, 180.0)
    return Box(min_lat, max_lat, longitude - dlon, longitude + dlon)


def _lon_condition(column, box: Box):
    """Longitude within the box, allowing for a box that crosses the 180° meridian."""
    if box.min_lon < -180:
        return (column >= box.min_lon + 360) | (column <= box.max_lon)
    if box.max_lon > 180:
        return (column >= box.min_lon) | (column <= box.max_lon - 360)
    return column.between(box.min_lon, box.max_lon)


def in_box(latitude_column, longitude_column, box: Box):
    """A WHERE condition: the (indexed) coordinate columns fall inside the box."""
    return latitude_column.between(box.min_lat, box.max_lat) & _lon_condition(longitude_column, box)


def nearest(
    candidates: Iterable[T],
    latitude: float,
    longitude: float,
    within_m: float,
    position: Callable[[T], tuple[float, float]] = lambda c: (c.latitude, c.longitude),
) -> list[tuple[T, float]]:
    """The candidates truly within `within_m` of the point, nearest first, with distances.

    The exact step after a bounding-box query: a box's corners lie further than its
    reach, so every candidate is measured.
    """
    found = [(c, haversine_m(latitude, longitude, *position(c))) for c in candidates]
    return sorted((f for f in found if f[1] <= within_m), key=lambda f: f[1])


def largest_saved_radius() -> int:
    """The largest radius anyone has saved (an index lookup), or 0."""
    return db.session.scalar(select(func.max(SavedArea.radius_m))) or 0


def areas_reaching(latitude: float, longitude: float, reach_m: float = 0) -> list[tuple[int, int]]:
    """(area id, user id) of every saved area that reaches the point (within its reach).

    A bounding-box query on the indexed coordinates, then the exact distance.
    """
    box = bounding_box(latitude, longitude, reach_m + largest_saved_radius())
    rows = db.session.execute(
        select(
            SavedArea.id,
            SavedArea.user_id,
            SavedArea.latitude,
            SavedArea.longitude,
            SavedArea.radius_m,
        ).where(
            SavedArea.latitude.between(box.min_lat, box.max_lat),
            _lon_condition(SavedArea.longitude, box),
        )
    ).all()
    return [
        (area_id, user_id)
        for area_id, user_id, lat, lon, radius in rows
        if haversine_m(latitude, longitude, lat, lon) <= radius + reach_m
    ]


def areas_reaching_by_full_scan(
    latitude: float, longitude: float, reach_m: float = 0
) -> list[tuple[int, int]]:
    """The same answer by reading every saved area: the benchmark's yardstick."""
    rows = db.session.execute(
        select(
            SavedArea.id,
            SavedArea.user_id,
            SavedArea.latitude,
            SavedArea.longitude,
            SavedArea.radius_m,
        )
    ).all()
    return [
        (area_id, user_id)
        for area_id, user_id, lat, lon, radius in rows
        if haversine_m(latitude, longitude, lat, lon) <= radius + reach_m
    ]
