"""Sign-in back-off: after a few failed attempts on one account, wait before the next.

Failures are counted in Flask-Limiter's storage (Redis when `REDIS_URL` is set, so
every process sees the same counts; memory otherwise), in three ways:

- per account *and* client address: after `SIGN_IN_LOCKOUT_AFTER` failures that
  address waits `SIGN_IN_LOCKOUT_FIRST_WAIT` seconds, doubling with each further
  failure up to `SIGN_IN_LOCKOUT_MAX_WAIT`. Someone guessing from elsewhere does not
  hold up the owner at home.
- per account across every address: the same back-off, but only after the looser
  `SIGN_IN_LOCKOUT_ACCOUNT_AFTER` failures, against guessing spread over many
  addresses. This one an attacker could keep topped up, which is why the wait is
  capped, a password reset by email (which signs the owner in) is always open and
  clears it, and known devices are not held by it.
- per known device (OWASP's "device cookies"): a successful sign-in leaves a signed
  cookie naming the account (its id) and a random device number. A browser that
  sends a genuine one for the account being signed in to is a known device: it is
  not held by the account-wide wait, only by its own failures (per device, and per
  address as above), and its failures do not count towards the account-wide limit.
  Guessing from many addresses therefore slows strangers without locking the owner
  out of the browsers they have signed in on.

Only failures count: signing in successfully, or resetting the password, clears the
counts, and attempts refused while waiting are not tried and not counted. Accounts
are keyed by the email as typed (normalised, then hashed with the secret key, so the
store holds no addresses), whether or not an account has it: the back-off behaves
the same for unknown addresses and so reveals nothing. A count is forgotten
`SIGN_IN_FAILURES_KEPT` seconds after its first failure.

When the shared storage fails (Redis down or unreachable), the counts are kept in
this process's memory instead, and the shared storage is tried again every
`SHARED_RETRY_SECONDS`: the back-off goes on per process rather than vanishing or
turning sign-in into an error page. A warning is logged once per outage. Waits
started in memory still hold after Redis answers again; counts are not copied across.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage

from townhall.extensions import limiter
from townhall.signatures import written_as_issued

log = logging.getLogger(__name__)

# Doubling beyond this many steps is past any sensible cap; it keeps 2**n small.
_MAX_DOUBLINGS = 30
# While the shared storage fails, it is tried again this often (and not on every
# sign-in, which would pay its connection timeout each time).
SHARED_RETRY_SECONDS = 30.0
# The device cookie: sent only to the sign-in page, which is all that reads it.
DEVICE_COOKIE = "townhall_device"
DEVICE_COOKIE_PATH = "/sign-in"
_DEVICE_SALT = "townhall.sign-in-device"
_FALLBACK_KEY = "townhall_lockout_fallback"

T = TypeVar("T")


@dataclass(frozen=True)
class LockoutPolicy:
    """The numbers of the back-off, from the app's settings."""

    after: int
    account_after: int
    first_wait: int
    max_wait: int
    kept: int

    @classmethod
    def from_config(cls) -> LockoutPolicy:
        """Read the policy from the current app's settings."""
        config = current_app.config
        return cls(
            after=config["SIGN_IN_LOCKOUT_AFTER"],
            account_after=config["SIGN_IN_LOCKOUT_ACCOUNT_AFTER"],
            first_wait=config["SIGN_IN_LOCKOUT_FIRST_WAIT"],
            max_wait=config["SIGN_IN_LOCKOUT_MAX_WAIT"],
            kept=config["SIGN_IN_FAILURES_KEPT"],
        )


def wait_after(failures: int, threshold: int, first_wait: int, max_wait: int) -> int:
    """Seconds to wait after `failures` failures: none below `threshold`, then doubling."""
    if failures < threshold:
        return 0
    steps = min(failures - threshold, _MAX_DOUBLINGS)
    return min(first_wait * 2**steps, max_wait)


