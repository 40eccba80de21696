"""Benchmark of matching a newly opened consultation to saved areas (`python -m bench places`).

100,000 saved areas of 20,000 people spread over a council's area (about 55 km by
48 km, radii from 200 m to 5 km), on SQLite in a temporary folder.

Figures:
- places_match_ms: the median time to find the areas that reach a new consultation
  (a point with a 500 m radius): a bounding-box query on the indexed coordinates,
  then the exact haversine distance of the candidates.
- places_match_vs_full_scan: that median divided by the median of reading every
  saved area and computing each distance in Python (the same answer, checked).
  Goal: at most 0.05.
- places_notify_ms: the median time to tell the matched people (in-app
  notifications, live events, digest queue; committed), and how many they were.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

AREAS = 100_000
PEOPLE = 20_000
RUNS = 15
RATIO_GOAL = 0.05
# The council's area: a box around a county town.
MIN_LAT, MAX_LAT = 51.55, 52.05
MIN_LON, MAX_LON = -1.60, -0.90
RADII = (200, 300, 500, 500, 1000, 1000, 2000, 5000)


def _app(folder: Path):
    from flask_migrate import upgrade

    from townhall import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(folder / "bench.db"),
            "MAIL_SERVER": None,
            "MAIL_OUTBOX": str(folder / "outbox"),
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_ENABLED": False,
            "SOCKETIO_MESSAGE_QUEUE": None,
            "TOWNHALL_RAISE_ERRORS": True,
        }
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    return app


def _fill(app, rng: random.Random) -> None:
    from sqlalchemy import insert

    from townhall.accounts.models import User
    from townhall.accounts.permissions import Role
    from townhall.database import utcnow
    from townhall.extensions import db
    from townhall.places.models import SavedArea

    with app.app_context():
        now = utcnow()
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"p{n}@bench.example.org",
                    "display_name": f"Person {n}",
                    "password_hash": "!",  # never signs in
                    "role": Role.CITIZEN,
                    "email_verified_at": now,
                    "created_at": now,
                    "updated_at": now,
                    "session_version": 1,
                }
                for n in range(PEOPLE)
            ],
        )
        db.session.execute(
            insert(SavedArea),
            [
                {
                    "user_id": 1 + n % PEOPLE,
                    "label": "Home",
                    "latitude": rng.uniform(MIN_LAT, MAX_LAT),
                    "longitude": rng.uniform(MIN_LON, MAX_LON),
                    "radius_m": rng.choice(RADII),
                    "created_at": now,
                }
                for n in range(AREAS)
            ],
        )
        db.session.commit()


def _median_ms(work, points) -> float:
    times = []
    for point in points:
        start = time.perf_counter()
        work(*point)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def figures() -> list[dict[str, Any]]:
    """Measure matching and notifying; return the figures."""
    rng = random.Random(6)
    with tempfile.TemporaryDirectory() as folder:
        app = _app(Path(folder))
        _fill(app, rng)
        from townhall.extensions import db
        from townhall.places import alerts, matching

        with app.app_context():
            points = [
                (
                    rng.uniform(MIN_LAT + 0.05, MAX_LAT - 0.05),
                    rng.uniform(MIN_LON + 0.05, MAX_LON - 0.05),
                    500,
                )
                for _ in range(RUNS)
            ]
            for point in points[:3]:  # same answer, and warm caches for both
                assert sorted(matching.areas_reaching(*point)) == sorted(
                    matching.areas_reaching_by_full_scan(*point)
                )
            indexed, full = [], []
            for point in points:  # interleaved, so both see the same machine load
                indexed.append(_median_ms(matching.areas_reaching, [point]))
                full.append(_median_ms(matching.areas_reaching_by_full_scan, [point]))
            match_ms, scan_ms = statistics.median(indexed), statistics.median(full)
            matched = statistics.median(
                len({u for _, u in matching.areas_reaching(*p)}) for p in points
            )

            def notify(lat: float, lon: float, reach: float) -> None:
                item = alerts.Item(
                    "Now open near you: “Bench”", "/consultations/1", lat, lon, reach
                )
                alerts.tell_interested(item)
                db.session.commit()

            notify_ms = _median_ms(notify, points[:7])
    ratio = match_ms / scan_ms
    return [
        {
            "figure": "places_match_ms",
            "value": round(match_ms, 2),
            "unit": "ms",
            "baseline": f"{AREAS:,} saved areas",
            "goal": "",
            "met": True,
        },
        {
            "figure": "places_match_vs_full_scan",
            "value": round(ratio, 4),
            "unit": "ratio",
            "baseline": f"full scan in Python {scan_ms:.1f} ms",
            "goal": f"<= {RATIO_GOAL}",
            "met": ratio <= RATIO_GOAL,
        },
        {
            "figure": "places_notify_ms",
            "value": round(notify_ms, 1),
            "unit": "ms",
            "baseline": f"median {matched:.0f} people matched",
            "goal": "",
            "met": True,
        },
    ]


if __name__ == "__main__":
    for figure in figures():
        print(figure)
