"""Settings, read from the environment once when the app is created.

Every setting is listed in the README's configuration table; keep the two in step.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

TRUE_WORDS = {"1", "true", "yes", "on"}


def env_flag(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in TRUE_WORDS


def env_int(name: str, default: int) -> int:
    """Read a whole-number environment variable, failing clearly on anything else."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None


def normalise_database_url(url: str) -> str:
    """Make PostgreSQL URLs use the psycopg 3 driver, whatever form they were given in."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def load_or_create_secret_key(instance_path: str) -> str:
    """Return the secret key kept under instance/, creating it once when missing.

    The file is created with O_EXCL so that two processes starting together agree
    on one key instead of each writing its own.
    """
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text().strip()
        if key:
            return key
        raise SystemExit(f"{path} is empty: delete it or set SECRET_KEY") from None
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


def settings_from_environment(instance_path: str) -> dict[str, Any]:
    """Build the app's settings from environment variables."""
    https = env_flag("TOWNHALL_HTTPS")
    database_url = os.environ.get("DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "townhall.db")
    )
    redis_url = os.environ.get("REDIS_URL") or None
    mail_port = env_int("MAIL_PORT", 587)
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "SOCKETIO_MESSAGE_QUEUE": redis_url,
        "SOCKETIO_CHANNEL": os.environ.get("TOWNHALL_SOCKETIO_CHANNEL") or "townhall",
        "TOWNHALL_HTTPS": https,
        "TOWNHALL_BASE_URL": os.environ.get("TOWNHALL_BASE_URL", "http://127.0.0.1:5000"),
        "TOWNHALL_COUNCIL_NAME": os.environ.get(
            "TOWNHALL_COUNCIL_NAME", "Townhall Borough Council"
        ),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": mail_port,
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": env_flag("MAIL_USE_TLS", default=True),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Townhall <no-reply@townhall.example>"),
        "MAIL_OUTBOX": os.environ.get("MAIL_OUTBOX") or str(Path(instance_path) / "outbox"),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_SIGN_IN": os.environ.get("TOWNHALL_RATELIMIT_SIGN_IN", "10 per minute"),
        "RATELIMIT_PASSWORD_RESET": os.environ.get(
            "TOWNHALL_RATELIMIT_PASSWORD_RESET", "5 per 15 minutes"
        ),
        "RATELIMIT_FLAG": os.environ.get("TOWNHALL_RATELIMIT_FLAG", "20 per hour"),
        # The council's channel standards (TOML); unset means the default that ships.
        "TOWNHALL_STANDARDS": os.environ.get("TOWNHALL_STANDARDS") or None,
        "EMAIL_VERIFICATION_MAX_AGE": timedelta(days=3),
        "PASSWORD_RESET_MAX_AGE": timedelta(hours=1),
    }
