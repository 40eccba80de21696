"""Fixtures for proposals and votes: a consultation that uses both, and a vote maker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import DEFAULT_PASSWORD, FormPoster
from townhall.accounts.permissions import Role
from townhall.database import utcnow
from townhall.extensions import db
from townhall.proposals.models import Eligibility, Method, Vote
from townhall.proposals.votes import VoteDetails, create_vote


@pytest.fixture
def officer(create_user):
    """An officer who runs the consultation's votes."""
    return create_user(role=Role.OFFICER, display_name="Ola Officer")


@pytest.fixture
def consultation(create_consultation, officer):
    """An open consultation that uses proposals and voting."""
    return create_consultation(author=officer, uses_proposals=True, uses_voting=True)


@pytest.fixture
def citizens(create_user) -> list[Any]:
    """Five verified citizens."""
    return [create_user(display_name=f"Citizen {n}") for n in range(5)]


@pytest.fixture
def make_vote(consultation, officer) -> Callable[..., Vote]:
    """`make_vote(method, options=[...], **details)`: an open vote on stated options."""

    def make(
        method: Method | str = Method.IRV,
        options: list[str] | list[tuple[str, int | None]] | None = None,
        *,
        opens_in: timedelta = timedelta(minutes=-1),
        lasts: timedelta = timedelta(days=7),
        **details: Any,
    ) -> Vote:
        method = Method(method)
        if options is None:
            options = [] if method is Method.MAJORITY else ["Apples", "Bananas", "Cherries"]
        stated = [o if isinstance(o, tuple) else (o, None) for o in options]
        now = utcnow()
        vote = create_vote(
            consultation,
            officer,
            VoteDetails(
                title=details.pop("title", f"A {method.value} vote"),
                method=method,
                opens_at=now + opens_in,
                closes_at=now + opens_in + lasts,
                stated_options=stated,
                eligibility=details.pop("eligibility", Eligibility.VERIFIED),
                **details,
            ),
            now=now + opens_in - timedelta(seconds=1),
        )
        db.session.commit()
        return vote

    return make


def option_ids(vote: Vote) -> dict[str, str]:
    """The vote's option ids as form values, by label."""
    return {o.label: str(o.id) for o in vote.options}


class _Poster(FormPoster):
    """Post forms with a CSRF token from a page that has one whether signed in or not."""

    def __call__(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any):
        if "token_page" not in kwargs:
            # Signed in, the sign-out form on every page carries a token.
            kwargs["token_page"] = "/" if _has_form("/", self.client) else "/sign-in"
        return super().__call__(url, data, **kwargs)


def _has_form(page: str, client: Any) -> bool:
    return 'name="csrf_token"' in client.get(page).get_data(as_text=True)


@pytest.fixture
def post_form(client) -> FormPoster:
    """`post_form(url, data)`: as the suite's, signed in or not."""
    return _Poster(client)


@pytest.fixture
def sign_in(client, post_form) -> Callable[..., Any]:
    """`sign_in(user)`: sign the client in as `user`, signing out whoever was first."""

    def do(user: Any, password: str = DEFAULT_PASSWORD) -> Any:
        client._cookies.clear()  # a fresh browser: no session, no remember-me cookie
        response = post_form("/sign-in", {"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return do
