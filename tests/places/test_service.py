"""Places' services against the real database: codes, check-ins, retention, tasks, nearby."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.altered_signatures import altered
from tests.places.conftest import LIBRARY, PARK
from townhall.accounts.permissions import Role
from townhall.database import utcnow
from townhall.extensions import db
from townhall.notifications.models import Notification, NotificationKind
from townhall.places import service
from townhall.places.errors import (
    PlaceInvalid,
    PositionInvalid,
    TaskInvalid,
    TaskRefused,
    TooFar,
    TooSoon,
    UnknownCode,
)
from townhall.places.models import CheckIn, CheckInCount, TaskStatus


def test_check_in_code_round_trips_and_refuses_tampering(create_place):
    place = create_place()
    code = service.check_in_code(place)
    assert service.place_for_code(code).id == place.id
    number, _, signature = code.partition(".")
    for bad in (f"{int(number) + 1}.{signature}", *altered(code), "nonsense", "", "1.", ".abc"):
        with pytest.raises(UnknownCode):
            service.place_for_code(bad)


def test_code_for_a_retired_place_is_refused(create_place):
    place = create_place()
    code = service.check_in_code(place)
    place.retired_at = utcnow()
    db.session.commit()
    with pytest.raises(UnknownCode):
        service.place_for_code(code)


def test_place_details_are_checked(create_place):
    with pytest.raises(PlaceInvalid):
        create_place(latitude=91)
    with pytest.raises(PlaceInvalid):
        create_place(name="   ")


def test_check_in_records_once_an_hour_and_refuses_from_far_away(create_place, create_user):
    place = create_place()
    person = create_user()
    first = service.check_in(person, place, LIBRARY)
    again = service.check_in(person, place, (LIBRARY[0] + 0.001, LIBRARY[1]))
    assert again.id == first.id
    with pytest.raises(TooFar, match="Check in when you are there"):
        service.check_in(person, place, PARK)
    later = service.check_in(person, place, now=utcnow() + timedelta(hours=2))
    assert later.id != first.id
    assert service.check_in_count(place) == 2


@pytest.mark.parametrize(
    ("lat", "lon"), [(91, 0), (0, 181), ("x", 0), (None, 0), (float("nan"), 0), ("inf", 1)]
)
def test_positions_out_of_range_are_refused(lat, lon):
    with pytest.raises(PositionInvalid):
        service.parse_position(lat, lon)


def test_purge_keeps_only_daily_counts(create_place, create_user):
    place = create_place()
    people = [create_user() for _ in range(3)]
    now = utcnow()
    for n, person in enumerate(people):
        db.session.add(
            CheckIn(
                place_id=place.id, user_id=person.id, created_at=now - timedelta(days=40, minutes=n)
            )
        )
    db.session.add(
        CheckIn(place_id=place.id, user_id=people[0].id, created_at=now - timedelta(days=2))
    )
    db.session.commit()
    assert service.purge_check_ins(now) == 3
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1
    assert db.session.scalar(select(func.sum(CheckInCount.count))) == 3
    assert service.check_in_count(place) == 4
    assert service.purge_check_ins(now) == 0


def test_around_me_shows_linked_and_covering_consultations(
    create_place, create_consultation, create_user
):
    place = create_place()
    linked = create_consultation(title="Library opening hours")
    covering = create_consultation(
        title="Town centre parking", latitude=LIBRARY[0] + 0.002, longitude=LIBRARY[1], radius_m=500
    )
    create_consultation(title="Far away", latitude=PARK[0], longitude=PARK[1], radius_m=300)
    staff_only = create_consultation(title="Staff rota", audience="staff")
    service.link_consultation(place, linked)
    service.link_consultation(place, staff_only)
    db.session.commit()
    citizen = create_user()
    titles = {c.title for c in service.around_me(citizen, place).consultations}
    assert titles == {"Library opening hours", "Town centre parking"}
    staff = create_user(role=Role.STAFF)
    assert covering.id in {c.id for c in service.around_me(staff, place).consultations}
    assert "Staff rota" in {c.title for c in service.around_me(staff, place).consultations}
    assert {c.title for c in service.around_me(None, place).consultations} == titles


def test_staff_tasks_lifecycle(create_place, create_user):
    place = create_place()
    officer = create_user(role=Role.OFFICER)
    staff = create_user(role=Role.STAFF)
    other = create_user(role=Role.STAFF)
    due = utcnow() + timedelta(days=1)
    task = service.create_task(officer, place.id, "Collect the paper feedback forms", due)
    mine = service.create_task(officer, place.id, "Check the noticeboard", due, assignee=staff)
    db.session.commit()
    assert [t.title for t in service.open_tasks_for(other, place)] == [task.title]
    service.check_in(staff, place)
    db.session.commit()
    told = db.session.scalars(select(Notification).where(Notification.user_id == staff.id)).all()
    assert any(n.kind is NotificationKind.STAFF_TASK and "2 tasks" in n.text for n in told)
    service.accept_task(staff, task)
    with pytest.raises(TaskRefused, match="already taken"):
        service.accept_task(other, task)
    with pytest.raises(TaskRefused, match="someone else"):
        service.accept_task(other, mine)
    with pytest.raises(TaskRefused, match="Say why"):
        service.hand_back_task(staff, task, "  ")
    service.hand_back_task(staff, task, "The forms are locked in the office")
    assert task.status is TaskStatus.OPEN and task.holder_id is None
    service.complete_task(other, task, "Done, in the post tray")
    assert task.status is TaskStatus.DONE
    with pytest.raises(TaskRefused):
        service.complete_task(other, task)
    db.session.commit()


def test_tasks_need_a_real_place_and_staff(create_place, create_user):
    create_place()
    officer = create_user(role=Role.OFFICER)
    citizen = create_user()
    due = utcnow() + timedelta(days=1)
    with pytest.raises(TaskInvalid, match="no such place"):
        service.create_task(officer, 99999, "Check the noticeboard", due)
    with pytest.raises(TaskInvalid, match="staff"):
        service.create_task(officer, service.list_places()[0].id, "X", due, assignee=citizen)
    place = service.list_places()[0]
    task = service.create_task(officer, place.id, "Check the noticeboard", due)
    with pytest.raises(TaskRefused):
        service.accept_task(citizen, task)


def test_past_due_tasks(create_place, create_user):
    place = create_place()
    officer = create_user(role=Role.OFFICER)
    now = utcnow()
    late = service.create_task(officer, place.id, "Late", now - timedelta(hours=1))
    service.create_task(officer, place.id, "Not yet", now + timedelta(hours=1))
    done = service.create_task(officer, place.id, "Done late", now - timedelta(hours=2))
    service.complete_task(create_user(role=Role.STAFF), done)
    db.session.commit()
    assert [t.id for t in service.past_due_tasks(now)] == [late.id]


def test_nearby_answers_once_a_minute_and_each_item_once_a_day(
    create_place, create_user, create_consultation
):
    library = create_place()
    park = create_place(name="South Park", latitude=PARK[0], longitude=PARK[1])
    service.link_consultation(park, create_consultation(title="Play area"))
    db.session.commit()
    person = create_user()
    now = utcnow()
    first = service.nearby_items(person, *LIBRARY, now=now)
    assert [i.key for i in first] == [f"place:{library.id}"]
    with pytest.raises(TooSoon):
        service.nearby_items(person, *PARK, now=now + timedelta(seconds=30))
    second = service.nearby_items(person, *PARK, now=now + timedelta(seconds=61))
    assert {i.title for i in second} == {"South Park", "Play area (at South Park)"}
    third = service.nearby_items(person, *LIBRARY, now=now + timedelta(seconds=130))
    assert third == []
    with pytest.raises(PositionInvalid):
        service.nearby_items(person, 100, 0, now=now + timedelta(seconds=300))
