"""The places commands (for cron) and the demo council's places."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from townhall.accounts.permissions import Role
from townhall.database import utcnow
from townhall.extensions import db
from townhall.places.demo import DEMO_PLACES, seed_demo_places
from townhall.places.models import CheckIn, Place, SavedArea, StaffTask


def test_purge_and_tick_commands(runner, create_user, create_place):
    place = create_place()
    person = create_user()
    db.session.add(
        CheckIn(place_id=place.id, user_id=person.id, created_at=utcnow() - timedelta(days=31))
    )
    db.session.commit()
    result = runner.invoke(args=["townhall", "places", "purge"])
    assert result.exit_code == 0, result.output
    assert "Reduced 1 check-ins" in result.output
    result = runner.invoke(args=["townhall", "places", "tick"])
    assert result.exit_code == 0, result.output
    assert "Purged 0 check-ins" in result.output
    result = runner.invoke(args=["townhall", "places", "send"])
    assert result.exit_code == 0 and "0 sent" in result.output


def test_demo_places(create_user, create_consultation):
    officer = create_user(role=Role.OFFICER)
    create_consultation(author=officer)
    people = [create_user() for _ in range(6)] + [create_user(role=Role.STAFF)]
    places = seed_demo_places(officer, people, random.Random(1))
    db.session.commit()
    assert len(places) == len(DEMO_PLACES)
    assert db.session.scalar(select(func.count()).select_from(Place)) == len(DEMO_PLACES)
    assert db.session.scalar(select(func.count()).select_from(StaffTask)) == 4
    assert db.session.scalar(select(func.count()).select_from(SavedArea)) == 6


def test_every_demo_check_in_page_has_a_vote_to_cast_and_proposals_nearby(app, runner, client):
    """The demo council's proposals are pinned near its places, and its vote is at each."""
    from townhall.accounts.models import User
    from townhall.places import service

    result = runner.invoke(args=["townhall", "seed-demo", "--citizens", "0"])
    assert result.exit_code == 0, result.output
    citizen = db.session.scalar(select(User).where(User.email == "citizen@demo.townhall.example"))
    places = service.list_places()
    assert len(places) == len(DEMO_PLACES)
    for place in places:
        around = service.around_me(citizen, place)
        assert around.votes, place.name
        assert around.proposals, place.name
        html = client.get(f"/c/{service.check_in_code(place)}").get_data(as_text=True)
        assert "Sign in to vote" in html and 'data-proposal-nearby="' in html
