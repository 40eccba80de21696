"""The API states and keeps the text limits of the channel standards the app loaded.

One source of truth: the standards file. The OpenAPI document's `maxLength` for a
comment or an announcement is what the council's standards allow (or what is
stored, where they set no limit), and a longer text is refused with a problem.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.api.conftest import assert_problem
from tests.conftest import empty_all_tables, settings_for_tests
from townhall import create_app
from townhall.api import openapi_document
from townhall.dialogue.service import BODY_MAX
from townhall.extensions import limiter
from townhall.moderation.service import current_standards
from townhall.moderation.standards import DEFAULT_STANDARDS

SUITE_STANDARDS = Path(__file__).parents[1] / "moderation" / "suite_standards.toml"


def length_clause(limit: int, *, kinds: str = '["comment", "proposal"]', roles: str = "") -> str:
    """A clause for a council's standards that rejects posts longer than `limit`."""
    return f"""
[[clause]]
number = "5.2"
title = "Keep posts short"
action = "reject"
kinds = {kinds}
{f"roles = {roles}" if roles else ""}

  [[clause.check]]
  type = "length"
  max_chars = {limit}
"""


@pytest.fixture
def standards_text() -> str:
    """The council's standards file, as text: the suite's own (no length clause)."""
    return SUITE_STANDARDS.read_text(encoding="utf-8")


def app_under(standards: Path, database_url: str, redis_url: str | None, outbox: Path) -> Flask:
    settings = settings_for_tests(database_url, redis_url, outbox)
    settings["TOWNHALL_STANDARDS"] = str(standards)
    return create_app(settings)


@pytest.fixture
def app(
    _migrated, database_url, redis_url, outbox: Path, tmp_path: Path, standards_text: str
) -> Iterator[Flask]:
    """A fresh app under `standards_text`, every table empty."""
    path = tmp_path / "council_standards.toml"
    path.write_text(standards_text, encoding="utf-8")
    application = app_under(path, database_url, redis_url, outbox)
    with application.app_context():
        limiter.reset()
        yield application
    empty_all_tables(application)


def body_property(client, schema: str = "CommentInput") -> dict[str, Any]:
    document = client.get("/api/v1/openapi.json").get_json()
    return document["components"]["schemas"][schema]["properties"]["body"]


SENTENCE = "We would use the library on Sunday afternoons. "


def words(size: int) -> str:
    """A text of exactly `size` characters that no other clause minds."""
    text = (SENTENCE * (size // len(SENTENCE) + 1))[:size]
    return text[:-1] + "."


@pytest.fixture
def consultation(create_consultation):
    return create_consultation(status="open")


@pytest.mark.parametrize("standards_text", [DEFAULT_STANDARDS.read_text(encoding="utf-8")])
def test_the_document_states_the_limit_of_the_default_standards(client):
    limit = current_standards().max_chars("comment", "citizen")
    assert limit == 5000, "the default standards reject comments over 5,000 characters"
    body = body_property(client)
    assert body["maxLength"] == limit
    assert "Up to 5,000 characters." in body["description"]


def test_without_a_length_clause_the_document_states_what_is_stored(client):
    assert current_standards().max_chars("comment", "citizen") is None
    body = body_property(client)
    assert body["maxLength"] == BODY_MAX
    assert f"Up to {BODY_MAX:,} characters." in body["description"]


@pytest.mark.parametrize(
    "standards_text", [SUITE_STANDARDS.read_text(encoding="utf-8") + length_clause(3000)]
)
def test_a_council_limit_is_documented_and_kept(client, consultation, citizen, api_as):
    body = body_property(client)
    assert body["maxLength"] == 3000
    assert "Up to 3,000 characters." in body["description"]
    me = api_as(citizen, "read", "write")
    path = f"/consultations/{consultation.id}/comments"

    too_long = words(3001)
    problem = assert_problem(
        me.post(path, {"body": too_long}),
        422,
        "Comments can be at most 3,000 characters; this one has 3,001",
    )
    assert list(problem["errors"]["json"]) == ["body"]

    # Spaces at either end do not count, as the standards and the forms measure it.
    response = me.post(path, {"body": " " + words(3000) + "\n"})
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize(
    "standards_text",
    [SUITE_STANDARDS.read_text(encoding="utf-8") + length_clause(3000, roles='["citizen"]')],
)
def test_a_limit_for_some_roles_is_documented_per_role(
    client, consultation, citizen, officer, api_as
):
    body = body_property(client)
    # The document never refuses what someone may send; it says who may send how much.
    assert body["maxLength"] == BODY_MAX
    assert "For citizens, up to 3,000 characters" in body["description"]
    assert (
        f"staff, moderators, officers and admins, up to {BODY_MAX:,} characters"
        in (body["description"])
    )
    path = f"/consultations/{consultation.id}/comments"
    assert_problem(api_as(citizen, "read", "write").post(path, {"body": words(3001)}), 422, "3,000")
    response = api_as(officer, "read", "write").post(path, {"body": words(3001)})
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize(
    "standards_text",
    [SUITE_STANDARDS.read_text(encoding="utf-8") + length_clause(2000, kinds='["announcement"]')],
)
def test_an_announcement_limit_is_documented_and_kept(client, consultation, officer, api_as):
    assert body_property(client, "AnnouncementInput")["maxLength"] == 2000
    assert body_property(client)["maxLength"] == BODY_MAX
    me = api_as(officer, "read", "write", "officer")
    path = f"/consultations/{consultation.id}/announcements"
    assert_problem(
        me.post(path, {"title": "Sunday opening", "body": words(2001)}),
        422,
        "Announcements can be at most 2,000 characters",
    )
    response = me.post(path, {"title": "Sunday opening", "body": words(2000)})
    assert response.status_code == 201, response.get_json()


def test_each_app_documents_its_own_standards(app, database_url, redis_url, tmp_path):
    """The document is built once per app, from that app's standards (not the app in use)."""
    council = tmp_path / "other_council.toml"
    council.write_text(
        SUITE_STANDARDS.read_text(encoding="utf-8") + length_clause(1234), encoding="utf-8"
    )
    outbox = tmp_path / "other_outbox"
    outbox.mkdir()
    other = app_under(council, database_url, redis_url, outbox)
    # Built while this test's own app (no length clause) is the current app.
    theirs = openapi_document(other)["components"]["schemas"]["CommentInput"]
    ours = openapi_document(app)["components"]["schemas"]["CommentInput"]
    assert theirs["properties"]["body"]["maxLength"] == 1234
    assert ours["properties"]["body"]["maxLength"] == BODY_MAX
