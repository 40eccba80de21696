"""What every API blueprint shares: token authentication, scopes, body limits, rate
limits per token, ETags with conditional GET, and problem+json errors.

The API reads only bearer tokens: a browser's session cookie never authenticates
an API request. That is why the API blueprints can be exempt from CSRF protection:
a cross-site page can make a browser send cookies, but not an Authorization header.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint as FlaskBlueprint
from flask import Response, current_app, g, request
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint
from marshmallow import missing
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import HTTPException

from townhall.accounts.models import User
from townhall.api.problems import ApiProblem, http_problem, register_problem_handlers
from townhall.api.tokens import Authenticated, Scope, authenticate, note_use
from townhall.extensions import csrf, limiter, login_manager
from townhall.json_input import JsonTooDeep, loads

PREFIX = "/api/v1"
# Bodies larger than this are refused with 413 before they are read.
MAX_BODY_BYTES = 64 * 1024
DEFAULT_RATE_LIMIT = "300 per minute"

F = TypeVar("F", bound=Callable[..., Any])

BLUEPRINTS: list[Blueprint] = []


def authenticated() -> Authenticated:
    """This request's token, read once and kept on `g`."""
    if "api_auth" not in g:
        g.api_auth = authenticate(request.headers.get("Authorization"))
    return g.api_auth


def rate_limit_key() -> str:
    """Count requests per token; requests without a (valid) token per address."""
    auth = authenticated()
    if auth.token is not None:
        return f"api-token:{auth.token.id}"
    return f"api-address:{get_remote_address()}"


def rate_limit() -> str:
    """The per-token limit, from TOWNHALL_API_RATELIMIT."""
    return current_app.config.get("TOWNHALL_API_RATELIMIT") or DEFAULT_RATE_LIMIT


def acting_user() -> User | Any:
    """Who this request acts as: the token's owner, or an anonymous reader."""
    auth = authenticated()
    return auth.user if auth.user is not None else login_manager.anonymous_user()


def require_scope(scope: Scope) -> None:
    """Refuse (401/403, with the reason) unless a valid token with `scope` was sent."""
    auth = authenticated()
    if auth.token is None:
        raise ApiProblem(
            401,
            f"This needs a personal API token with the {scope.value} scope. "
            "Make one under Your account, API tokens, and send it as "
            "`Authorization: Bearer <token>`.",
            headers={"WWW-Authenticate": 'Bearer realm="townhall"'},
        )
    if scope.value not in auth.token.scope_set:
        raise ApiProblem(
            403,
            f"This token does not have the {scope.value} scope. Make a token that has it.",
            headers={
                "WWW-Authenticate": f'Bearer realm="townhall", error="insufficient_scope", '
                f'scope="{scope.value}"'
            },
        )


def needs(scope: Scope) -> Callable[[F], F]:
    """Decorate a view that needs a token with `scope`."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            require_scope(scope)
            return view(*args, **kwargs)

        # Say so in the OpenAPI document (flask-smorest reads `_apidoc["manual_doc"]`).
        apidoc = dict(getattr(wrapped, "_apidoc", {}))
        manual = dict(apidoc.get("manual_doc", {}))
        manual["security"] = [{"bearer": []}]
        manual["description"] = f"Needs a token with the `{scope.value}` scope."
        apidoc["manual_doc"] = manual
        wrapped._apidoc = apidoc  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def _before_request() -> None:
    """Refuse bad tokens and oversized bodies before the view reads anything."""
    request.max_content_length = MAX_BODY_BYTES
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise ApiProblem(
            413, f"The request body is larger than the API accepts ({MAX_BODY_BYTES:,} bytes)."
        )
    auth = authenticated()
    if auth.refusal:
        raise ApiProblem(
            401,
            auth.refusal,
            headers={"WWW-Authenticate": 'Bearer realm="townhall", error="invalid_token"'},
        )
    if auth.token is not None:
        # Reading with a token needs its read scope: a write-only token reads nothing.
        if request.method in ("GET", "HEAD") and Scope.READ.value not in auth.token.scope_set:
            raise ApiProblem(403, "This token does not have the read scope.")
        note_use(auth.token)  # commits; the token and its owner reload when next read


def _after_request(response: Response) -> Response:
    """Tag JSON reads with an ETag and answer If-None-Match with 304."""
    response.headers.add("Vary", "Authorization")
    if request.method in ("GET", "HEAD") and response.status_code == 200:
        response.add_etag()
        response.make_conditional(request)
    return response


class JsonReadingParser(FlaskParser):
    """webargs' parser for Flask, reading JSON bodies through `json_input.loads`.

    webargs parses bodies with the standard library's `json` itself, not through the
    request, so without this the API would skip the depth limit and the text cleaning
    that every other JSON body the app reads goes through.
    """

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req):
            return missing
        return loads(req.get_data(cache=True))

    def load_json(self, req: Any, schema: Any) -> Any:
        """Load the JSON body; refuse one nested too deeply with a 400 that says so."""
        try:
            return super().load_json(req, schema)
        except JsonTooDeep as error:
            raise ApiProblem(400, str(error)) from None


class ApiBlueprint(Blueprint):
    """flask-smorest's blueprint, with the API's JSON-reading parser."""

    ARGUMENTS_PARSER = JsonReadingParser()


def api_blueprint(name: str, description: str) -> Blueprint:
    """A blueprint under /api/v1 with token auth, limits, ETags and problem+json errors."""
    blueprint = ApiBlueprint(f"api_{name}", __name__, url_prefix=PREFIX, description=description)
    blueprint.before_request(_before_request)
    blueprint.after_request(_after_request)
    register_problem_handlers(blueprint)
    csrf.exempt(blueprint)
    limiter.limit(rate_limit, key_func=rate_limit_key)(blueprint)
    BLUEPRINTS.append(blueprint)
    return blueprint


# Addresses under /api/v1 that match no operation: answered as problems, not HTML pages.
fallback = FlaskBlueprint("api_fallback", __name__, url_prefix=PREFIX)
register_problem_handlers(fallback)
csrf.exempt(fallback)
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _no_operation_problem() -> ApiProblem:
    """Why no operation answers this request: 405 (with Allow) when the path exists for
    other methods, else 404."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in _METHODS:
        try:
            endpoint, _args = adapter.match(request.path, method=method)
        except HTTPException:
            continue
        if endpoint != "api_fallback.no_such_operation":
            allowed.append(method)
    if allowed:
        return ApiProblem(
            405,
            f"{request.path} does not accept {request.method}; it accepts {', '.join(allowed)}.",
            headers={"Allow": ", ".join(allowed)},
        )
    return ApiProblem(404, "There is nothing at this address in the API. See /api/v1/docs.")


@fallback.route("/<path:rest>", methods=list(_METHODS))
def no_such_operation(rest: str):
    """Answer an address under /api/v1 that no operation serves."""
    raise _no_operation_problem()


def problem_outside_blueprints(error: HTTPException) -> Response:
    """Errors under /api/ raised before any API blueprint took the request, as problems.

    Werkzeug's router can refuse an address before the fallback above is tried (an id
    past the converter's range answers 405 for POST, with GET named as allowed, though
    GET finds nothing either): such routing refusals are worked out afresh.
    """
    if request.url_rule is None and error.code in (404, 405):
        return http_problem(_no_operation_problem())
    return http_problem(error)
