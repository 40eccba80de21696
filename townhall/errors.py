"""Error pages in plain words, for every 4xx and 5xx the app can answer."""

from __future__ import annotations

import logging

from flask import Flask, current_app, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from townhall.form_handling import refuse

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("That request could not be understood", "Check what you entered and try again."),
    401: ("Please sign in", "You need to sign in to do that."),
    403: ("You cannot do that", "Your account does not have permission for this page or action."),
    404: ("Page not found", "Check the address, or start again from the home page."),
    405: ("That is not allowed here", "This page cannot be used that way."),
    413: ("That is too large", "What you sent is larger than we accept. Shorten it and try again."),
    429: ("Too many attempts", "Please wait a minute before trying again."),
    500: (
        "Something went wrong on our side",
        "Nothing you did caused this. Please try again later.",
    ),
}

CSRF_MESSAGE = (
    "This form had expired or did not come from this site. Check your answers and send it again."
)
RATE_MESSAGE = "Too many attempts from here. Wait a minute, then try again."


def _replay_into_form(message: str, status: int):
    """Re-run a `@keeps_input` view so it shows the refusal on its form, or return None."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or not getattr(view, "keeps_input", False):
        return None
    refuse(message, status)
    return view(**(request.view_args or {}))


def render_error(status: int, detail: str | None = None):
    """Render the error page for `status`."""
    title, message = MESSAGES.get(status, MESSAGES[400] if status < 500 else MESSAGES[500])
    return render_template(
        "errors/error.html", status=status, title=title, message=detail or message
    ), status


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on `app`."""

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        return _replay_into_form(CSRF_MESSAGE, 400) or render_error(400, CSRF_MESSAGE)

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error: RateLimitExceeded):
        response = _replay_into_form(RATE_MESSAGE, 429) or render_error(429)
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        detail = error.description if getattr(error, "townhall_detail", False) else None
        return render_error(error.code, detail)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if current_app.config.get("TOWNHALL_RAISE_ERRORS"):
            raise error  # tests want the traceback, not a friendly page
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)