# --- known devices -------------------------------------------------------------------


@dataclass(frozen=True)
class Device:
    """A browser that has signed in to `account_id` before (its device cookie's content)."""

    account_id: int
    number: str


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_DEVICE_SALT)


def device_cookie_seconds() -> int:
    """How long a device cookie is good for, from the settings."""
    return int(current_app.config["SIGN_IN_DEVICE_MAX_AGE"].total_seconds())


def issue_device_token(account_id: int) -> str:
    """A new signed device cookie value for a browser that just signed in to `account_id`."""
    return _device_serializer().dumps({"account": account_id, "device": secrets.token_urlsafe(16)})


def read_device_token(token: str | None) -> Device | None:
    """The device a cookie value names, or None unless it is exactly one we issued, in date."""
    if not token or len(token) > 200 or not written_as_issued(token):
        return None
    try:
        data = _device_serializer().loads(token, max_age=device_cookie_seconds())
    except BadSignature:  # altered, forged, signed for something else, or expired
        return None
    if not isinstance(data, dict):
        return None
    account, number = data.get("account"), data.get("device")
    if type(account) is not int or not isinstance(number, str) or not number:
        return None
    return Device(account, number)


def known_device(token: str | None, email: str) -> Device | None:
    """The device of this cookie value when it is genuine and for the account of `email`.

    A cookie for another account (a shared computer, or one copied from elsewhere)
    makes no difference to signing in to this one.
    """
    device = read_device_token(token)
    if device is None:
        return None
    from townhall.accounts.service import find_user_by_email

    user = find_user_by_email(email)
    return device if user is not None and user.id == device.account_id else None


# --- where the counts are kept ---------------------------------------------------------


@dataclass
class _Fallback:
    """This process's own counts, used while the shared storage fails."""

    memory: MemoryStorage | None = None
    retry_at: float | None = None  # monotonic; None while the shared storage works
    lock: threading.Lock = field(default_factory=threading.Lock)

    def resting(self) -> bool:
        """Whether the shared storage failed lately and is not to be tried yet."""
        return self.retry_at is not None and time.monotonic() < self.retry_at

    def shared_failed(self, error: Exception) -> MemoryStorage:
        """Note a failure of the shared storage; return the memory to count in."""
        with self.lock:
            if self.retry_at is None:
                log.warning(
                    "sign-in back-off: the shared rate-limit storage failed (%s); counting "
                    "failed sign-ins in this process until it answers again",
                    error,
                )
            self.retry_at = time.monotonic() + SHARED_RETRY_SECONDS
            if self.memory is None:
                self.memory = MemoryStorage()
            return self.memory

    def shared_worked(self) -> None:
        """Note that the shared storage answered."""
        if self.retry_at is not None:
            with self.lock:
                if self.retry_at is not None:
                    self.retry_at = None
                    log.warning("sign-in back-off: the shared rate-limit storage answers again")


def _fallback() -> _Fallback:
    extensions = current_app.extensions
    fallback = extensions.get(_FALLBACK_KEY)
    if fallback is None:
        fallback = extensions.setdefault(_FALLBACK_KEY, _Fallback())
    return fallback


def _storage_errors(storage: Storage) -> tuple[type[Exception], ...]:
    base = storage.base_exceptions
    return (StorageError, OSError, *(base if isinstance(base, tuple) else (base,)))


def _with_counts(work: Callable[[Storage], T]) -> T:
    """Run `work` on the shared storage, or on this process's memory while it fails."""
    fallback = _fallback()
    if fallback.resting():
        assert fallback.memory is not None
        return work(fallback.memory)
    shared = limiter.storage
    try:
        result = work(shared)
    except _storage_errors(shared) as error:
        return work(fallback.shared_failed(error))
    fallback.shared_worked()
    return result


# --- the back-off ------------------------------------------------------------------


