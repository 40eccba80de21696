"""Opaque, signed pagination cursors.

A cursor carries where the next page starts and the filters it was made for, signed
with the app's secret. A cursor that was altered, or is used with other filters, is
refused with a 400 naming the fault, rather than silently giving a wrong page.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from townhall.api.problems import ApiProblem
from townhall.signatures import written_as_issued

SALT = "townhall-api-cursor"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(scope: str, filters: dict[str, Any]) -> str:
    text = json.dumps([scope, filters], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def make_cursor(scope: str, filters: dict[str, Any], page: int) -> str:
    """A cursor for page `page` of the listing `scope` with `filters`."""
    return _serializer().dumps({"p": page, "f": _fingerprint(scope, filters)})


def read_cursor(cursor: str | None, scope: str, filters: dict[str, Any]) -> int:
    """The page a cursor points to (1 with no cursor); 400 when it is not ours."""
    if not cursor:
        return 1
    try:
        if not written_as_issued(cursor):
            raise BadSignature("not written as issued")
        data = _serializer().loads(cursor)
    except BadSignature:
        raise ApiProblem(
            400,
            "The cursor is not one this API gave out (it may have been altered). "
            "Start again without a cursor.",
            errors={"query": {"cursor": ["Not a valid cursor."]}},
        ) from None
    page = data.get("p") if isinstance(data, dict) else None
    if not isinstance(page, int) or page < 1 or data.get("f") != _fingerprint(scope, filters):
        raise ApiProblem(
            400,
            "The cursor belongs to a different listing or filters. "
            "Keep the same filters while paging, or start again without a cursor.",
            errors={"query": {"cursor": ["Made for a different listing."]}},
        )
    return page
