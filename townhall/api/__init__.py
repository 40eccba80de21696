"""The public JSON API under /api/v1: its OpenAPI 3.1 document is built from the code
by flask-smorest, served at /api/v1/openapi.json and shown readably at /api/v1/docs.

The API is the top floor: it imports every domain and calls the same services and
permission checks as the pages; nothing below imports it.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api

from townhall.accounts.permissions import Role
from townhall.api.core import PREFIX
from townhall.moderation.service import STANDARDS_KEY
from townhall.moderation.standards import Standards

API_TITLE = "Townhall API"
API_VERSION = "1"


class TownhallApi(Api):
    """flask-smorest's Api, leaving the app's HTML error pages alone.

    flask-smorest answers every HTTP error in the app with JSON; here only the API's
    own blueprints answer with problem+json (see `problems.register_problem_handlers`).
    """

    def _register_error_handlers(self) -> None:
        return None


def _problem_responses(spec: dict[str, Any]) -> dict[str, Any]:
    """Document that any operation may answer with a problem (4xx, 5xx) as problem+json."""
    problem = {"$ref": "#/components/schemas/Problem"}
    for operations in spec.get("paths", {}).values():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            responses = operation.setdefault("responses", {})
            for code in list(responses):
                if code != "default" and not code.startswith("2"):
                    del responses[code]
            responses["default"] = {
                "description": "A problem: why the request was refused (RFC 9457)",
                "content": {"application/problem+json": {"schema": problem}},
            }
            if method == "get":
                responses["304"] = {"description": "Not modified since the ETag you sent"}
    spec.get("components", {}).pop("responses", None)
    return spec


def _standards_limits(spec: dict[str, Any], standards: Standards) -> dict[str, Any]:
    """State the text limits of the channel standards this app loaded.

    A field marked `x-standards-kind` carries what is stored as its `maxLength`; the
    standards may be stricter, and may differ by role. The document gives the most
    anyone may send (so it never refuses a text the API takes) and says, in the
    field's description, who may send how much.
    """
    from townhall.api.schemas import STANDARDS_KIND, text_limit

    for schema in spec.get("components", {}).get("schemas", {}).values():
        for prop in schema.get("properties", {}).values():
            kind = prop.get(STANDARDS_KIND)
            if kind is None:
                continue
            stored = prop["maxLength"]
            by_role = {role: text_limit(kind, role.value, stored, standards) for role in Role}
            prop["maxLength"] = max(by_role.values())
            prop["description"] = f"{prop.get('description', 'Text')}. {_limits_in_words(by_role)}"
    return spec


def _limits_in_words(by_role: dict[Role, int]) -> str:
    """'Up to 5,000 characters.', or who may send how much when the roles differ."""
    if len(set(by_role.values())) == 1:
        return f"Up to {next(iter(by_role.values())):,} characters."
    groups: dict[int, list[str]] = {}
    for role, limit in by_role.items():
        groups.setdefault(limit, []).append("staff" if role is Role.STAFF else f"{role.value}s")
    parts = []
    for limit, names in groups.items():
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        parts.append(f"for {listed}, up to {limit:,} characters")
    return "; ".join(parts).capitalize() + "."


def init_app(app: Flask) -> None:
    """Register the API blueprints, the document, the docs and token pages, and commands."""
    from townhall.api import webhooks  # noqa: F401  (listens for events to send)
    from townhall.api.cli import api_cli
    from townhall.api.core import fallback, problem_outside_blueprints
    from townhall.api.pages import bp as pages_bp
    from townhall.api.schemas import ProblemSchema
    from townhall.api.views import consultations, dialogue, moderation, open_data, places, proposals
    from townhall.api.views import webhooks as webhook_views
    from townhall.errors import render_errors_under

    app.config.setdefault("API_TITLE", API_TITLE)
    app.config.setdefault("API_VERSION", API_VERSION)
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    # No OPENAPI_URL_PREFIX: the document is served by `pages.openapi_json`, after
    # `_problem_responses` has added what every operation may answer.
    app.config.setdefault("TOWNHALL_API_RATELIMIT", "300 per minute")
    api = TownhallApi(
        app,
        spec_kwargs={
            "info": {
                "description": "The council's town hall as JSON. Read the guide at "
                f"{PREFIX}/docs. Send a personal token as `Authorization: Bearer <token>`."
            },
        },
    )
    render_errors_under(app, PREFIX + "/", problem_outside_blueprints)
    api.spec.components.schema("Problem", schema=ProblemSchema)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for module in (
        consultations,
        dialogue,
        proposals,
        moderation,
        places,
        open_data,
        webhook_views,
    ):
        api.register_blueprint(module.blp)
    app.extensions["townhall_api"] = api
    app.register_blueprint(pages_bp)
    app.register_blueprint(fallback)
    app.cli.add_command(api_cli)


def openapi_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI document as served (with every operation's problem responses).

    Built once per app: the document depends on the code and on the channel
    standards the app loaded at start-up (the text limits they set), neither of
    which changes while it runs.
    """
    if "townhall_api_document" not in app.extensions:
        document = _problem_responses(app.extensions["townhall_api"].spec.to_dict())
        document = _standards_limits(document, app.extensions[STANDARDS_KEY])
        app.extensions["townhall_api_document"] = document
    return app.extensions["townhall_api_document"]