def _account_key(email: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    normalised = email.strip().lower().encode()
    return hmac.new(secret, normalised, hashlib.sha256).hexdigest()[:32]


def _keys(email: str, address: str, device: Device | None = None) -> dict[str, str]:
    # The configured key prefix keeps apart sites (or test runs) sharing one Redis.
    prefix = f"{current_app.config.get('RATELIMIT_KEY_PREFIX') or 'townhall'}/sign-in"
    account = _account_key(email)
    keys = {
        "pair_count": f"{prefix}/failures/{account}/{address}",
        "pair_wait": f"{prefix}/wait/{account}/{address}",
        "account_count": f"{prefix}/failures/{account}",
        "account_wait": f"{prefix}/wait/{account}",
    }
    if device is not None:
        # Hashed like the account, so the store holds nothing a cookie could be made from.
        number = _account_key(device.number)
        keys["device_count"] = f"{prefix}/device-failures/{account}/{number}"
        keys["device_wait"] = f"{prefix}/device-wait/{account}/{number}"
    return keys


def _remaining(storage: Storage, key: str) -> int:
    if storage.get(key) <= 0:
        return 0
    return max(0, math.ceil(storage.get_expiry(key) - time.time()))


def seconds_to_wait(email: str, address: str, device: Device | None = None) -> int:
    """Seconds before this address may try to sign in to this account again (0: now).

    `device` is a known device of this account (`known_device`): it waits for its own
    failures and its address's, not for the account-wide limit.
    """
    keys = _keys(email, address, device)
    held_by = ("pair_wait", "device_wait") if device is not None else ("pair_wait", "account_wait")

    def wait_in(storage: Storage) -> int:
        return max(_remaining(storage, keys[name]) for name in held_by)

    wait = _with_counts(wait_in)
    memory = _fallback().memory
    # Waits started while the shared storage was down still run out in full.
    return max(wait, wait_in(memory)) if memory is not None else wait


def _start_wait(storage: Storage, key: str, seconds: int) -> None:
    # A fresh key, so the wait runs from now for exactly `seconds`.
    storage.clear(key)
    storage.incr(key, seconds)


def record_failure(email: str, address: str, device: Device | None = None) -> int:
    """Count a failed sign-in; return the seconds to wait before the next try (0: none).

    From a known `device` the failure counts for that device and address, not for the
    account across all addresses.
    """
    policy = LockoutPolicy.from_config()
    keys = _keys(email, address, device)
    # Each count with the threshold it is held to, and the wait it starts.
    counts = [("pair_count", "pair_wait", policy.after)]
    if device is not None:
        counts.append(("device_count", "device_wait", policy.after))
    else:
        counts.append(("account_count", "account_wait", policy.account_after))

    def count_in(storage: Storage) -> int:
        longest = 0
        for count, wait_key, threshold in counts:
            failures = storage.incr(keys[count], policy.kept)
            wait = wait_after(failures, threshold, policy.first_wait, policy.max_wait)
            if wait:
                _start_wait(storage, keys[wait_key], wait)
            longest = max(longest, wait)
        return longest

    return _with_counts(count_in)


def clear_failures(email: str, address: str, device: Device | None = None) -> None:
    """Forget the failures of this address (and of this device) and their waits; with no
    known device, the account's failures across all addresses and their wait too.

    Failures counted for the account from other addresses stay: whoever was guessing
    there still waits. A known device's success leaves the account-wide count alone:
    it says nothing of the strangers counted there, who would otherwise be given a
    fresh allowance of guesses each time the owner signs in.
    """
    every = _keys(email, address, device)
    names = ["pair_count", "pair_wait"]
    if device is not None:
        names += ["device_count", "device_wait"]
    else:
        names += ["account_count", "account_wait"]
    keys = [every[name] for name in names]

    def clear_in(storage: Storage) -> None:
        for key in keys:
            storage.clear(key)

    _with_counts(clear_in)
    memory = _fallback().memory
    if memory is not None:
        clear_in(memory)
