"""Consultation rules against the real database: areas, lifecycle, schedule, outcomes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from townhall.accounts.permissions import Role
from townhall.consultations import service
from townhall.consultations.models import Area, AreaKind, Audience, Status
from townhall.database import utcnow
from townhall.extensions import db
from townhall.notifications.models import Notification, NotificationKind


def test_default_areas_are_the_councils_lists(areas):
    process = {a.name for a in service.list_areas(AreaKind.PROCESS)}
    service_areas = {a.name for a in service.list_areas(AreaKind.SERVICE)}
    assert process == set(service.DEFAULT_PROCESS_AREAS)
    assert service_areas == set(service.DEFAULT_SERVICE_AREAS)
    assert len(process) == 11 and len(service_areas) == 6
    service.ensure_default_areas()  # running it again adds nothing
    assert len(db.session.scalars(select(Area)).all()) == 17


def test_areas_can_be_added_renamed_retired_and_restored(areas):
    area = service.add_area(AreaKind.SERVICE, "  Parks   and Open Spaces ")
    assert area.name == "Parks and Open Spaces"
    with pytest.raises(service.AreaError, match="already a service area"):
        service.add_area(AreaKind.SERVICE, "parks and open spaces")
    with pytest.raises(service.AreaError, match="Enter a name"):
        service.add_area(AreaKind.SERVICE, "   ")
    service.rename_area(area, "Parks")
    service.set_area_retired(area, True)
    assert area not in service.list_areas(AreaKind.SERVICE)
    assert area in service.list_areas(AreaKind.SERVICE, include_retired=True)
    service.set_area_retired(area, False)
    assert area in service.list_areas(AreaKind.SERVICE)


def test_create_renders_markdown_and_starts_as_draft(create_consultation):
    consultation = create_consultation(status="draft", body="Hello <script>x()</script> **there**")
    assert consultation.status is Status.DRAFT
    assert "<strong>there</strong>" in consultation.body_html
    assert "<script>" not in consultation.body_html
    assert consultation.body == "Hello <script>x()</script> **there**"


def test_areas_must_be_of_the_right_kind(app, areas, create_user):
    officer = create_user(role=Role.OFFICER)
    details = service.ConsultationDetails(
        title="T", summary="S", body="B",
        process_area_id=areas["Libraries"].id,  # a service area given as the process area
        service_area_id=areas["Libraries"].id,
    )  # fmt: skip
    with pytest.raises(service.ConsultationError, match="process area"):
        service.create_consultation(officer, details)


def test_location_comes_whole_or_not_at_all(create_consultation):
    with pytest.raises(service.ConsultationError, match="together"):
        create_consultation(status="draft", latitude=51.5, longitude=None, radius_m=None)
    located = create_consultation(status="draft", latitude=51.5, longitude=-0.12, radius_m=800)
    assert located.has_location


def test_the_lifecycle(create_consultation, create_user):
    consultation = create_consultation(status="draft")
    service.schedule_consultation(consultation)
    assert consultation.status is Status.SCHEDULED
    service.unschedule_consultation(consultation)
    assert consultation.status is Status.DRAFT
    service.open_consultation(consultation)
    assert consultation.status is Status.OPEN and consultation.opened_at is not None
    service.close_consultation(consultation)
    assert consultation.status is Status.CLOSED and consultation.closes_at <= utcnow()
    service.publish_outcome(
        consultation, create_user(role=Role.OFFICER),
        you_said="Yes", decision="Do it", reasons="Because", next_steps="Soon",
    )  # fmt: skip
    assert consultation.status is Status.OUTCOME_PUBLISHED
    service.archive_consultation(consultation)
    assert consultation.status is Status.ARCHIVED


@pytest.mark.parametrize(
    ("status", "transition", "message"),
    [
        ("draft", service.close_consultation, "draft cannot be closed"),
        ("draft", service.archive_consultation, "draft cannot be archived"),
        ("draft", service.unschedule_consultation, "draft cannot be taken back"),
        ("open", service.open_consultation, "open cannot be opened"),
        ("open", service.schedule_consultation, "open cannot be scheduled"),
        ("closed", service.close_consultation, "closed cannot be closed"),
        ("archived", service.open_consultation, "archived cannot be opened"),
    ],
)
def test_invalid_transitions_say_why(create_consultation, status, transition, message):
    consultation = create_consultation(status=status)
    with pytest.raises(service.InvalidTransition, match=message):
        transition(consultation)


def test_scheduling_checks_the_times(create_consultation):
    consultation = create_consultation(status="draft", opens_at=None)
    with pytest.raises(service.InvalidSchedule, match="both an opening and a closing"):
        service.schedule_consultation(consultation)
    consultation.opens_at = utcnow() - timedelta(hours=1)
    with pytest.raises(service.InvalidSchedule, match="in the future"):
        service.schedule_consultation(consultation)
    consultation.opens_at = utcnow() + timedelta(hours=1)
    consultation.closes_at = utcnow()
    with pytest.raises(service.InvalidSchedule, match="after the opening"):
        service.schedule_consultation(consultation)


def test_opening_needs_a_future_closing_time(create_consultation):
    consultation = create_consultation(status="draft", closes_at=None)
    with pytest.raises(service.InvalidSchedule, match="closing time in the future"):
        service.open_consultation(consultation)


def test_scheduled_consultations_open_and_close_on_time(create_consultation):
    consultation = create_consultation(status="scheduled")
    assert service.apply_schedule(utcnow()) == (0, 0)
    assert service.apply_schedule(consultation.opens_at + timedelta(seconds=1)) == (1, 0)
    assert consultation.status is Status.OPEN
    assert service.apply_schedule(consultation.closes_at + timedelta(seconds=1)) == (0, 1)
    assert consultation.status is Status.CLOSED


def test_a_consultation_scheduled_wholly_in_the_past_opens_then_closes(create_consultation):
    consultation = create_consultation(status="scheduled")
    assert service.apply_schedule(consultation.closes_at + timedelta(days=1)) == (1, 1)
    assert consultation.status is Status.CLOSED


def test_editing_rules(create_consultation):
    consultation = create_consultation(status="open")
    details = service.ConsultationDetails(
        title="New title", summary="S", body="B",
        process_area_id=consultation.process_area_id,
        service_area_id=consultation.service_area_id,
        closes_at=utcnow() - timedelta(days=1),
    )  # fmt: skip
    with pytest.raises(service.InvalidSchedule, match="closing time in the future"):
        service.update_consultation(consultation, details)
    details.closes_at = utcnow() + timedelta(days=3)
    service.update_consultation(consultation, details)
    assert consultation.title == "New title"
    service.close_consultation(consultation)
    with pytest.raises(service.InvalidTransition, match="once it has closed"):
        service.update_consultation(consultation, details)


def test_outcome_needs_every_part_and_a_closed_consultation(create_consultation, create_user):
    officer = create_user(role=Role.OFFICER)
    parts = {"you_said": "Y", "decision": "D", "reasons": "R", "next_steps": "N"}
    open_one = create_consultation(status="open")
    with pytest.raises(service.InvalidTransition):
        service.publish_outcome(open_one, officer, **parts)
    closed = create_consultation(status="closed")
    with pytest.raises(service.ConsultationError, match="Why"):
        service.publish_outcome(closed, officer, **(parts | {"reasons": "  "}))
    outcome = service.publish_outcome(closed, officer, **parts)
    assert "<h3>You said</h3>" in outcome.body_html
    corrected = service.publish_outcome(closed, officer, **(parts | {"decision": "Changed"}))
    assert corrected.id == outcome.id and corrected.decision == "Changed"


def test_listing_filters_search_and_visibility(create_consultation, create_user, areas):
    create_consultation(title="Sunday library hours")
    create_consultation(title="Bin collection days", service_area_id=areas["Waste Services"].id)
    create_consultation(title="Staff canteen", audience="staff")
    create_consultation(title="Secret draft", status="draft")
    create_consultation(title="Old consultation", status="archived")
    citizen = create_user()
    officer = create_user(role=Role.OFFICER)

    def titles(user, **filters):
        page = service.list_consultations(user, service.ListingFilters(**filters), 1)
        return {c.title for c in page.items}

    assert titles(None) == {"Sunday library hours", "Bin collection days", "Old consultation"}
    assert titles(citizen) == titles(None)
    assert "Staff canteen" in titles(create_user(role=Role.STAFF))
    assert titles(officer) == titles(None) | {"Staff canteen", "Secret draft"}
    assert titles(None, query="LIBRARY hours") == {"Sunday library hours"}
    assert titles(None, query="bin days") == {"Bin collection days"}
    assert titles(None, area_id=areas["Waste Services"].id) == {"Bin collection days"}
    assert titles(None, status=Status.ARCHIVED) == {"Old consultation"}
    assert titles(officer, audience=Audience.STAFF) == {"Staff canteen"}


def test_listing_pages(create_consultation):
    for n in range(service.PER_PAGE + 3):
        create_consultation(title=f"Consultation {n}")
    first = service.list_consultations(None, service.ListingFilters(), 1)
    second = service.list_consultations(None, service.ListingFilters(), 2)
    assert len(first.items) == service.PER_PAGE and len(second.items) == 3
    assert not {c.id for c in first.items} & {c.id for c in second.items}


def test_announcement_notifies_followers_and_emails_those_who_chose(
    create_consultation, create_user, mailbox
):
    from townhall.notifications.service import set_email_preferences

    consultation = create_consultation()
    officer = consultation.created_by
    keen, quiet = create_user(email="keen@example.org"), create_user(email="quiet@example.org")
    for person in (keen, quiet, officer):
        service.follow(person, consultation)
    set_email_preferences(keen, {NotificationKind.ANNOUNCEMENT: True})
    service.post_announcement(consultation, officer, "Drop-in session", "Come on **Tuesday**.")
    assert mailbox() == []  # nothing is sent before the commit
    db.session.commit()
    told = db.session.scalars(select(Notification.user_id)).all()
    assert sorted(told) == sorted([keen.id, quiet.id])  # not the author
    [message] = mailbox()
    assert message["To"] == "keen@example.org"
    assert "Come on **Tuesday**." in message.get_content()


def test_nothing_is_sent_when_the_transaction_rolls_back(create_consultation, create_user, mailbox):
    from townhall.notifications.service import set_email_preferences

    consultation = create_consultation()
    keen = create_user()
    service.follow(keen, consultation)
    set_email_preferences(keen, {NotificationKind.ANNOUNCEMENT: True})
    db.session.commit()
    service.post_announcement(consultation, consultation.created_by, "Oops", "Never mind")
    db.session.rollback()
    db.session.commit()
    assert mailbox() == []


def test_following_is_idempotent(create_consultation, create_user):
    consultation, person = create_consultation(), create_user()
    service.follow(person, consultation)
    service.follow(person, consultation)
    assert service.follower_count(consultation) == 1
    service.unfollow(person, consultation)
    assert not service.is_following(person, consultation)


def test_closing_and_outcomes_tell_followers(create_consultation, create_user, mailbox):
    consultation = create_consultation()
    person = create_user(email="follower@example.org")
    service.follow(person, consultation)
    service.close_consultation(consultation)
    service.publish_outcome(
        consultation, consultation.created_by,
        you_said="Y", decision="D", reasons="R", next_steps="N",
    )  # fmt: skip
    db.session.commit()
    kinds = db.session.scalars(select(Notification.kind).order_by(Notification.id)).all()
    assert kinds == [NotificationKind.CONSULTATION_CLOSED, NotificationKind.OUTCOME]
    [message] = mailbox()  # outcomes are emailed by default
    assert message["Subject"] == f"Outcome: {consultation.title}"
