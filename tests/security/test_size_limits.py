"""Every size is bounded, and going over says so clearly (a 413 or another 4xx).

Request bodies (MAX_CONTENT_LENGTH: an HTML page for forms, problem+json for the
API), comments and proposals (the channel standards' length clause, within what is
stored), display names, ballots (10,000 rankings, options that do not exist, scores
out of range), uploads (there are none), socket messages (the payload limit and the
transport's frame limit) and query strings. Each limit comes from one place in the
code, which the form's words and the refusal's both use; the tests read it there.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from tests.conftest import (
    DEFAULT_PASSWORD,
    IsolatedClient,
    csrf_token_from,
    empty_all_tables,
    settings_for_tests,
)
from townhall import create_app
from townhall.accounts.models import DISPLAY_NAME_MAX, User
from townhall.accounts.permissions import Role
from townhall.api.core import MAX_BODY_BYTES
from townhall.database import utcnow
from townhall.dialogue.service import BODY_MAX as COMMENT_BODY_MAX
from townhall.errors import MAX_QUERY_STRING_BYTES
from townhall.extensions import db, limiter
from townhall.live.events import MAX_FRAME_BYTES, MAX_PAYLOAD_BYTES
from townhall.moderation.standards import DEFAULT_STANDARDS
from townhall.proposals.models import Ballot, Method, Vote
from townhall.proposals.votes import VoteDetails, create_vote


def token_of(client: FlaskClient, page: str) -> str:
    """The CSRF token of the form on `page`."""
    return csrf_token_from(client, page)


def signed_in(app: Flask, user: User | None) -> FlaskClient:
    """A new browser, signed in as `user` (or not)."""
    app.test_client_class = IsolatedClient
    client = app.test_client()
    if user is not None:
        response = client.post(
            "/sign-in",
            data={
                "email": user.email,
                "password": DEFAULT_PASSWORD,
                "csrf_token": token_of(client, "/sign-in"),
            },
        )
        assert response.status_code == 302
    return client


def text_of(response: Any) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def consultation(create_consultation):
    return create_consultation(status="open", uses_proposals=True, uses_voting=True)


@pytest.fixture
def citizen(create_user) -> User:
    return create_user(display_name="Cara Citizen")


# --- request bodies -----------------------------------------------------------------


# Flask's MAX_CONTENT_LENGTH (townhall/config.py): every page's body limit.
BODY_LIMIT = 2 * 1024 * 1024


def test_the_body_limit_is_one_setting(app):
    assert app.config["MAX_CONTENT_LENGTH"] == BODY_LIMIT


def test_a_form_body_over_the_limit_is_a_413_page(app, consultation, citizen):
    client = signed_in(app, citizen)
    url = f"/consultations/{consultation.id}/comments"
    token = token_of(client, url)
    limit = BODY_LIMIT
    response = client.post(url, data={"csrf_token": token, "comment-body": "x" * limit})
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    page = text_of(response)
    assert "That is too large" in page and "Shorten it and try again" in page
    # Just under the limit the body is read, and the comment refused for its length.
    response = client.post(url, data={"csrf_token": token, "comment-body": "x" * (limit - 200)})
    assert response.status_code == 400
    assert "Comments can be at most" in text_of(response)


def test_an_api_body_over_its_own_limit_is_a_413_problem(app, consultation, citizen):
    from townhall.api.tokens import create_token

    secret = create_token(citizen, "size test", ["read", "write"]).secret
    db.session.commit()
    app.test_client_class = IsolatedClient
    body = json.dumps({"body": "x" * MAX_BODY_BYTES})
    response = app.test_client().post(
        f"/api/v1/consultations/{consultation.id}/comments",
        data=body,
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 413
    assert problem["detail"] == (
        f"The request body is larger than the API accepts ({MAX_BODY_BYTES:,} bytes)."
    )


# --- comments, proposals and names under the council's standards --------------------


@pytest.fixture
def standards_app(_migrated, database_url, redis_url, outbox: Path) -> Iterator[Flask]:
    """An app under the default standards (with their length clauses), every table empty."""
    settings = settings_for_tests(database_url, redis_url, outbox)
    settings["TOWNHALL_STANDARDS"] = str(DEFAULT_STANDARDS)
    application = create_app(settings)
    with application.app_context():
        limiter.reset()
        yield application
    empty_all_tables(application)


@pytest.fixture
def standards_world(standards_app) -> dict[str, Any]:
    """An open consultation and a citizen, under the default standards."""
    from townhall.accounts import service as accounts
    from townhall.consultations import service
    from townhall.consultations.models import Audience

    service.ensure_default_areas()
    areas = {a.name: a for a in service.list_areas()}
    officer = accounts.register_user(
        "officer@example.org", "Olive Officer", DEFAULT_PASSWORD, role=Role.OFFICER, verified=True
    )
    citizen = accounts.register_user(
        "citizen@example.org", "Cara Citizen", DEFAULT_PASSWORD, verified=True
    )
    now = utcnow()
    consultation = service.create_consultation(
        officer,
        service.ConsultationDetails(
            title="Library opening hours",
            summary="Should the library open on Sundays?",
            body="We propose Sunday opening.",
            process_area_id=areas["Community Consultations"].id,
            service_area_id=areas["Libraries"].id,
            audience=Audience.PUBLIC,
            opens_at=now + timedelta(days=1),
            closes_at=now + timedelta(days=30),
            uses_proposals=True,
        ),
    )
    service.open_consultation(consultation)
    db.session.commit()
    return {"consultation": consultation, "citizen": citizen}


def _standards_limit(kind: str) -> int:
    from townhall.moderation.service import longest_allowed

    limit = longest_allowed(kind)
    assert limit is not None, f"the default standards limit {kind}s"
    return limit


def test_the_comment_form_states_and_keeps_the_standards_limit(standards_app, standards_world):
    limit = _standards_limit("comment")
    assert limit < COMMENT_BODY_MAX, "the standards are stricter than what is stored"
    client = signed_in(standards_app, standards_world["citizen"])
    url = f"/consultations/{standards_world['consultation'].id}/comments"
    page = text_of(client.get(url))
    assert f"Up to {limit:,} characters" in page
    words = ("We need later opening on Thursdays for people who work. " * 200)[: limit + 1]
    response = client.post(url, data={"csrf_token": token_of(client, url), "comment-body": words})
    assert response.status_code == 400
    page = text_of(response)
    assert f"Comments can be at most {limit:,} characters; this one has {limit + 1:,}" in page
    assert "We need later opening on Thursdays for people who work." in page


def test_the_comment_limit_is_what_is_stored_without_a_length_clause(app, consultation, citizen):
    client = signed_in(app, citizen)
    url = f"/consultations/{consultation.id}/comments"
    assert f"Up to {COMMENT_BODY_MAX:,} characters" in text_of(client.get(url))
    token = token_of(client, url)
    response = client.post(url, data={"csrf_token": token, "comment-body": "y" * COMMENT_BODY_MAX})
    assert response.status_code in (302, 303)
    response = client.post(
        url, data={"csrf_token": token, "comment-body": "y" * (COMMENT_BODY_MAX + 1)}
    )
    assert response.status_code == 400


def test_the_proposal_form_states_and_keeps_the_standards_limit(standards_app, standards_world):
    limit = _standards_limit("proposal")
    client = signed_in(standards_app, standards_world["citizen"])
    url = f"/consultations/{standards_world['consultation'].id}/proposals/new"
    page = text_of(client.get(url))
    assert f"in up to {limit:,} characters with the title" in page
    title = "A reading garden"
    body = "Plant a reading garden behind the library. " * 200
    body = body[: limit - len(title) - 2 + 1].strip() + "!"
    response = client.post(
        url, data={"csrf_token": token_of(client, url), "title": title, "body": body}
    )
    assert response.status_code == 400
    page = text_of(response)
    assert f"A proposal can be at most {limit:,} characters with its title" in page
    assert "Plant a reading garden behind the library." in page


def test_the_sign_up_form_states_and_keeps_the_standards_name_limit(standards_app):
    limit = _standards_limit("display_name")
    assert limit < DISPLAY_NAME_MAX, "the standards are stricter than the column"
    client = signed_in(standards_app, None)
    page = text_of(client.get("/sign-up"))
    assert f"2 to {limit} characters" in page
    assert f'maxlength="{limit}"' in page
    name = "Bartholomew " * 5
    response = client.post(
        "/sign-up",
        data={
            "csrf_token": token_of(client, "/sign-up"),
            "display_name": name[: limit + 1],
            "email": "bart@example.org",
            "password": "correct horse battery staple",
            "confirm": "correct horse battery staple",
        },
    )
    assert response.status_code == 400
    page = text_of(response)
    assert f"Use 2 to {limit} characters; this name has {limit + 1}." in page
    assert 'value="bart@example.org"' in page


def test_without_a_name_clause_the_column_is_the_limit(app):
    client = signed_in(app, None)
    assert f"2 to {DISPLAY_NAME_MAX} characters" in text_of(client.get("/sign-up"))


# --- ballots ------------------------------------------------------------------------


@pytest.fixture
def make_vote(consultation) -> Callable[[Method], Vote]:
    officer = consultation.created_by

    def make(method: Method) -> Vote:
        now = utcnow()
        vote = create_vote(
            consultation,
            officer,
            VoteDetails(
                title=f"A {method.value} vote",
                method=method,
                opens_at=now - timedelta(minutes=1),
                closes_at=now + timedelta(days=7),
                stated_options=[("Apples", None), ("Bananas", None), ("Cherries", None)],
            ),
            now=now - timedelta(minutes=2),
        )
        db.session.commit()
        return vote

    return make


def _cast(client: FlaskClient, vote: Vote, fields: list[tuple[str, str]]):
    token = token_of(client, f"/votes/{vote.id}")
    return client.post(f"/votes/{vote.id}/ballot", data=MultiDict([("csrf_token", token), *fields]))


def test_a_ballot_of_ten_thousand_rankings_is_refused_quickly(app, make_vote, citizen):
    vote = make_vote(Method.IRV)
    client = signed_in(app, citizen)
    ids = [str(o.id) for o in vote.options]
    started = time.perf_counter()
    response = _cast(client, vote, [("rank", ids[n % len(ids)]) for n in range(10_000)])
    assert time.perf_counter() - started < 10
    assert response.status_code == 400
    assert "more than once" in text_of(response)
    assert db.session.scalar(db.select(db.func.count()).select_from(Ballot)) == 0


def test_a_ballot_naming_options_that_do_not_exist_is_refused(app, make_vote, citizen):
    vote = make_vote(Method.IRV)
    client = signed_in(app, citizen)
    for junk in ("999999", "0", "-1", "²", "99999999999999999999", "Apples"):
        response = _cast(client, vote, [("rank", junk)])
        assert response.status_code == 400, junk
        assert "names an option that is not in this vote" in text_of(response)


def test_a_score_out_of_range_is_refused(app, make_vote, citizen):
    vote = make_vote(Method.SCORE)
    client = signed_in(app, citizen)
    option = vote.options[0]
    for score in ("6", "-1", "99999999999999999999", "²", "2.5"):
        response = _cast(client, vote, [(f"score-{option.id}", score)])
        assert response.status_code == 400, score
        assert f"Give “{option.label}” a score from 0 to 5" in text_of(response)


def test_a_vote_option_cost_in_other_digits_is_refused(app, consultation):
    officer = consultation.created_by
    client = signed_in(app, officer)
    url = f"/consultations/{consultation.id}/votes/new"
    fields = {
        "csrf_token": token_of(client, url),
        "title": "Which projects?",
        "method": Method.PB_GREEDY.value,
        "seats": "1",
        "budget": "1000",
        "stated_options": "Benches | \u0663\u0660\u0660\nBins | 300",
        "opens_at": "2030-01-01T10:00",
        "closes_at": "2030-01-08T10:00",
        "eligibility": "verified",
    }
    response = client.post(url, data=fields)
    page = text_of(response)
    assert response.status_code == 400, page[page.find("error-summary") :][:600]
    assert "must be pounds" in page and "Benches | \u0663\u0660\u0660" in page


# --- uploads -------------------------------------------------------------------------


def test_no_form_takes_a_file_and_a_file_sent_anyway_is_ignored(app, consultation, citizen):
    from flask_wtf import FlaskForm
    from flask_wtf.file import FileField as WtfFileField
    from wtforms import FileField, MultipleFileField

    def every_form(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from every_form(sub)

    forms = list(every_form(FlaskForm))
    assert len(forms) >= 20
    for form in forms:
        for name in dir(form):
            unbound = getattr(form, name)
            field_class = getattr(unbound, "field_class", None)
            assert field_class not in (FileField, MultipleFileField, WtfFileField), (
                f"{form.__name__}.{name} takes a file: bound its size here"
            )
    from io import BytesIO

    client = signed_in(app, citizen)
    url = f"/consultations/{consultation.id}/comments"
    response = client.post(
        url,
        data={
            "csrf_token": token_of(client, url),
            "comment-body": "A comment with a file attached.",
            "attachment": (BytesIO(b"x" * 100_000), "big.bin"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code in (302, 303)


# --- query strings -------------------------------------------------------------------


def test_a_query_string_over_the_limit_is_a_414(app):
    app.test_client_class = IsolatedClient
    client = app.test_client()
    fits = "q=" + "a" * (MAX_QUERY_STRING_BYTES - 2)
    assert client.get(f"/consultations?{fits}").status_code == 200
    response = client.get(f"/consultations?{fits}b")
    assert response.status_code == 414
    assert "That address is too long" in text_of(response)
    response = client.get(f"/api/v1/consultations?{fits}b")
    assert response.status_code == 414
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == "The query string is longer than the API accepts."


# --- socket messages -----------------------------------------------------------------


def test_socket_frames_are_bounded_by_one_setting(app):
    from townhall.extensions import socketio

    assert socketio.server.eio.max_http_buffer_size == MAX_FRAME_BYTES
    assert MAX_PAYLOAD_BYTES < MAX_FRAME_BYTES


def test_an_oversized_socket_message_is_refused_and_a_huge_frame_closes_only_that_socket(
    live_server, consultation
):
    from tests.live.conftest import Recorder, close_all

    room = f"consultation:{consultation.id}"
    sender, bystander = Recorder(live_server).connect(), Recorder(live_server).connect()
    try:
        assert bystander.join(room)["ok"] is True
        answer = sender.call("join", {"room": room, "padding": "x" * MAX_PAYLOAD_BYTES})
        assert answer["error"] == "too_large"
        assert sender.join(room)["ok"] is True  # the socket carries on
        raw_socket = sender.client.eio.ws.sock
        sender.client.emit("join", {"room": room, "padding": "x" * (MAX_FRAME_BYTES + 1)})
        deadline = time.monotonic() + 10
        while sender.client.connected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not sender.client.connected, "the transport closes a frame over its limit"
        raw_socket.close()  # the client leaves its end open when the server drops it
        # Everyone else carries on.
        assert bystander.join(room)["ok"] is True
        again = Recorder(live_server).connect()
        try:
            assert again.join(room)["ok"] is True
        finally:
            again.close()
    finally:
        close_all([sender, bystander])
