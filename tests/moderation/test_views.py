"""Moderation's pages through the Flask client: the standards, flagging, the queue,
decisions, sanctions enforced, appeals, figures, and every kind of bad input."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from townhall.accounts.permissions import Role
from townhall.dialogue.models import Comment
from townhall.extensions import db
from townhall.moderation import service
from townhall.moderation.models import (
    Appeal,
    CaseState,
    Flag,
    ModerationCase,
    SanctionKind,
    Verdict,
)


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def say(post_form, consultation):
    """`say(body)`: post the comment form as a browser would."""

    def do(body: str):
        return post_form(
            f"/consultations/{consultation.id}/comments",
            {"comment-body": body},
            token_page=f"/consultations/{consultation.id}",
        )

    return do


@pytest.fixture
def held(post, citizen):
    """A citizen's first comment, held for a moderator; its case."""
    comment = post(citizen, "Call Jo on 07700 900123 about the Sunday rota.")
    return service.find_case("comment", comment.id)


# --- the standards ------------------------------------------------------------------


def test_anyone_can_read_the_standards(client):
    response = client.get("/standards")
    assert response.status_code == 200
    page = text_of(response)
    assert "3.2" in page and "Do not post anyone's personal details" in page
    assert 'id="clause-1.1"' in page


# --- posting under the standards ---------------------------------------------------


def test_a_rejected_comment_comes_back_with_the_clause_and_a_422(client, sign_in, citizen, say):
    sign_in(citizen)
    response = say("The librarian is a total idiot.")
    assert response.status_code == 422
    page = text_of(response)
    assert "clause 1.1" in page and "Do not abuse, insult or harass anyone" in page
    assert "The librarian is a total idiot." in page.split("<textarea", 1)[-1]
    assert db.session.scalar(select(Comment)) is None
    case = db.session.scalars(select(ModerationCase)).one()
    assert case.state is CaseState.REJECTED and "1.1" in case.clauses


def test_the_author_sees_awaiting_moderation_on_their_held_comment(
    client, sign_in, citizen, say, consultation
):
    sign_in(citizen)
    response = say("My first comment: open on Sundays!")
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    # Its author reads their own words, and that nobody else can yet (issue 15).
    assert "open on Sundays" in page
    assert "Only you can see this until a moderator checks it" in page
    assert "held for a moderator" in page and "has been posted" not in page
    notices = text_of(client.get("/notifications"))
    assert "awaiting moderation under clause 8.1" in notices


def test_a_muted_person_is_refused_with_why_and_until_when(
    client, sign_in, citizen, moderator, say, trust
):
    trust(citizen)
    service.sanction_user(citizen, moderator, SanctionKind.MUTE, "1.1", "Insults", hours=24)
    db.session.commit()
    sign_in(citizen)
    response = say("Am I allowed to say this?")
    assert response.status_code == 403
    page = text_of(response)
    assert "You are muted until" in page and "clause 1.1" in page and "Insults." in page
    assert "Am I allowed to say this?" in page.split("<textarea", 1)[-1]


def test_a_suspended_person_only_reaches_why_and_the_appeal(
    client, sign_in, citizen, moderator, consultation
):
    service.sanction_user(citizen, moderator, SanctionKind.SUSPEND, "1.3", "Threats", hours=72)
    db.session.commit()
    sign_in(citizen)
    response = client.get(f"/consultations/{consultation.id}")
    assert response.status_code == 302 and response.headers["Location"] == "/moderation/mine"
    page = text_of(client.get("/moderation/mine"))
    assert "You are suspended until" in page and "clause 1.3" in page and "Threats." in page
    assert client.get("/standards").status_code == 200


# --- flags --------------------------------------------------------------------------


def test_flagging_through_the_form(client, sign_in, post_form, post, citizen, neighbour, trust):
    trust(citizen)
    comment = post(citizen, "Sunday opening is a waste.")
    sign_in(neighbour)
    url = f"/moderation/flag/comment/{comment.id}"
    assert client.get(url).status_code == 200
    missing = post_form(url, {"clause": ""}, token_page=url)
    assert missing.status_code == 400
    assert "Choose the clause of the standards" in text_of(missing)
    done = post_form(url, {"clause": "1.1", "note": "Rude"}, token_page=url)
    assert done.status_code == 303
    again = post_form(url, {"clause": "1.1"}, token_page=url)
    assert again.status_code == 409 and "already flagged" in text_of(again)
    assert db.session.scalar(select(Flag)).clause == "1.1"
    assert client.get("/moderation/flag/comment/999999").status_code == 404
    assert client.get(f"/moderation/flag/nonsense/{comment.id}").status_code == 404


def test_flagging_is_rate_limited(app, client, sign_in, post_form, create_user, post, trust):
    app.config["RATELIMIT_FLAG"] = "2 per hour"
    authors = [create_user() for _ in range(3)]
    comments = []
    for author in authors:
        trust(author)
        comments.append(post(author, f"A fine post by {author.display_name}."))
    flagger = create_user()
    sign_in(flagger)
    statuses = [
        post_form(
            f"/moderation/flag/comment/{c.id}",
            {"clause": "1.1"},
            token_page=f"/moderation/flag/comment/{c.id}",
        ).status_code
        for c in comments
    ]
    assert statuses == [303, 303, 429]


def test_flagging_needs_signing_in(client, post, citizen):
    comment = post(citizen)
    response = client.get(f"/moderation/flag/comment/{comment.id}")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


# --- the queue and decisions -----------------------------------------------------


