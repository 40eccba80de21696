"""The vote set-up form as an officer fills it in, for tests that post it."""

from __future__ import annotations

from datetime import timedelta

from townhall.database import utcnow


def vote_form(**overrides: str | None) -> dict[str, str]:
    """A valid instant-runoff vote open now for three days; `overrides` change fields,
    and a field overridden with None is left out, as if never sent."""
    now = utcnow()
    data: dict[str, str | None] = {
        "title": "Which fruit?",
        "method": "irv",
        "seats": "1",
        "stated_options": "Apples\nBananas\nCherries",
        "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "eligibility": "verified",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
