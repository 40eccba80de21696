"""Schemathesis against the live app: every operation in the OpenAPI document, with
schema-valid and schema-invalid input, a bounded number of examples each.

Checks: never a 5xx; every status, content type, header and body conforms to the
document; invalid input is refused with a 4xx. Requests go over HTTP to the live
server, both without a token and with an admin's token holding every scope, on a
town hall seeded with a little of everything so that some ids exist.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from townhall.accounts.permissions import Role
from townhall.database import utcnow
from townhall.dialogue.service import post_comment
from townhall.extensions import db
from townhall.proposals.models import Method
from townhall.proposals.votes import VoteDetails, create_vote

# Examples per operation and mode: enough to meet every refusal, small enough that the
# whole run stays around a minute (about 30 operations, twice: with and without a token).
EXAMPLES = {GenerationMode.POSITIVE: 5, GenerationMode.NEGATIVE: 3}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def seeded(app, create_consultation, create_user, make_token) -> str:
    """A little of everything; returns an admin's token with every scope."""
    app.config["TOWNHALL_API_RATELIMIT"] = "100000 per minute"
    admin = create_user(role=Role.ADMIN)
    consultation = create_consultation(
        status="open", author=admin, uses_proposals=True, uses_voting=True
    )
    create_consultation(status="outcome_published", author=admin)
    post_comment(consultation, admin, "A first comment")
    now = utcnow()
    create_vote(
        consultation,
        admin,
        VoteDetails(
            title="Yes or no?",
            method=Method.MAJORITY,
            opens_at=now - timedelta(minutes=1),
            closes_at=now + timedelta(days=1),
            live_tallies=True,
        ),
        now=now - timedelta(minutes=2),
    )
    db.session.commit()
    return make_token(admin, "read", "write", "officer")


def _operations(live_server: str) -> list[Any]:
    document = requests.get(f"{live_server}/api/v1/openapi.json", timeout=60).json()
    schema = schemathesis.openapi.from_dict(document)
    return [result.ok() for result in schema.get_all_operations()]


@schemathesis.check
def negative_data_refused(ctx: Any, response: Any, case: Any) -> bool | None:
    """Invalid input is refused; a query string or body past the app's size limits is
    refused before any schema is read (414, 413), which is a refusal too."""
    if response.status_code in (413, 414):
        return None
    return negative_data_rejection(ctx, response, case)


def _run(operation: Any, mode: GenerationMode, base_url: str, headers: dict[str, str]) -> None:
    checks = [*CHECKS, negative_data_refused] if mode is GenerationMode.NEGATIVE else CHECKS

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        response = case.call(base_url=base_url, headers=headers, timeout=60)
        case.validate_response(response, checks=checks)

    try:
        check()
    except Unsatisfiable:
        # An operation with no parameters and no body has no invalid input to make.
        if mode is not GenerationMode.NEGATIVE:
            raise


@pytest.mark.parametrize("with_token", [False, True], ids=["anonymous", "admin-token"])
def test_every_operation_conforms(live_server, seeded, with_token):
    headers = {"Authorization": f"Bearer {seeded}"} if with_token else {}
    operations = _operations(live_server)
    assert len(operations) >= 25
    for operation in operations:
        for mode in EXAMPLES:
            _run(operation, mode, live_server, headers)
