"""Error pages in plain words, for every 4xx and 5xx the app can answer."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, abort, current_app, g, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from townhall.database import is_busy
from townhall.form_handling import json_sent_to_a_form, refuse
from townhall.wording import ngettext

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("That request could not be understood", "Check what you entered and try again."),
    401: ("Please sign in", "You need to sign in to do that."),
    403: ("You cannot do that", "Your account does not have permission for this page or action."),
    404: ("Page not found", "Check the address, or start again from the home page."),
    405: ("That is not allowed here", "This page cannot be used that way."),
    413: ("That is too large", "What you sent is larger than we accept. Shorten it and try again."),
    414: ("That address is too long", "Shorten the address, or start again from the home page."),
    415: (
        "That format is not accepted here",
        "This page's forms take what you type in them, not JSON. Send the form from its page.",
    ),
    429: ("Too many attempts", "Please wait a minute before trying again."),
    503: (
        "We are busy just now",
        "Nothing was saved. Please try again in a moment.",
    ),
    500: (
        "Something went wrong on our side",
        "Nothing you did caused this. Please try again later.",
    ),
}

# The longest query string answered (bytes): every filter and cursor fits many times
# over; anything longer is a 414 before a view reads it.
MAX_QUERY_STRING_BYTES = 4096

CSRF_MESSAGE = (
    "This form had expired or did not come from this site. Check your answers and send it again."
)
RATE_MESSAGE = "Too many attempts from here."
BUSY_MESSAGE = (
    "We could not save that just now: the site is busy. Nothing was saved; "
    "check your answers below and send them again in a moment."
)
# Seconds a client is asked to wait before sending again after a 503.
BUSY_RETRY_AFTER = 5
# Seconds to wait after a 429 whose limit does not say when it resets (the
# one-a-minute limits of places, say).
RATE_RETRY_AFTER = 60
TOO_BIG_MESSAGE = (
    "A number or a piece of text you sent is larger than we can keep. "
    "Check what you entered and try again."
)


def _replay_into_form(message: str, status: int):
    """Re-run a `@keeps_input` view so it shows the refusal on its form, or return None."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or not getattr(view, "keeps_input", False) or json_sent_to_a_form():
        return None
    refuse(message, status)
    try:
        return view(**(request.view_args or {}))
    except HTTPException as error:
        # The view refuses on its own account (no such page, not yours): say that
        # instead, as it would have; raised here, inside a handler, it would be a 500.
        return render_error(error.code or status, _detail(error))


def _detail(error: HTTPException) -> str | None:
    """The error's own words when the app wrote them for people, else None."""
    return error.description if getattr(error, "townhall_detail", False) else None


def render_error(status: int, detail: str | None = None):
    """Render the error page for `status`."""
    title, message = MESSAGES.get(status, MESSAGES[400] if status < 500 else MESSAGES[500])
    return render_template(
        "errors/error.html", status=status, title=title, message=detail or message
    ), status


ERROR_RENDERERS = "townhall_error_renderers"


def render_errors_under(app: Flask, prefix: str, renderer: Callable[[HTTPException], Any]) -> None:
    """Let a module answer HTTP errors for addresses under `prefix` its own way.

    Its blueprints' handlers see errors raised in its views; this also covers errors
    raised before any blueprint took the request (routing, size limits). The API
    answers problem+json this way without this module knowing it.
    """
    app.extensions.setdefault(ERROR_RENDERERS, {})[prefix] = renderer


def _seconds_until_limit_resets() -> int:
    """How long until the rate limit that refused this request lets it through again."""
    from townhall.extensions import limiter

    try:
        limit = limiter.current_limit
    except Exception:  # the limiter's storage is down: fall back to the stated wait
        limit = None
    if limit is None:
        return RATE_RETRY_AFTER
    return max(1, math.ceil(limit.reset_at - time.time()))


def _wait_in_words(seconds: int) -> str:
    """ "Wait 1 minute, then try again." (rounded up to whole minutes)."""
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Wait %(num)d minute, then try again.", "Wait %(num)d minutes, then try again.", minutes
    )


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on `app`, and the refusal of over-long query strings and of
    JSON sent to a page's form."""

    @app.before_request
    def refuse_odd_requests() -> None:
        if len(request.query_string) > MAX_QUERY_STRING_BYTES:
            abort(414)
        if json_sent_to_a_form():
            abort(415)

    @app.after_request
    def say_when_to_try_again(response: Response) -> Response:
        if response.status_code == 429 and "Retry-After" not in response.headers:
            seconds = g.get("retry_after") or _seconds_until_limit_resets()
            response.headers["Retry-After"] = str(seconds)
        return response

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        return _replay_into_form(CSRF_MESSAGE, 400) or render_error(400, CSRF_MESSAGE)

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error: RateLimitExceeded):
        # A limit given its own words (limit_form_posts' `message`) says them; every
        # refusal says how long to wait.
        said = error.description if error.limit.error_message else RATE_MESSAGE
        # Read now: the form's replay below starts the limiter's record afresh.
        g.retry_after = _seconds_until_limit_resets()
        message = f"{said} {_wait_in_words(g.retry_after)}"
        return _replay_into_form(message, 429) or render_error(429, message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        for prefix, renderer in current_app.extensions.get(ERROR_RENDERERS, {}).items():
            if request.path.startswith(prefix):
                return renderer(error)
        return render_error(error.code, _detail(error))

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def out_of_range(error: Exception):
        # The last line of defence: a value past a column's range or length (a 20-digit
        # id in a form's select, say) that a form did not bound. In production the
        # person is told; tests raise, so the form that let it through gets bounded.
        if current_app.config.get("TOWNHALL_RAISE_ERRORS"):
            raise error
        from townhall.extensions import db

        db.session.rollback()
        log.warning("out-of-range input on %s %s: %s", request.method, request.path, error)
        return render_error(400, TOO_BIG_MESSAGE)

    @app.errorhandler(OperationalError)
    @app.errorhandler(SQLAlchemyTimeoutError)
    def database_busy(error: Exception):
        # A lock held too long, a lost connection: nothing was saved, and sending the
        # same request again shortly will work. Say so with a 503 and the form as the
        # person filled it in, rather than a 500 and lost work.
        if not is_busy(error):
            return unexpected(error)
        from townhall.extensions import db

        db.session.rollback()
        log.warning("database busy on %s %s: %s", request.method, request.path, error)
        try:
            response = _busy_response()
        except (OperationalError, SQLAlchemyTimeoutError):
            db.session.rollback()  # too busy even to draw the page: say it in plain text
            response = current_app.response_class(
                f"{MESSAGES[503][0]}. {BUSY_MESSAGE}\n", 503, mimetype="text/plain"
            )
        response = current_app.make_response(response)
        response.headers["Retry-After"] = str(BUSY_RETRY_AFTER)
        return response

    def _busy_response():
        for prefix, renderer in current_app.extensions.get(ERROR_RENDERERS, {}).items():
            if request.path.startswith(prefix):
                return renderer(ServiceUnavailable(MESSAGES[503][1]))
        if request.method == "POST":
            replayed = _replay_into_form(BUSY_MESSAGE, 503)
            if replayed is not None:
                return replayed
        return render_error(503, BUSY_MESSAGE if request.method == "POST" else None)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if current_app.config.get("TOWNHALL_RAISE_ERRORS"):
            raise error  # tests want the traceback, not a friendly page
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)
