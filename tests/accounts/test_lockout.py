"""Sign-in back-off: it slows guessing, and cannot keep an owner out for good.

A few failures for one account from one address make that address wait, the wait
doubling with each further failure up to a cap; someone else's address is not held
up until the looser limit for the account across all addresses; the owner can always
reset the password by email, and signing in or resetting clears the count. Only
failures count. The counts live in Flask-Limiter's storage (Redis when the run has
REDIS_URL), so these tests exercise whichever this run uses.
"""

from __future__ import annotations

import pytest

from tests.conftest import DEFAULT_PASSWORD, link_in
from townhall.accounts import lockout
from townhall.extensions import limiter

OWNER = "owner@example.org"
HOME = "198.51.100.10"
ATTACKER = "203.0.113.66"
WRONG = "not the password at all"


@pytest.fixture
def policy(app):
    """Small, fast numbers for these tests: 3 failures from an address, 6 in all."""
    app.config.update(
        SIGN_IN_LOCKOUT_AFTER=3,
        SIGN_IN_LOCKOUT_ACCOUNT_AFTER=6,
        SIGN_IN_LOCKOUT_FIRST_WAIT=60,
        SIGN_IN_LOCKOUT_MAX_WAIT=900,
        # The per-address request limit is another protection; keep it out of the way.
        RATELIMIT_SIGN_IN="1000 per minute",
    )
    return lockout.LockoutPolicy.from_config()


def let_wait_pass(email: str, address: str) -> None:
    """As if the current wait had run out (the counts stay)."""
    keys = lockout._keys(email, address)
    limiter.storage.clear(keys["pair_wait"])
    limiter.storage.clear(keys["account_wait"])


def about(seconds: int, expected: int) -> bool:
    return expected - 2 <= seconds <= expected


# --- the numbers -------------------------------------------------------------------


def test_the_wait_doubles_from_the_threshold_and_is_capped():
    waits = [lockout.wait_after(n, 5, 60, 900) for n in range(0, 12)]
    assert waits == [0, 0, 0, 0, 0, 60, 120, 240, 480, 900, 900, 900]
    assert lockout.wait_after(10**6, 5, 60, 900) == 900


def test_the_default_numbers_come_from_the_settings(app):
    defaults = lockout.LockoutPolicy.from_config()
    assert (defaults.after, defaults.account_after) == (5, 20)
    assert (defaults.first_wait, defaults.max_wait) == (60, 900)
    assert defaults.account_after > defaults.after


# --- counting, in the storage ------------------------------------------------------


def test_failures_from_one_address_back_off(policy):
    assert [lockout.record_failure(OWNER, ATTACKER) for _ in range(2)] == [0, 0]
    assert lockout.seconds_to_wait(OWNER, ATTACKER) == 0
    assert lockout.record_failure(OWNER, ATTACKER) == 60
    assert about(lockout.seconds_to_wait(OWNER, ATTACKER), 60)
    waits = []
    for _ in range(5):
        let_wait_pass(OWNER, ATTACKER)
        waits.append(lockout.record_failure(OWNER, ATTACKER))
        assert about(lockout.seconds_to_wait(OWNER, ATTACKER), waits[-1])
    # Failures 4 to 8 of this address; the 6th in all also starts the account's wait.
    assert waits == [120, 240, 480, 900, 900]


def test_another_address_is_not_held_up_by_an_attacker(policy):
    for _ in range(policy.after):
        lockout.record_failure(OWNER, ATTACKER)
    assert lockout.seconds_to_wait(OWNER, ATTACKER) > 0
    assert lockout.seconds_to_wait(OWNER, HOME) == 0
    assert lockout.seconds_to_wait("someone.else@example.org", ATTACKER) == 0


def test_guessing_spread_over_many_addresses_meets_the_account_limit(policy):
    addresses = [f"192.0.2.{n}" for n in range(policy.account_after)]
    for address in addresses[:-1]:
        assert lockout.record_failure(OWNER, address) == 0
    assert lockout.record_failure(OWNER, addresses[-1]) == 60
    assert about(lockout.seconds_to_wait(OWNER, HOME), 60)  # everywhere, for a while
    assert lockout.seconds_to_wait("someone.else@example.org", HOME) == 0


