"""Fixtures for the API: tokens, and a client that speaks JSON with a bearer token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from townhall.accounts.models import User
from townhall.accounts.permissions import Role


@pytest.fixture(autouse=True)
def _deliver_webhooks_by_hand(app):
    """Tests send webhooks themselves (`deliver_due`), so no thread outlives a test."""
    app.config["TOWNHALL_WEBHOOKS_IN_BACKGROUND"] = False


@pytest.fixture
def make_token(app) -> Callable[..., str]:
    """`make_token(user, "read", "write")`: a token's secret for `user` with those scopes."""
    from townhall.api.tokens import create_token
    from townhall.extensions import db

    def make(user: User, *scopes: str, name: str = "test") -> str:
        # End the test's read transaction first: on SQLite in WAL mode a transaction
        # whose snapshot predates a request's commit cannot start writing.
        db.session.commit()
        made = create_token(user, name, list(scopes or ("read", "write")))
        db.session.commit()
        return made.secret

    return make


class Api:
    """Call the API as one token (or none): `api.get(path)`, `api.post(path, json)`."""

    def __init__(self, client: FlaskClient, secret: str | None = None) -> None:
        self.client = client
        self.secret = secret

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.secret}"} if self.secret else {}
        return {**headers, **(extra or {})}

    def open(self, method: str, path: str, json: Any = None, **kwargs: Any):
        headers = self.headers(kwargs.pop("headers", None))
        return self.client.open(
            "/api/v1" + path, method=method, json=json, headers=headers, **kwargs
        )

    def get(self, path: str, **kwargs: Any):
        return self.open("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any):
        return self.open("POST", path, json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any):
        return self.open("PUT", path, json, **kwargs)

    def delete(self, path: str, **kwargs: Any):
        return self.open("DELETE", path, **kwargs)


@pytest.fixture
def api_as(client: FlaskClient, make_token) -> Callable[..., Api]:
    """`api_as(user, "read", "write")` (or `api_as(None)` for no token)."""

    def make(user: User | None, *scopes: str) -> Api:
        return Api(client, make_token(user, *scopes) if user is not None else None)

    return make


@pytest.fixture
def officer(create_user) -> User:
    return create_user(role=Role.OFFICER, display_name="Olga Officer")


@pytest.fixture
def citizen(create_user) -> User:
    return create_user(role=Role.CITIZEN, display_name="Cat Citizen")


def assert_problem(response, status: int, *words: str) -> dict[str, Any]:
    """The response is a problem+json with `status` whose detail mentions `words`."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["detail"]
    for word in words:
        assert word.lower() in (body["detail"] + str(body.get("errors", ""))).lower(), body
    return body
