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
# Seconds to connect to Redis, and to wait for an answer, before counting it as down.
REDIS_TIMEOUT_SECONDS = 1.0


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


def env_days(name: str, default: int) -> int:
    """Read a number of days, at least one."""
    days = env_int(name, default)
    if days < 1:
        raise SystemExit(f"{name} is a number of days, at least 1, not {days}")
    return days


def redis_client_options() -> dict[str, Any]:
    """Options for a Redis client, so that a Redis that is down fails fast.

    redis-py waits for the operating system to give up connecting (minutes, against a
    host that is gone) and then retries ten times; requests would hang that long. Redis
    answers a working client in well under a millisecond, so a second is generous.
    """
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return {
        "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
        "socket_timeout": REDIS_TIMEOUT_SECONDS,
        "retry": Retry(NoBackoff(), 1),
    }


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
        # Proxies in front of the app (nginx: 1) whose X-Forwarded-For is believed, so
        # rate limits and the sign-in back-off see each client's own address.
        "TOWNHALL_TRUSTED_PROXIES": env_int("TOWNHALL_TRUSTED_PROXIES", 0),
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
        # Redis down or unreachable: go on limiting in each process's memory (Flask-Limiter
        # tries Redis again now and then), and never turn a request into an error page
        # because a limit could not be read or counted.
        "RATELIMIT_STORAGE_OPTIONS": redis_client_options() if redis_url else {},
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_SIGN_IN": os.environ.get("TOWNHALL_RATELIMIT_SIGN_IN", "10 per minute"),
        "RATELIMIT_PASSWORD_RESET": os.environ.get(
            "TOWNHALL_RATELIMIT_PASSWORD_RESET", "5 per 15 minutes"
        ),
        "RATELIMIT_FLAG": os.environ.get("TOWNHALL_RATELIMIT_FLAG", "20 per hour"),
        # Sign-ups from one address (a library's computers share one, so not too few),
        # and emails a stranger can make us send to one address: the sign-up form's
        # "you already have an account", a password-reset link, a new confirmation link.
        "RATELIMIT_SIGN_UP": os.environ.get("TOWNHALL_RATELIMIT_SIGN_UP", "10 per hour"),
        "RATELIMIT_EMAILS_TO_ONE_ADDRESS": os.environ.get(
            "TOWNHALL_RATELIMIT_EMAILS_TO_ONE_ADDRESS", "3 per hour"
        ),
        # Receipt codes are long and random; the limit stops anyone trawling for them.
        "RATELIMIT_RECEIPT_CHECK": os.environ.get(
            "TOWNHALL_RATELIMIT_RECEIPT_CHECK", "30 per 10 minutes"
        ),
        # Sign-in back-off (townhall/accounts/lockout.py): failures before a wait, from
        # one address and from all addresses together; the first wait and its cap
        # (seconds; it doubles with each further failure); how long failures count.
        "SIGN_IN_LOCKOUT_AFTER": env_int("TOWNHALL_SIGN_IN_LOCKOUT_AFTER", 5),
        "SIGN_IN_LOCKOUT_ACCOUNT_AFTER": env_int("TOWNHALL_SIGN_IN_LOCKOUT_ACCOUNT_AFTER", 20),
        "SIGN_IN_LOCKOUT_FIRST_WAIT": env_int("TOWNHALL_SIGN_IN_LOCKOUT_FIRST_WAIT", 60),
        "SIGN_IN_LOCKOUT_MAX_WAIT": env_int("TOWNHALL_SIGN_IN_LOCKOUT_MAX_WAIT", 900),
        "SIGN_IN_FAILURES_KEPT": env_int("TOWNHALL_SIGN_IN_FAILURES_KEPT", 86400),
        # How long a browser that signed in stays a known device of that account, not
        # held by the account-wide wait (the device cookie, townhall/accounts/lockout.py).
        "SIGN_IN_DEVICE_MAX_AGE": timedelta(days=env_days("TOWNHALL_SIGN_IN_DEVICE_DAYS", 90)),
        # The council's channel standards (TOML); unset means the default that ships.
        "TOWNHALL_STANDARDS": os.environ.get("TOWNHALL_STANDARDS") or None,
        # Where to report a vulnerability (a mailto: or https: URI), published in
        # /.well-known/security.txt; unset, no contact is published.
        "TOWNHALL_SECURITY_CONTACT": os.environ.get("TOWNHALL_SECURITY_CONTACT") or None,
        "EMAIL_VERIFICATION_MAX_AGE": timedelta(days=3),
        "PASSWORD_RESET_MAX_AGE": timedelta(hours=1),
    }