def test_success_clears_the_count_here_and_for_the_account(policy):
    for _ in range(policy.after):
        lockout.record_failure(OWNER, HOME)
    for _ in range(2):
        lockout.record_failure(OWNER, ATTACKER)
    lockout.clear_failures(OWNER, HOME)
    assert lockout.seconds_to_wait(OWNER, HOME) == 0
    assert [lockout.record_failure(OWNER, HOME) for _ in range(2)] == [0, 0]
    # The attacker's own count is not wiped by the owner's success.
    assert lockout.record_failure(OWNER, ATTACKER) == 60


def test_emails_are_counted_however_they_are_typed_and_not_stored(policy):
    for email in ("Owner@Example.org", " owner@example.org", "OWNER@EXAMPLE.ORG"):
        lockout.record_failure(email, ATTACKER)
    assert lockout.seconds_to_wait(OWNER, ATTACKER) > 0
    assert all(OWNER not in key for key in lockout._keys(OWNER, ATTACKER).values())


# --- through the sign-in page ------------------------------------------------------


def attempt(post_form, password: str, address: str = ATTACKER, email: str = OWNER):
    return post_form(
        "/sign-in",
        {"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


@pytest.fixture
def owner(create_user):
    return create_user(email=OWNER, display_name="Orla Owner")


def test_the_page_says_when_to_try_again_and_keeps_the_email(policy, owner, post_form, client):
    for _ in range(policy.after - 1):
        assert attempt(post_form, WRONG).status_code == 400
    response = attempt(post_form, WRONG)
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "do not match an account" in html
    assert "Try again in 1 minute" in html
    assert f'value="{OWNER}"' in html and WRONG not in html
    assert about(int(response.headers["Retry-After"]), 60)

    # While it waits, not even the right password is tried.
    response = attempt(post_form, DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert "Try again in 1 minute" in response.get_data(as_text=True)
    assert "reset your password by email" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_the_wait_grows_in_plain_words(policy, owner, post_form):
    for _ in range(policy.after):
        attempt(post_form, WRONG)
    let_wait_pass(OWNER, ATTACKER)
    response = attempt(post_form, WRONG)
    assert response.status_code == 429
    assert "Try again in 2 minutes" in response.get_data(as_text=True)


def test_the_owner_at_home_still_signs_in(policy, owner, post_form, client):
    for _ in range(policy.after + 1):
        attempt(post_form, WRONG, ATTACKER)
    assert attempt(post_form, DEFAULT_PASSWORD, HOME).status_code == 302
    assert client.get("/account").status_code == 200


def test_an_unknown_email_backs_off_the_same_way(policy, owner, post_form):
    known = [attempt(post_form, WRONG).status_code for _ in range(policy.after)]
    unknown = [
        attempt(post_form, WRONG, email="nobody@example.org").status_code
        for _ in range(policy.after)
    ]
    assert known == unknown == [400] * (policy.after - 1) + [429]


def test_only_failures_count(policy, owner, post_form, client):
    for _ in range(policy.account_after + 2):
        response = attempt(post_form, DEFAULT_PASSWORD)
        assert response.status_code == 302
        client.post("/sign-out", data={"csrf_token": _token(client)})
    # Failures just short of the limit, a success, and the count starts again.
    for _ in range(policy.after - 1):
        attempt(post_form, WRONG)
    assert attempt(post_form, DEFAULT_PASSWORD).status_code == 302
    client.post("/sign-out", data={"csrf_token": _token(client)})
    for _ in range(policy.after - 1):
        assert attempt(post_form, WRONG).status_code == 400


def _token(client) -> str:
    from tests.conftest import csrf_token_from

    return csrf_token_from(client, "/")


def test_a_reset_by_email_always_works_and_clears_the_wait(
    policy, owner, post_form, client, mailbox
):
    # Locked out everywhere: guesses from many addresses reach the account's limit.
    for n in range(policy.account_after):
        attempt(post_form, WRONG, f"192.0.2.{n}")
    assert attempt(post_form, DEFAULT_PASSWORD, HOME).status_code == 429

    post_form("/password/forgot", {"email": OWNER}, environ_base={"REMOTE_ADDR": HOME})
    path = link_in(mailbox()[-1]).split("localhost", 1)[1]
    new = "a brand new passphrase"
    response = post_form(
        path,
        {"password": new, "confirm": new},
        token_page=path,
        environ_base={"REMOTE_ADDR": HOME},
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    client.post("/sign-out", data={"csrf_token": _token(client)})
    assert attempt(post_form, new, HOME).status_code == 302


def test_behind_a_trusted_proxy_each_client_is_counted_apart(
    database_url, redis_url, outbox, _migrated, monkeypatch, create_user
):
    from tests.conftest import IsolatedClient, csrf_token_from, settings_for_tests
    from townhall import create_app

    monkeypatch.setenv("TOWNHALL_TRUSTED_PROXIES", "1")
    proxied = create_app(
        settings_for_tests(database_url, redis_url, outbox)
        | {"SIGN_IN_LOCKOUT_AFTER": 2, "RATELIMIT_SIGN_IN": "1000 per minute"}
    )
    create_user(email=OWNER)
    proxied.test_client_class = IsolatedClient
    browser = proxied.test_client()

    def through_nginx(client_address: str, password: str) -> int:
        return browser.post(
            "/sign-in",
            data={
                "email": OWNER,
                "password": password,
                "csrf_token": csrf_token_from(browser, "/sign-in"),
            },
            headers={"X-Forwarded-For": client_address},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        ).status_code

    with proxied.app_context():
        assert [through_nginx(ATTACKER, WRONG) for _ in range(3)] == [400, 429, 429]
        assert through_nginx(HOME, DEFAULT_PASSWORD) == 302


# --- known devices (device cookies) ---------------------------------------------------


MOBILE = "100.64.0.7"


@pytest.fixture
def browser_of(app, client):
    """`browser_of()`: another browser, with a cookie jar of its own.

    (After `client`, whose fixture makes every test client run its requests in their
    own app context, as in production.)
    """
    from tests.conftest import FormPoster

    def make():
        return FormPoster(app.test_client())

    return make


def device_cookie(poster) -> str | None:
    cookie = poster.client.get_cookie(lockout.DEVICE_COOKIE, path=lockout.DEVICE_COOKIE_PATH)
    return cookie.value if cookie is not None else None


def with_device_cookie(poster, value: str):
    poster.client.set_cookie(lockout.DEVICE_COOKIE, value, path=lockout.DEVICE_COOKIE_PATH)
    return poster


@pytest.fixture
def known_browser(policy, owner, browser_of):
    """The owner's own browser: it has signed in before (and signed out since)."""
    mine = browser_of()
    assert attempt(mine, DEFAULT_PASSWORD, HOME).status_code == 302
    mine.client.post("/sign-out", data={"csrf_token": _token(mine.client)})
    assert device_cookie(mine)
    return mine


def trip_the_account_limit(poster, policy) -> None:
    """Guess from as many addresses as the account-wide limit allows, and one more."""
    for n in range(policy.account_after + 1):
        attempt(poster, WRONG, f"192.0.2.{n}")


def test_signing_in_marks_the_browser_as_a_known_device(policy, owner, post_form, app):
    response = attempt(post_form, DEFAULT_PASSWORD, HOME)
    assert response.status_code == 302
    header = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith(lockout.DEVICE_COOKIE)
    )
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")}
    assert {"httponly", "max-age", "path"} <= attributes
    assert "samesite=strict" in header.lower()
    assert f"Path={lockout.DEVICE_COOKIE_PATH}" in header
    assert f"Max-Age={90 * 24 * 3600}" in header
    assert "secure" not in attributes  # plain HTTP here; see the next test
    value = device_cookie(post_form)
    assert OWNER not in value
    assert lockout.read_device_token(value).account_id == owner.id


def test_the_device_cookie_is_secure_under_https_and_lasts_as_set(policy, owner, post_form, app):
    from datetime import timedelta

    app.config.update(TOWNHALL_HTTPS=True, SIGN_IN_DEVICE_MAX_AGE=timedelta(days=7))
    response = attempt(post_form, DEFAULT_PASSWORD, HOME)
    header = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith(lockout.DEVICE_COOKIE)
    )
    assert "; Secure" in header and f"Max-Age={7 * 24 * 3600}" in header


def test_a_known_device_signs_in_while_guessing_holds_the_account(
    policy, owner, known_browser, browser_of, client
):
    trip_the_account_limit(browser_of(), policy)
    # A browser the owner has not signed in on waits, even from home, right password or not.
    stranger = browser_of()
    refused = attempt(stranger, DEFAULT_PASSWORD, HOME)
    assert refused.status_code == 429
    assert "Try again in" in refused.get_data(as_text=True)
    # The owner's own browser is not held, from home or from anywhere else.
    assert attempt(known_browser, DEFAULT_PASSWORD, MOBILE).status_code == 302
    assert known_browser.client.get("/account").status_code == 200
    # Its success does not wipe the count the strangers ran up: they still wait.
    assert attempt(browser_of(), DEFAULT_PASSWORD, HOME).status_code == 429


def test_wrong_passwords_from_a_known_device_still_back_off(
    policy, owner, known_browser, browser_of
):
    trip_the_account_limit(browser_of(), policy)
    statuses = [attempt(known_browser, WRONG, HOME).status_code for _ in range(policy.after)]
    assert statuses == [400] * (policy.after - 1) + [429]
    # The device waits now, wherever it goes: not even the right password is tried.
    assert attempt(known_browser, DEFAULT_PASSWORD, HOME).status_code == 429
    assert attempt(known_browser, DEFAULT_PASSWORD, MOBILE).status_code == 429


def test_a_known_devices_failures_do_not_count_against_the_account(
    policy, owner, known_browser, browser_of
):
    # The owner's typing slips never bring nearer the limit that holds every stranger.
    for _ in range(policy.after - 1):
        assert attempt(known_browser, WRONG, HOME).status_code == 400
    for n in range(policy.account_after - 1):
        assert attempt(browser_of(), WRONG, f"192.0.2.{n}").status_code == 400
    assert attempt(browser_of(), DEFAULT_PASSWORD, "192.0.2.200").status_code == 302


def test_a_forged_altered_old_or_other_accounts_cookie_is_no_known_device(
    policy, owner, known_browser, browser_of, create_user, app, monkeypatch
):
    from itsdangerous import URLSafeTimedSerializer

    from tests.altered_signatures import altered

    genuine = device_cookie(known_browser)
    forged = URLSafeTimedSerializer("not our secret", salt=lockout._DEVICE_SALT).dumps(
        {"account": owner.id, "device": "made-up"}
    )
    # Signed with our secret, but for another purpose (another salt).
    other_purpose = URLSafeTimedSerializer(app.config["SECRET_KEY"]).dumps(
        {"account": owner.id, "device": "made-up"}
    )
    someone_else = create_user(email="someone.else@example.org")
    theirs = browser_of()
    attempt(theirs, DEFAULT_PASSWORD, HOME, email=someone_else.email)
    other_account = device_cookie(theirs)
    with monkeypatch.context() as past:
        past.setattr("itsdangerous.timed.time.time", lambda: 1_000_000_000)
        expired = lockout.issue_device_token(owner.id)

    trip_the_account_limit(browser_of(), policy)
    for value in [*altered(genuine), forged, other_purpose, other_account, expired, "nonsense"]:
        stranger = with_device_cookie(browser_of(), value)
        assert attempt(stranger, DEFAULT_PASSWORD, HOME).status_code == 429, value
    # The genuine one, sent as it was issued, still works.
    assert (
        attempt(with_device_cookie(browser_of(), genuine), DEFAULT_PASSWORD, HOME).status_code
        == 302
    )


def test_a_cookie_for_one_account_lets_no_one_past_another_accounts_wait(
    policy, owner, known_browser, browser_of, create_user
):
    other = create_user(email="other@example.org")
    for n in range(policy.account_after + 1):
        attempt(browser_of(), WRONG, f"192.0.2.{n}", email=other.email)
    # The owner's known browser is a stranger to the other account.
    assert attempt(known_browser, DEFAULT_PASSWORD, HOME, email=other.email).status_code == 429


def test_the_device_cookie_lifetime_is_one_setting(monkeypatch, tmp_path):
    from datetime import timedelta

    from townhall.config import settings_from_environment

    monkeypatch.delenv("TOWNHALL_SIGN_IN_DEVICE_DAYS", raising=False)
    assert settings_from_environment(str(tmp_path))["SIGN_IN_DEVICE_MAX_AGE"] == timedelta(days=90)
    monkeypatch.setenv("TOWNHALL_SIGN_IN_DEVICE_DAYS", "30")
    assert settings_from_environment(str(tmp_path))["SIGN_IN_DEVICE_MAX_AGE"] == timedelta(days=30)
    for bad in ("0", "-5", "ninety"):
        monkeypatch.setenv("TOWNHALL_SIGN_IN_DEVICE_DAYS", bad)
        with pytest.raises(SystemExit, match="TOWNHALL_SIGN_IN_DEVICE_DAYS"):
            settings_from_environment(str(tmp_path))
