"""Settings from the environment."""

from __future__ import annotations

import os
import stat

import pytest

from townhall.config import (
    env_int,
    load_or_create_secret_key,
    normalise_database_url,
    settings_from_environment,
)


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = load_or_create_secret_key(str(tmp_path))
    second = load_or_create_secret_key(str(tmp_path))
    assert first == second and len(first) >= 40
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600


def test_an_empty_secret_key_file_stops_start_up(tmp_path):
    (tmp_path / "secret_key").write_text("")
    with pytest.raises(SystemExit, match="empty"):
        load_or_create_secret_key(str(tmp_path))


def test_database_url_defaults_to_sqlite_under_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    settings = settings_from_environment(str(tmp_path))
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/townhall.db"
    assert settings["SECRET_KEY"] is None
    assert settings["RATELIMIT_STORAGE_URI"] == "memory://"


def test_postgres_urls_use_psycopg_3():
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_redis_url_turns_on_redis_for_limits_and_sockets(tmp_path, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    settings = settings_from_environment(str(tmp_path))
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    assert settings["SOCKETIO_MESSAGE_QUEUE"] == "redis://127.0.0.1:6379/3"


def test_a_bad_number_stops_start_up_with_its_name(monkeypatch):
    monkeypatch.setenv("MAIL_PORT", "twenty-five")
    with pytest.raises(SystemExit, match="MAIL_PORT must be a whole number"):
        env_int("MAIL_PORT", 587)


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    from townhall.database import LOCK_WAIT_MS
    from townhall.extensions import db

    if db.engine.dialect.name != "sqlite":
        pytest.skip("this run's database is not SQLite")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == LOCK_WAIT_MS


def test_postgresql_gives_up_on_a_lock_after_the_same_wait(app):
    from townhall.database import LOCK_WAIT_MS
    from townhall.extensions import db

    if db.engine.dialect.name != "postgresql":
        pytest.skip("this run's database is not PostgreSQL")
    with db.engine.connect() as connection:
        shown = connection.exec_driver_sql("SHOW lock_timeout").scalar()
    assert shown == f"{LOCK_WAIT_MS // 1000}s"
