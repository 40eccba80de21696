"""Errors as `application/problem+json` (RFC 9457), in plain words.

Every refusal the API gives has the same shape: `type` (a link into the API's
documentation naming the kind of problem), `title`, `status`, `detail` (what went
wrong, written for a person), `instance` (the path asked for) and, for bad input,
`errors`: where the fault is (`json`, `query`, `path`, `headers`) and, per field,
what is wrong with it. Any write is rolled back before the problem is sent, so a
refused request leaves nothing half-written.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, current_app, json, request
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from townhall.consultations.service import ConsultationError, InvalidTransition
from townhall.database import is_busy
from townhall.dialogue import service as dialogue
from townhall.errors import BUSY_RETRY_AFTER
from townhall.extensions import db
from townhall.proposals import errors as proposal_errors

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"

# Status -> (slug for `type`, title). The slug anchors a section of the docs page.
TITLES = {
    400: ("bad-request", "The request could not be read"),
    401: ("unauthorised", "A valid API token is needed"),
    403: ("forbidden", "That is not allowed"),
    404: ("not-found", "There is nothing here"),
    405: ("method-not-allowed", "That method is not allowed here"),
    406: ("not-acceptable", "That format is not offered"),
    409: ("conflict", "That cannot be done in the current state"),
    412: ("precondition-failed", "The resource has changed"),
    413: ("too-large", "The request body is too large"),
    414: ("uri-too-long", "The address is too long"),
    415: ("unsupported-media-type", "Send JSON"),
    422: ("invalid", "The request has invalid or unknown fields"),
    429: ("rate-limited", "Too many requests"),
    500: ("server-error", "Something went wrong on our side"),
    503: ("busy", "The database was busy; nothing was changed"),
}

DEFAULT_DETAILS = {
    400: "The request could not be understood.",
    404: "There is nothing at this address in the API.",
    405: "This address does not accept that method. The OpenAPI document lists what it does.",
    413: "The request body is larger than the API accepts.",
    414: "The query string is longer than the API accepts.",
    415: "Send the request body as JSON with Content-Type: application/json.",
    422: "Some fields are missing, unknown or of the wrong type: see `errors`.",
    429: "This token (or address) has made too many requests. Wait, then try again.",
    500: "Nothing you did caused this. Please try again later.",
    503: "The database was busy, so nothing was changed. Send the same request again "
    "after the seconds in Retry-After.",
}


class ApiProblem(HTTPException):
    """A refusal with a status, a plain-words detail and optional field errors."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(description=detail)
        self.code = status
        self.errors = errors
        self.extra_headers = headers or {}


