"""The demo council's places: buildings across its area, tasks for staff, saved areas and
recent check-ins. `seed_demo_places` is called by the demo seeding."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from townhall.accounts.models import User
from townhall.accounts.permissions import Permission, Role, has_permission
from townhall.consultations.models import Area, AreaKind, Consultation, Status
from townhall.database import utcnow
from townhall.extensions import db
from townhall.places import alerts, service
from townhall.places.models import CheckIn, Place, PlaceKind

# A made-up council around a made-up county town (coordinates near Oxford, UK).
DEMO_PLACES = (
    ("Central Library", PlaceKind.LIBRARY, "1 Library Square", 51.7520, -1.2577, "Libraries"),
    ("Northway Library", PlaceKind.LIBRARY, "12 Northway Road", 51.7702, -1.2403, "Libraries"),
    ("County Hall", PlaceKind.COUNTY_HALL, "New Road", 51.7513, -1.2626, None),
    (
        "Riverside Leisure Centre",
        PlaceKind.LEISURE_CENTRE,
        "Riverside Walk",
        51.7446,
        -1.2490,
        None,
    ),
    (
        "Redbridge Recycling Centre",
        PlaceKind.RECYCLING_CENTRE,
        "Old Abingdon Road",
        51.7246,
        -1.2498,
        "Waste Services",
    ),
    ("South Park", PlaceKind.PARK, "Morrell Avenue", 51.7495, -1.2311, None),
)
HOURS = "Monday to Friday 9:00 to 18:00; Saturday 9:00 to 16:00; Sunday closed."
TASKS = (
    "Staff the consultation stand on Saturday",
    "Collect the paper feedback forms",
    "Check the noticeboard",
    "Put up the new check-in poster",
)


def seed_demo_places(officer: User, people: list[User], rng: random.Random) -> list[Place]:
    """Add the demo places, link open consultations, set staff tasks, save areas, check in."""
    services = {
        a.name: a for a in db.session.scalars(select(Area).where(Area.kind == AreaKind.SERVICE))
    }
    places = []
    for name, kind, address, lat, lon, area_name in DEMO_PLACES:
        area = services.get(area_name) if area_name else None
        places.append(
            service.create_place(
                service.PlaceDetails(
                    name=name,
                    kind=kind,
                    address=address,
                    latitude=lat,
                    longitude=lon,
                    opening_hours=HOURS,
                    service_area_id=area.id if area else None,
                )
            )
        )
    open_now = db.session.scalars(
        select(Consultation).where(Consultation.status == Status.OPEN).order_by(Consultation.id)
    ).all()
    for index, consultation in enumerate(open_now):
        service.link_consultation(places[index % len(places)], consultation)
        if consultation.uses_voting:
            # Its vote is on every noticeboard, so each check-in page has a vote to cast.
            for place in places:
                service.link_consultation(place, consultation)
    staff = [p for p in people if has_permission(p, Permission.TAKE_PART_AS_STAFF)]
    now = utcnow()
    for index, title in enumerate(TASKS):
        service.create_task(
            officer,
            places[index % len(places)].id,
            title,
            now + timedelta(days=rng.randint(-2, 6), hours=rng.randint(1, 8)),
            assignee=staff[index % len(staff)] if staff and index % 2 else None,
        )
    citizens = [p for p in people if p.role is Role.CITIZEN]
    for person in citizens[:40]:
        place = rng.choice(places)
        if rng.random() < 0.5:
            alerts.save_place_area(person, place)
        else:
            alerts.save_area(
                person,
                "Near home",
                place.latitude + rng.uniform(-0.01, 0.01),
                place.longitude + rng.uniform(-0.01, 0.01),
                rng.choice([300, 500, 1000, 2000]),
            )
        for _ in range(rng.randint(0, 4)):
            db.session.add(
                CheckIn(
                    place_id=rng.choice(places).id,
                    user_id=person.id,
                    created_at=now - timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 23)),
                )
            )
    db.session.flush()
    return places
