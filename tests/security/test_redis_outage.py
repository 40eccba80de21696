"""With Redis down, the site keeps working: no page or API call answers 500.

Each test builds an app whose REDIS_URL names a local port nothing listens on: a
deliberate outage, so these tests run (and must pass) whether or not this run has a
Redis of its own. Rate limits, the sign-in back-off, live events and the Socket.IO
message queue all use that Redis. What must hold:

- every request answers as it would without Redis (the limits go on in each
  process's memory: Flask-Limiter's in-memory fallback, and the back-off's own);
- a change that committed is answered as saved although its live event could not be
  published (the failure is logged);
- every Redis client gives up quickly, so a Redis host that is gone slows requests
  by a second at worst rather than holding them for minutes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from limits.storage import MemoryStorage
from sqlalchemy import func, select

from tests.conftest import (
    DEFAULT_PASSWORD,
    FormPoster,
    IsolatedClient,
    csrf_token_from,
    free_port,
    settings_for_tests,
)
from townhall import create_app
from townhall.accounts import lockout
from townhall.accounts.models import User
from townhall.config import REDIS_TIMEOUT_SECONDS
from townhall.extensions import db, limiter, socketio

OWNER = "owner@example.org"
HOME = "198.51.100.10"
ATTACKER = "203.0.113.66"
WRONG = "not the password at all"


@pytest.fixture
def dead_redis() -> str:
    """The URL of a Redis that is down: a free local port that nothing listens on."""
    return f"redis://127.0.0.1:{free_port()}/11"


@pytest.fixture
def outage(app, database_url: str, outbox: Path, dead_redis: str, monkeypatch) -> Iterator[Flask]:
    """An app configured, as in production, from a REDIS_URL whose Redis is down.

    It shares the test database with `app`, whose app context the test's own setup
    (`create_user`, ...) runs in.
    """
    monkeypatch.setenv("REDIS_URL", dead_redis)
    settings = settings_for_tests(database_url, dead_redis, outbox)
    settings.update(
        SOCKETIO_MESSAGE_QUEUE=dead_redis,
        SIGN_IN_LOCKOUT_AFTER=3,
        SIGN_IN_LOCKOUT_ACCOUNT_AFTER=6,
        # The request limits get tests of their own below.
        RATELIMIT_SIGN_IN="1000 per minute",
        RATELIMIT_PASSWORD_RESET="1000 per minute",
    )
    broken = create_app(settings)
    broken.test_client_class = IsolatedClient
    yield broken
    # The limiter is one object for the process and remembers that its storage died;
    # the next test's app has a working storage again.
    limiter._storage_dead = False


@pytest.fixture
def browser(outage: Flask) -> IsolatedClient:
    """A test client of the app whose Redis is down."""
    return outage.test_client()


@pytest.fixture
def post(browser) -> FormPoster:
    """`post(url, data)`: post a form to the app whose Redis is down, as a browser would."""
    return FormPoster(browser)


@pytest.fixture
def owner(create_user) -> User:
    return create_user(email=OWNER, display_name="Orla Owner")


def sign_in_as(post: FormPoster, password: str, address: str = ATTACKER, email: str = OWNER):
    return post(
        "/sign-in", {"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def sign_out(browser) -> None:
    # Signing out closes the person's sockets through Redis: that fails, and is logged.
    response = browser.post("/sign-out", data={"csrf_token": csrf_token_from(browser, "/")})
    assert response.status_code == 302


def test_the_outage_is_real(outage, dead_redis):
    """The Redis these tests use really is down (else they would prove nothing)."""
    import redis

    with pytest.raises(redis.exceptions.ConnectionError):
        redis.Redis.from_url(dead_redis, socket_connect_timeout=1).ping()
    assert outage.config["RATELIMIT_STORAGE_URI"] == dead_redis
    assert outage.config["SOCKETIO_MESSAGE_QUEUE"] == dead_redis


# --- signing in, and the back-off -------------------------------------------------


def test_signing_in_works(owner, post, browser):
    response = sign_in_as(post, DEFAULT_PASSWORD, HOME)
    assert response.status_code == 302
    assert browser.get("/account").status_code == 200
    sign_out(browser)
    assert browser.get("/account").status_code == 302


def test_the_back_off_still_applies_in_this_process(owner, post, browser, caplog, monkeypatch):
    caplog.set_level(logging.WARNING, logger="townhall.accounts.lockout")
    # Redis is tried again on every attempt here, and fails every time.
    monkeypatch.setattr(lockout, "SHARED_RETRY_SECONDS", 0.0)
    statuses = [sign_in_as(post, WRONG).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
    refused = sign_in_as(post, WRONG)
    assert refused.status_code == 429
    assert "Try again in 1 minute" in refused.get_data(as_text=True)
    # While this address waits, not even the right password is tried...
    assert sign_in_as(post, DEFAULT_PASSWORD).status_code == 429
    assert browser.get("/account").status_code == 302
    # ...and the owner at home is not held up.
    assert sign_in_as(post, DEFAULT_PASSWORD, HOME).status_code == 302
    # One warning for the outage, not one per attempt.
    warnings = [r for r in caplog.records if "counting failed sign-ins" in r.getMessage()]
    assert len(warnings) == 1


def test_guessing_from_many_addresses_still_meets_the_account_limit(owner, post):
    for n in range(6):
        sign_in_as(post, WRONG, f"192.0.2.{n}")
    assert sign_in_as(post, DEFAULT_PASSWORD, HOME).status_code == 429


def test_the_request_limit_on_sign_in_still_holds_in_memory(outage, owner, post):
    outage.config["RATELIMIT_SIGN_IN"] = "3 per minute"
    statuses = [sign_in_as(post, WRONG, HOME, f"n{n}@example.org").status_code for n in range(4)]
    assert statuses == [400, 400, 400, 429]


def test_without_the_fallback_a_failing_limit_is_skipped_not_a_500(
    outage, owner, post, monkeypatch
):
    # The fallback is the first protection; with it off, swallowing the storage's
    # errors is the second: the request goes through unlimited rather than failing.
    monkeypatch.setattr(limiter, "_in_memory_fallback_enabled", False)
    assert sign_in_as(post, WRONG, HOME).status_code == 400
    assert sign_in_as(post, DEFAULT_PASSWORD, HOME).status_code == 302


def test_waits_started_during_the_outage_outlast_it(outage, owner, caplog, monkeypatch):
    caplog.set_level(logging.WARNING, logger="townhall.accounts.lockout")
    with outage.test_request_context():
        for _ in range(3):
            lockout.record_failure(OWNER, ATTACKER)
        assert lockout.seconds_to_wait(OWNER, ATTACKER) > 0
        # Redis answers again (here: a working storage), and its retry time comes.
        monkeypatch.setattr(limiter, "_storage", MemoryStorage())
        monkeypatch.setattr(lockout, "SHARED_RETRY_SECONDS", 0.0)
        lockout._fallback().retry_at = 0.0
        assert lockout.seconds_to_wait(OWNER, ATTACKER) > 0
        assert "answers again" in caplog.records[-1].getMessage()
        # New failures are counted in the shared storage once more.
        lockout.record_failure(OWNER, HOME)
        assert limiter.storage.get(lockout._keys(OWNER, HOME)["pair_count"]) == 1


# --- other forms and the API --------------------------------------------------------


def test_signing_up_works(post, mailbox):
    response = post(
        "/sign-up",
        {
            "email": "newcomer@example.org",
            "display_name": "Nia Newcomer",
            "password": "a long and unusual passphrase",
            "confirm": "a long and unusual passphrase",
        },
        token_page="/sign-up",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "newcomer@example.org"))
    assert any(m["To"] == "newcomer@example.org" for m in mailbox())


def test_asking_for_a_password_reset_works(owner, post, mailbox):
    response = post("/password/forgot", {"email": OWNER}, token_page="/password/forgot")
    assert response.status_code == 200
    assert "Reset your password" in mailbox()[-1]["Subject"]


def test_the_reset_request_limit_still_holds_in_memory(outage, owner, post):
    outage.config["RATELIMIT_PASSWORD_RESET"] = "2 per 15 minutes"
    statuses = [
        post("/password/forgot", {"email": OWNER}, token_page="/password/forgot").status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_a_comment_is_saved_and_answered_as_saved_when_it_cannot_go_live(
    create_consultation, create_user, post, browser, caplog
):
    from townhall.dialogue.models import Comment

    caplog.set_level(logging.ERROR)
    consultation = create_consultation(status="open")
    citizen = create_user(display_name="Cleo Citizen")
    assert sign_in_as(post, DEFAULT_PASSWORD, HOME, citizen.email).status_code == 302
    page = f"/consultations/{consultation.id}"
    assert browser.get(page).status_code == 200
    response = post(
        f"{page}/comments", {"comment-body": "Sunday opening, please."}, token_page=page
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 1
    assert "could not publish" in caplog.text
    assert browser.get(response.location.split("#")[0]).status_code == 200


def test_flagging_works(create_consultation, create_user, post, browser):
    from townhall.dialogue import service as dialogue
    from townhall.moderation.models import Flag

    consultation = create_consultation(status="open")
    author = create_user(display_name="Ada Author")
    comment = dialogue.post_comment(consultation, author, "Sunday opening is a waste.")
    db.session.commit()
    flagger = create_user(display_name="Fred Flagger")
    assert sign_in_as(post, DEFAULT_PASSWORD, HOME, flagger.email).status_code == 302
    url = f"/moderation/flag/comment/{comment.id}"
    assert browser.get(url).status_code == 200
    response = post(url, {"clause": "1.1", "note": "Rude"}, token_page=url)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 1


def test_reading_the_api_works(create_consultation, browser):
    consultation = create_consultation(status="open")
    response = browser.get("/api/v1/consultations")
    assert response.status_code == 200
    assert [item["id"] for item in response.get_json()["items"]] == [consultation.id]
    assert browser.get(f"/api/v1/consultations/{consultation.id}").status_code == 200


def test_pages_that_show_live_rooms_still_render(create_consultation, browser):
    consultation = create_consultation(status="open")
    for page in ("/", "/consultations", f"/consultations/{consultation.id}", "/sign-in"):
        assert browser.get(page).status_code == 200, page


# --- failing fast ------------------------------------------------------------------


def test_every_redis_client_gives_up_quickly(outage):
    """Rate limits, live events and the message queue all time out and retry once."""
    from townhall.live import state

    limits = limiter.storage.storage.connection_pool.connection_kwargs
    live = state(outage).store.redis.connection_pool.connection_kwargs
    queue = socketio.server.manager.redis_options
    for options in (limits, live, queue):
        assert options["socket_connect_timeout"] == REDIS_TIMEOUT_SECONDS
        assert options["retry"].get_retries() == 1
    for options in (limits, live):
        assert options["socket_timeout"] == REDIS_TIMEOUT_SECONDS
