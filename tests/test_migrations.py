"""The migrations build exactly the schema the models describe, on this run's database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.conftest import settings_for_tests
from townhall import create_app
from townhall.extensions import db


def test_migrated_schema_matches_the_models(app):
    """No drift: autogenerate against the migrated database finds nothing to do."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_constraints_have_conventional_names(app):
    """Named constraints are what let later migrations alter them on both databases."""
    inspector = inspect(db.engine)
    for table in db.metadata.sorted_tables:
        for unique in inspector.get_unique_constraints(table.name):
            assert unique["name"].startswith("uq_"), (table.name, unique)
        for key in inspector.get_foreign_keys(table.name):
            assert key["name"].startswith("fk_"), (table.name, key)


@pytest.fixture
def scratch_database_url(database_url: str, tmp_path) -> Iterator[str]:
    """An empty database of the same kind as this run's, dropped afterwards."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield "sqlite:///" + str(tmp_path / "scratch.db")
        return
    name = f"townhall_scratch_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migrations_go_down_and_up_again(scratch_database_url, redis_url, tmp_path):
    app = create_app(settings_for_tests(scratch_database_url, redis_url, tmp_path))
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory)
        assert "user" in inspect(db.engine).get_table_names()
        downgrade(directory=directory, revision="base")
        assert "user" not in inspect(db.engine).get_table_names()
        upgrade(directory=directory)
        assert "user" in inspect(db.engine).get_table_names()
        db.engine.dispose()