def problem_response(
    status: int,
    detail: str,
    *,
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Build a problem+json response."""
    slug, title = TITLES.get(status, TITLES[400] if status < 500 else TITLES[500])
    body: dict[str, Any] = {
        "type": f"{request.script_root}/api/v1/docs#problem-{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    response = current_app.response_class(
        json.dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _webargs_errors(error: HTTPException) -> dict[str, Any] | None:
    """The field errors webargs (through flask-smorest) attached to a 400/422, if any."""
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    return messages if isinstance(messages, dict) else None


def _describe(errors: dict[str, Any]) -> str:
    """One sentence naming the faulty fields, for `detail`."""
    named: list[str] = []
    for location, fields in errors.items():
        if isinstance(fields, dict):
            named.extend(f"{location}.{name}" for name in fields)
        else:
            named.append(location)
    if not named:
        return DEFAULT_DETAILS[422]
    listed = ", ".join(named[:6]) + (" and more" if len(named) > 6 else "")
    return f"Check these fields: {listed}. `errors` says what is wrong with each."


# Domain errors -> status. The most specific class wins (checked in order).
DOMAIN_STATUSES: tuple[tuple[type[Exception], int], ...] = (
    (InvalidTransition, 409),
    (ConsultationError, 422),
    (dialogue.NotAllowed, 403),
    (dialogue.CommentNotFound, 404),
    (dialogue.CommentNotEditable, 403),
    (dialogue.CommentNotDeletable, 403),
    (dialogue.ReactionNotAllowed, 403),
    (dialogue.ReplyToDeletedComment, 409),
    (dialogue.DialogueError, 422),
    (proposal_errors.NotAllowed, 403),
    (proposal_errors.NotEligible, 403),
    (proposal_errors.VotingClosed, 409),
    (proposal_errors.VotingNotOpen, 409),
    (proposal_errors.ProposalError, 422),
)


def status_for(error: Exception) -> int:
    """The HTTP status a domain error is answered with."""
    for cls, status in DOMAIN_STATUSES:
        if isinstance(error, cls):
            return status
    return 422


def _refusal_from_elsewhere(error: Exception, status: int) -> Response:
    """Answer a refusal raised by a module the API does not list (moderation, places).

    Such errors carry their HTTP `status`. The module's own app-wide handler still
    runs for what it does besides answering (moderation records a rejected post in
    its figures and audit log); its HTML answer is replaced by a problem.
    """
    handlers = current_app.error_handler_spec[None][None]
    for cls in type(error).__mro__:
        if cls is Exception:
            break
        handler = handlers.get(cls)
        if handler is not None:
            handler(error)
            break
    db.session.rollback()
    return problem_response(status, str(error))


def http_problem(error: HTTPException) -> Response:
    """An HTTP error (a 404, a webargs 422, an oversized body...) as problem+json."""
    if isinstance(error, ApiProblem):
        return problem_response(
            error.code or 400, error.description or "", errors=error.errors,
            headers=error.extra_headers,
        )  # fmt: skip
    status = error.code or 500
    errors = _webargs_errors(error)
    if errors and "json" in errors and errors["json"] == ["Invalid JSON body."]:
        return problem_response(
            400, "The body is not valid JSON.", errors={"json": ["Invalid JSON body."]}
        )
    if errors:
        return problem_response(
            422 if status in (400, 422) else status, _describe(errors), errors=errors
        )
    detail = (
        error.description
        if getattr(error, "townhall_detail", False)
        else DEFAULT_DETAILS.get(status, error.description or "")
    )
    headers = {}
    if status == 405 and error.get_headers():
        headers = {k: v for k, v in error.get_headers() if k == "Allow"}
    return problem_response(status, detail, headers=headers)


def register_problem_handlers(blueprint: Blueprint) -> None:
    """Answer every error raised under `blueprint` with problem+json, after a rollback."""

    @blueprint.errorhandler(ApiProblem)
    def api_problem(error: ApiProblem):
        db.session.rollback()
        return problem_response(
            error.code or 400,
            error.description or "",
            errors=error.errors,
            headers=error.extra_headers,
        )

    @blueprint.errorhandler(RateLimitExceeded)
    def rate_limited(error: RateLimitExceeded):
        db.session.rollback()
        return problem_response(429, f"{DEFAULT_DETAILS[429]} The limit is {error.description}.")

    @blueprint.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        db.session.rollback()
        return http_problem(error)

    for cls, _status in DOMAIN_STATUSES:

        @blueprint.errorhandler(cls)
        def domain_error(error: Exception):
            db.session.rollback()
            return problem_response(status_for(error), str(error))

    @blueprint.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        status = getattr(error, "status", None)
        if isinstance(status, int) and 400 <= status < 500:
            return _refusal_from_elsewhere(error, status)
        if is_busy(error):
            log.warning("database busy on API %s %s: %s", request.method, request.path, error)
            return problem_response(
                503, DEFAULT_DETAILS[503], headers={"Retry-After": str(BUSY_RETRY_AFTER)}
            )
        if current_app.config.get("TOWNHALL_RAISE_ERRORS"):
            raise error
        log.exception("unhandled API error on %s %s", request.method, request.path)
        return problem_response(500, DEFAULT_DETAILS[500])
