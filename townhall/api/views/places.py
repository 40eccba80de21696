"""Public places (check-in points), and the areas a person saved to hear about."""

from __future__ import annotations

from typing import Any

from townhall.api.core import acting_user, api_blueprint, needs
from townhall.api.loaders import MAX_ID, not_found
from townhall.api.problems import ApiProblem
from townhall.api.schemas import (
    PlaceSchema,
    SavedAreaInputSchema,
    SavedAreaListSchema,
    SavedAreaSchema,
)
from townhall.api.tokens import Scope
from townhall.extensions import db
from townhall.places import alerts
from townhall.places import service as places
from townhall.places.models import SavedArea

blp = api_blueprint("places", "Public places, and the areas you saved to hear about.")


def _place(p: Any) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "kind": p.kind.value,
        "address": p.address,
        "latitude": p.latitude,
        "longitude": p.longitude,
        "opening_hours": p.opening_hours,
    }


def _area(a: SavedArea) -> dict[str, Any]:
    return {
        "id": a.id,
        "label": a.label,
        "latitude": a.latitude,
        "longitude": a.longitude,
        "radius_m": a.radius_m,
        "place_id": a.place_id,
    }


@blp.route("/places")
@blp.response(200, PlaceSchema(many=True))
def list_places():
    """List the places where people can check in."""
    return [_place(p) for p in places.list_places()]


@blp.route("/me/areas")
@needs(Scope.READ)
@blp.response(200, SavedAreaListSchema)
def my_areas():
    """List the areas you saved to hear about."""
    return {"items": [_area(a) for a in alerts.areas_of(acting_user())]}


@blp.route("/me/areas", methods=["POST"])
@needs(Scope.WRITE)
@blp.arguments(SavedAreaInputSchema)
@blp.response(201, SavedAreaSchema)
def save_area(data: dict[str, Any]):
    """Save a point and radius (or a place) to hear when consultations open there."""
    user = acting_user()
    if "place_id" in data:
        place = places.get_place(data["place_id"])
        if place is None:
            raise not_found("place")
        area = alerts.save_place_area(user, place)
    else:
        missing = [k for k in ("latitude", "longitude", "radius_m") if k not in data]
        if missing:
            raise ApiProblem(
                422,
                "Give a place_id, or latitude, longitude and radius_m together.",
                errors={"json": {k: ["Missing data for required field."] for k in missing}},
            )
        area = alerts.save_area(
            user, data["label"], data["latitude"], data["longitude"], data["radius_m"]
        )
    db.session.commit()
    return _area(area), 201


@blp.route("/me/areas/<int:area_id>", methods=["DELETE"])
@needs(Scope.WRITE)
@blp.response(204)
def remove_area(area_id: int):
    """Forget one of your saved areas."""
    if area_id > MAX_ID or not alerts.remove_area(acting_user(), area_id):
        raise not_found("saved area")
    db.session.commit()
    return ""
