"""Areas of interest: matching by bounding box then exact distance, and telling people."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from tests.places.conftest import LIBRARY, PARK
from townhall.accounts.permissions import Role
from townhall.consultations import service as consultations
from townhall.extensions import db
from townhall.notifications.models import Notification, NotificationKind
from townhall.places import alerts, matching
from townhall.places.errors import AreaInvalid
from townhall.places.models import EmailFrequency, PendingAlert, SavedArea


def test_haversine_and_bounding_box():
    # One degree of latitude is about 111.2 km everywhere.
    assert matching.haversine_m(51, 0, 52, 0) == pytest.approx(111_195, rel=1e-3)
    box = matching.bounding_box(51.75, -1.25, 1000)
    for bearing in range(0, 360, 15):
        lat, lon = _move(51.75, -1.25, 999, bearing)
        assert box.min_lat <= lat <= box.max_lat and box.min_lon <= lon <= box.max_lon
    assert matching.bounding_box(89.99, 0, 5000).min_lon == -180


def _move(lat, lon, metres, bearing):
    import math

    r = matching.EARTH_RADIUS_M
    phi, lmb, theta, d = math.radians(lat), math.radians(lon), math.radians(bearing), metres / r
    phi2 = math.asin(math.sin(phi) * math.cos(d) + math.cos(phi) * math.sin(d) * math.cos(theta))
    lmb2 = lmb + math.atan2(
        math.sin(theta) * math.sin(d) * math.cos(phi), math.cos(d) - math.sin(phi) * math.sin(phi2)
    )
    return math.degrees(phi2), math.degrees(lmb2)


def test_bounding_box_query_finds_exactly_what_a_full_scan_finds(app, create_user):
    person = create_user()
    rng = random.Random(8)
    rows = [
        {
            "user_id": person.id,
            "label": f"a{n}",
            "latitude": 51.75 + rng.uniform(-0.2, 0.2),
            "longitude": -1.25 + rng.uniform(-0.3, 0.3),
            "radius_m": rng.choice([50, 300, 1000, 5000]),
        }
        for n in range(2000)
    ]
    rows.append({**rows[0], "latitude": 51.75, "longitude": 179.999, "radius_m": 2000})
    db.session.execute(insert(SavedArea), rows)
    db.session.commit()
    for lat, lon, reach in [
        (51.75, -1.25, 0),
        (51.8, -1.1, 800),
        (51.6, -1.4, 3000),
        (51.75, -179.999, 100),
    ]:
        assert sorted(matching.areas_reaching(lat, lon, reach)) == sorted(
            matching.areas_reaching_by_full_scan(lat, lon, reach)
        )


@pytest.mark.parametrize("radius", [-1, 0, 50_001, 10**12, "big"])
def test_bad_radius_is_refused(create_user, radius):
    with pytest.raises(AreaInvalid):
        alerts.save_area(create_user(), "Home", 51.75, -1.25, radius)


def test_place_must_exist(create_user):
    with pytest.raises(AreaInvalid, match="no such place"):
        alerts.save_place_area(create_user(), None)


def _open_near_library(create_consultation, **extra):
    return create_consultation(
        status="draft", latitude=LIBRARY[0], longitude=LIBRARY[1], radius_m=400, **extra
    )


def test_opening_a_consultation_tells_people_whose_areas_and_topics_match(
    create_user, create_consultation, areas, mailbox
):
    near = create_user(email="near@example.org")
    far = create_user(email="far@example.org")
    wrong_topic = create_user(email="topic@example.org")
    topic_only = create_user(email="anywhere@example.org")
    alerts.save_area(near, "Home", LIBRARY[0] + 0.005, LIBRARY[1], 300)  # ~560 m: reaches 300+400
    alerts.save_area(far, "Home", PARK[0], PARK[1], 300)
    alerts.save_area(wrong_topic, "Home", *LIBRARY, 300)
    alerts.set_topics(wrong_topic, {areas["Highways"].id})
    alerts.set_topics(topic_only, {areas["Libraries"].id})
    alerts.set_settings(near, EmailFrequency.IMMEDIATE, None, None)
    db.session.commit()
    consultation = _open_near_library(create_consultation)
    consultations.open_consultation(consultation)
    db.session.commit()
    told = set(
        db.session.scalars(
            select(Notification.user_id).where(Notification.kind == NotificationKind.AREA_ALERT)
        )
    )
    assert told == {near.id, topic_only.id}
    sent = [m["To"] for m in mailbox()]
    assert sent == ["near@example.org"]
    assert "Library opening hours" in mailbox()[0].get_content()
    # topic_only has the default, a daily digest: it waits.
    assert db.session.scalar(select(func.count()).select_from(PendingAlert)) == 1


def test_a_rollback_tells_nobody(create_user, create_consultation):
    person = create_user()
    alerts.save_area(person, "Home", *LIBRARY, 300)
    db.session.commit()
    consultation = _open_near_library(create_consultation)
    consultations.open_consultation(consultation)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_staff_only_consultations_tell_only_staff(create_user, create_consultation):
    citizen, staff = create_user(), create_user(role=Role.STAFF)
    for person in (citizen, staff):
        alerts.save_area(person, "Work", *LIBRARY, 300)
    db.session.commit()
    consultations.open_consultation(_open_near_library(create_consultation, audience="staff"))
    db.session.commit()
    assert set(db.session.scalars(select(Notification.user_id))) == {staff.id}


def test_digests_and_quiet_hours(create_user, mailbox):
    night_owl = create_user(email="owl@example.org")
    weekly = create_user(email="weekly@example.org")
    for person in (night_owl, weekly):
        alerts.save_area(person, "Home", *LIBRARY, 300)
    # 22:00 to 07:00 UK time; 23:30 UTC in winter is inside it.
    alerts.set_settings(night_owl, EmailFrequency.IMMEDIATE, 22, 7)
    alerts.set_settings(weekly, EmailFrequency.WEEKLY, None, None)
    db.session.commit()
    night = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    item = alerts.Item("Now open near you: “Bins”", "/consultations/1", *LIBRARY)
    alerts.tell_interested(item, night)
    db.session.commit()
    assert mailbox() == []
    assert alerts.send_due(night + timedelta(hours=1)) == (1, 0)  # the weekly digest
    db.session.commit()
    assert [m["To"] for m in mailbox()] == ["weekly@example.org"]
    morning = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    emails, pushes = alerts.send_due(morning)
    db.session.commit()
    assert (emails, pushes) == (1, 1)
    assert [m["To"] for m in mailbox()][-1] == "owl@example.org"
    assert "Bins" in mailbox()[-1].get_content()
    # The weekly person's next digest waits a week.
    alerts.tell_interested(item, morning)
    db.session.commit()
    assert alerts.send_due(morning + timedelta(days=1)) == (0, 0)
    assert alerts.send_due(night + timedelta(days=7, hours=2))[0] == 1


def test_quiet_hours_must_be_both_or_neither(create_user):
    with pytest.raises(AreaInvalid):
        alerts.set_settings(create_user(), EmailFrequency.DAILY, 22, None)
    with pytest.raises(AreaInvalid):
        alerts.set_settings(create_user(), EmailFrequency.DAILY, 25, 3)


def test_a_task_for_any_staff_tells_staff_whose_areas_cover_the_place(create_user, create_place):
    from townhall.places import service

    place = create_place()
    officer = create_user(role=Role.OFFICER)
    staff, citizen = create_user(role=Role.STAFF), create_user()
    for person in (staff, citizen):
        alerts.save_area(person, "Work", *LIBRARY, 300)
    db.session.commit()
    service.create_task(
        officer, place.id, "Check the noticeboard", datetime.now(UTC) + timedelta(1)
    )
    db.session.commit()
    told = db.session.scalars(select(Notification)).all()
    assert [(n.user_id, n.kind) for n in told] == [(staff.id, NotificationKind.AREA_ALERT)]
