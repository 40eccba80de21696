"""Migration 0009 (a proposal's location) goes down and up again on this run's database
without losing a proposal or a support, and its checks and index are there after."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from tests.conftest import settings_for_tests
from tests.test_migrations import scratch_database_url  # noqa: F401 (a fixture)
from townhall import create_app
from townhall.extensions import db

REVISION = "0009_proposal_location"
BEFORE = "0007_api"


def _count(table: str) -> int:
    with db.engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def _proposal_columns() -> set[str]:
    return {c["name"] for c in inspect(db.engine).get_columns("proposal")}


def _seed_a_pinned_proposal_with_a_support() -> None:
    """An open consultation, a proposal pinned to a point, and a support for it."""
    from townhall.accounts import service as accounts
    from townhall.accounts.permissions import Role
    from townhall.consultations import service as consultations
    from townhall.consultations.models import Audience
    from townhall.database import utcnow
    from townhall.proposals import service as proposals

    consultations.ensure_default_areas()
    areas = {a.name: a for a in consultations.list_areas()}
    officer = accounts.register_user(
        "officer@example.org", "Olive Officer", "a long pass phrase", role=Role.OFFICER
    )
    author = accounts.register_user(
        "a@example.org", "Ann Author", "a long pass phrase", verified=True
    )
    fan = accounts.register_user("f@example.org", "Fay Fan", "a long pass phrase", verified=True)
    now = utcnow()
    consultation = consultations.create_consultation(
        officer,
        consultations.ConsultationDetails(
            title="Community grants",
            summary="Projects for the neighbourhood.",
            body="Put forward a project.",
            process_area_id=areas["Community Consultations"].id,
            service_area_id=areas["Libraries"].id,
            audience=Audience.PUBLIC,
            opens_at=now + timedelta(days=1),
            closes_at=now + timedelta(days=30),
            uses_proposals=True,
        ),
    )
    consultations.open_consultation(consultation)
    proposal = proposals.submit_proposal(
        consultation,
        author,
        proposals.ProposalDetails(
            title="Book swap shelf", body="By the door.", latitude=51.752, longitude=-1.2577
        ),
    )
    proposals.support_proposal(proposal, fan)
    db.session.commit()
    db.session.remove()


def test_the_location_migration_goes_down_and_up_keeping_proposals_and_supports(
    scratch_database_url,  # noqa: F811
    redis_url,
    tmp_path,
):
    app = create_app(settings_for_tests(scratch_database_url, redis_url, tmp_path))
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory)
        _seed_a_pinned_proposal_with_a_support()
        assert (_count("proposal"), _count("support")) == (1, 1)

        downgrade(directory=directory, revision=BEFORE)
        assert not {"latitude", "longitude"} & _proposal_columns()
        # Rebuilding the table (batch mode) would have cascaded to the supports.
        assert (_count("proposal"), _count("support")) == (1, 1)

        upgrade(directory=directory, revision=REVISION)
        assert {"latitude", "longitude"} <= _proposal_columns()
        indexes = {i["name"]: i["column_names"] for i in inspect(db.engine).get_indexes("proposal")}
        assert indexes["ix_proposal_latitude_longitude"] == ["latitude", "longitude"]
        assert (_count("proposal"), _count("support")) == (1, 1)
        with db.engine.connect() as connection:
            position = connection.execute(text("SELECT latitude, longitude FROM proposal")).one()
            assert tuple(position) == (None, None)  # the old position went with the columns
            for bad in ("latitude = 91, longitude = 0", "latitude = 51.7, longitude = NULL"):
                with pytest.raises(IntegrityError):
                    connection.execute(text(f"UPDATE proposal SET {bad}"))
                connection.rollback()
            connection.execute(text("UPDATE proposal SET latitude = 51.7, longitude = -1.2"))
            connection.rollback()
        db.engine.dispose()