def test_the_queue_needs_the_moderate_permission(client, sign_in, citizen, create_user):
    assert client.get("/moderation").status_code == 302
    sign_in(citizen)
    assert client.get("/moderation").status_code == 403
    assert client.get("/moderation/cases/1").status_code == 403


def test_a_moderator_redacts_and_approves_from_the_queue(
    client, sign_in, post_form, moderator, held, citizen
):
    sign_in(moderator)
    queue = text_of(client.get("/moderation"))
    assert "Awaiting moderation" in queue
    assert '<mark class="moderation-match" title="Clause 3.2">07700 900123' in queue
    url = f"/moderation/cases/{held.id}"
    response = post_form(
        url,
        {"verdict": "redact_approve", "clause": "3.2", "remove_text": "Jo"},
        token_page=url,
    )
    assert response.status_code == 303
    comment = db.session.get(Comment, held.content_id)
    assert comment.body == "Call [removed: personal details] on [removed: personal details] " \
        "about the Sunday rota."  # fmt: skip
    again = post_form(url, {"verdict": "approve"}, token_page=url)
    assert again.status_code == 409 and "already decided" in text_of(again)


def test_rejecting_without_a_clause_is_a_400(client, sign_in, post_form, moderator, held):
    sign_in(moderator)
    url = f"/moderation/cases/{held.id}"
    response = post_form(url, {"verdict": "remove", "clause": ""}, token_page=url)
    assert response.status_code == 400
    assert "Choose the clause" in text_of(response)
    assert db.session.get(ModerationCase, held.id).state is CaseState.HELD


def test_bulk_approval(client, sign_in, post_form, moderator, post, citizen, neighbour):
    cases = [
        service.find_case("comment", post(person, "A first post.").id)
        for person in (citizen, neighbour)
    ]
    sign_in(moderator)
    response = post_form(
        "/moderation/bulk",
        {"cases": [str(c.id) for c in cases], "verdict": "approve"},
        token_page="/moderation",
    )
    assert response.status_code == 303
    assert all(db.session.get(ModerationCase, c.id).state is CaseState.APPROVED for c in cases)
    empty = post_form("/moderation/bulk", {"verdict": "approve"}, token_page="/moderation")
    assert empty.status_code == 400 and "Tick at least one post" in text_of(empty)


# --- sanctions and appeals --------------------------------------------------------


def test_a_moderator_mutes_through_the_form(client, sign_in, post_form, moderator, citizen):
    sign_in(moderator)
    url = f"/moderation/people/{citizen.id}/sanction"
    no_period = post_form(
        url, {"kind": "mute", "clause": "1.1", "reason": "Insults"}, token_page=url
    )
    assert no_period.status_code == 400 and "period in hours" in text_of(no_period)
    done = post_form(
        url, {"kind": "mute", "clause": "1.1", "reason": "Insults", "hours": "24"}, token_page=url
    )
    assert done.status_code == 303
    assert service.restriction_for(citizen).kind is SanctionKind.MUTE


def test_appealing_twice_is_a_409(client, sign_in, post_form, citizen, moderator, held):
    service.decide_case(held, moderator, Verdict.REMOVE, clause_number="3.2")
    db.session.commit()
    sign_in(citizen)
    url = f"/moderation/mine/cases/{held.id}/appeal"
    first = post_form(url, {"reason": "It was my own number."}, token_page="/moderation/mine")
    assert first.status_code == 303
    second = post_form(url, {"reason": "Please!"}, token_page="/moderation/mine")
    assert second.status_code == 409
    assert "already appealed" in text_of(second)
    assert db.session.scalars(select(Appeal)).one().reason == "It was my own number."


def test_a_moderator_cannot_decide_an_appeal_against_their_own_decision(
    client, sign_in, post_form, citizen, moderator, second_moderator, held
):
    service.decide_case(held, moderator, Verdict.REMOVE, clause_number="3.2")
    appeal = service.appeal_case(held, citizen, "It was my own number.")
    db.session.commit()
    sign_in(moderator)
    url = f"/moderation/appeals/{appeal.id}"
    refused = post_form(url, {"outcome": "uphold", "answer": "Fine"}, token_page=url)
    assert refused.status_code == 403
    assert "a different moderator must decide" in text_of(refused)
    assert db.session.get(Appeal, appeal.id).state.value == "pending"


def test_the_author_reads_their_decisions_and_appeals_once(
    client, sign_in, citizen, moderator, held
):
    service.decide_case(held, moderator, Verdict.REMOVE, clause_number="3.2")
    db.session.commit()
    sign_in(citizen)
    page = text_of(client.get("/moderation/mine"))
    assert "not published" in page and "clause 3.2" in page
    assert "Appeal: why should this change?" in page


# --- figures ------------------------------------------------------------------------


def test_figures_are_not_for_citizens(client, sign_in, citizen):
    sign_in(citizen)
    assert client.get("/moderation/figures").status_code == 403


def test_officers_read_the_figures(client, sign_in, create_user, held):
    sign_in(create_user(role=Role.OFFICER))
    page = text_of(client.get("/moderation/figures"))
    assert "Posts held to the standards" in page and "Library opening hours" in page


def test_signing_up_with_contact_details_in_the_name_is_a_422(client, post_form):
    response = post_form(
        "/sign-up",
        {
            "display_name": "Jo 07700 900123",
            "email": "jo@example.org",
            "password": "correct horse battery staple",
            "confirm": "correct horse battery staple",
        },
        token_page="/sign-up",
    )
    assert response.status_code == 422
    page = text_of(response)
    assert "clause 6.3" in page and 'value="jo@example.org"' in page
