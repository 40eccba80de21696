"""Races: many requests at once for the same thing, through a real threaded server.

Each test signs people in through the form, then fires the same POST from many
threads released together by a barrier, with one session's cookie and CSRF token
(or several people's). Whatever the interleaving, the database must end up as if
the requests had come one after another: one ballot, one support, one flag per
person, the community-flag threshold tripped once, one decision on a post. No
answer may be a 500; refusals are clear 4xx answers.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import permutations
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.conftest import DEFAULT_PASSWORD
from tests.security.plain_http import Credentials, Reply, WebSession, post_at_once
from townhall.accounts.permissions import Role
from townhall.database import utcnow
from townhall.dialogue import service as dialogue
from townhall.dialogue.models import Comment, Reaction, ReactionKind
from townhall.extensions import db
from townhall.live import state as live_state
from townhall.moderation.models import (
    Appeal,
    AuditEntry,
    CaseState,
    Flag,
    ModerationCase,
    ModerationDecision,
    Verdict,
)
from townhall.notifications.models import Notification
from townhall.proposals import service as proposals
from townhall.proposals import votes
from townhall.proposals.models import Ballot, BallotMark, Method, Proposal, Support
from townhall.proposals.votes import VoteDetails

BURST = 100


# --- helpers -----------------------------------------------------------------------


def flashes(app: Flask, reply: Reply) -> list[str]:
    """The messages a reply flashed, read from the session cookie it set."""
    cookie = reply.set_cookies.get(app.config["SESSION_COOKIE_NAME"])
    if not cookie:
        return []
    data = app.session_interface.get_signing_serializer(app).loads(cookie)  # type: ignore[attr-defined]
    return [message for _category, message in data.get("_flashes", [])]


def session_value(app: Flask, reply: Reply, key: str) -> Any:
    """A value the reply stored in the session."""
    cookie = reply.set_cookies.get(app.config["SESSION_COOKIE_NAME"])
    assert cookie, "the reply set no session cookie"
    return app.session_interface.get_signing_serializer(app).loads(cookie).get(key)  # type: ignore[attr-defined]


def assert_clear_answers(replies: list[Reply], allowed: set[int]) -> None:
    """No 500s, and every answer is one the test expects."""
    statuses = sorted(r.status for r in replies)
    assert all(s < 500 for s in statuses), statuses
    assert set(statuses) <= allowed, statuses


def fresh() -> None:
    """Forget what the test's own session has loaded, so it reads what the server wrote."""
    db.session.rollback()
    db.session.expire_all()


@pytest.fixture
def signed_in(app, live_server) -> Any:
    """`signed_in(user)`: a WebSession signed in as `user`, and its frozen credentials."""
    # Everyone signs in from 127.0.0.1: lift the per-address limit for the crowd.
    app.config["RATELIMIT_SIGN_IN"] = "10000 per minute"

    def sign_in(user: Any) -> tuple[WebSession, Credentials]:
        web = WebSession(live_server)
        web.sign_in(user.email, DEFAULT_PASSWORD)
        return web, web.credentials()

    return sign_in


@pytest.fixture
def officer(create_user):
    """The officer who runs the consultation."""
    return create_user(role=Role.OFFICER, display_name="Ola Officer")


@pytest.fixture
def consultation(create_consultation, officer):
    """An open consultation with dialogue, proposals and voting."""
    return create_consultation(author=officer, uses_proposals=True, uses_voting=True)


@pytest.fixture
def vote(consultation, officer):
    """An open instant-runoff vote on three options."""
    now = utcnow()
    made = votes.create_vote(
        consultation,
        officer,
        VoteDetails(
            title="Which first?",
            method=Method.IRV,
            opens_at=now,
            closes_at=now + timedelta(days=7),
            stated_options=[("Apples", None), ("Bananas", None), ("Cherries", None)],
        ),
        now=now,
    )
    db.session.commit()
    return made


# --- ballots -----------------------------------------------------------------------


def test_a_hundred_ballots_at_once_from_one_person_make_one_ballot(
    app, live_server, signed_in, create_user, vote
):
    voter = create_user(display_name="Vera Voter")
    web, me = signed_in(voter)
    options = [str(o.id) for o in vote.options]
    rankings = [list(p) for p in permutations(options)]
    forms = [{"rank": rankings[n % len(rankings)]} for n in range(BURST)]

    replies = post_at_once(web, f"/votes/{vote.id}/ballot", forms, me)

    assert_clear_answers(replies, {303})
    said = [m for r in replies for m in flashes(app, r)]
    assert said.count("Your ballot is recorded.") == 1, said
    assert said.count("Your ballot is changed.") == BURST - 1
    fresh()
    ballots = db.session.scalars(select(Ballot).where(Ballot.vote_id == vote.id)).all()
    assert len(ballots) == 1
    marks = db.session.scalars(
        select(BallotMark.option_id)
        .where(BallotMark.ballot_id == ballots[0].id)
        .order_by(BallotMark.rank)
    ).all()
    # Exactly one of the ballots sent, whole: never two ballots' marks mixed.
    assert [str(m) for m in marks] in rankings
    codes = {session_value(app, r, f"receipt-{vote.id}") for r in replies}
    assert ballots[0].receipt_hash in {votes._receipt_hash(c) for c in codes}
    assert votes.ballots_cast(vote) == 1


def test_ballots_from_many_people_at_once_all_count(app, live_server, signed_in, create_user, vote):
    people = [signed_in(create_user(display_name=f"Voter {n}")) for n in range(20)]
    apples = str(vote.options[0].id)

    replies = post_at_once(
        people[0][0],
        f"/votes/{vote.id}/ballot",
        [{"rank": [apples]}] * len(people),
        [credentials for _web, credentials in people],
    )

    assert_clear_answers(replies, {303})
    fresh()
    assert votes.ballots_cast(vote) == len(people)
    assert votes.count_marks(vote) == {(int(apples), None): len(people)}


# --- supports ----------------------------------------------------------------------


@pytest.fixture
def proposal(consultation, create_user):
    """A published proposal by someone else."""
    made = proposals.submit_proposal(
        consultation,
        create_user(display_name="Pat Proposer"),
        proposals.ProposalDetails(title="A bench by the pond", body="Somewhere to sit."),
    )
    db.session.commit()
    return made


def test_a_hundred_supports_at_once_from_one_person_make_one_support(
    app, live_server, signed_in, create_user, proposal
):
    web, me = signed_in(create_user(display_name="Sam Supporter"))

    replies = post_at_once(
        web, f"/proposals/{proposal.id}/support", [{"action": "support"}] * BURST, me
    )

    assert_clear_answers(replies, {303})
    said = [m for r in replies for m in flashes(app, r)]
    assert said.count("You support this proposal.") == 1, said
    assert said.count("You already support it.") == BURST - 1
    fresh()
    assert (
        db.session.scalar(
            select(func.count()).select_from(Support).where(Support.proposal_id == proposal.id)
        )
        == 1
    )
    assert db.session.get(Proposal, proposal.id).support_count == 1


def test_supports_from_many_people_at_once_all_count_and_shortlist_once(
    app, live_server, signed_in, create_user, consultation, proposal
):
    proposals.set_support_threshold(consultation, 10)
    db.session.commit()
    people = [signed_in(create_user(display_name=f"Supporter {n}")) for n in range(20)]

    replies = post_at_once(
        people[0][0],
        f"/proposals/{proposal.id}/support",
        [{"action": "support"}] * len(people),
        [credentials for _web, credentials in people],
    )

    assert_clear_answers(replies, {303})
    said = [m for r in replies for m in flashes(app, r)]
    assert said.count("You support this proposal. It is shortlisted for the vote.") >= 1
    fresh()
    proposal = db.session.get(Proposal, proposal.id)
    assert proposal.support_count == len(people)
    assert proposal.is_shortlisted
    # The consultation's room hears of the shortlisting once, not once per late supporter.
    told = live_state(app).store.since(f"consultation:{consultation.id}", 0) or []
    assert [e["event"] for e in told].count("proposal_shortlisted") == 1


# --- flags -------------------------------------------------------------------------


@pytest.fixture
def comment(consultation, create_user):
    """A published comment by Cleo."""
    made = dialogue.post_comment(
        consultation, create_user(display_name="Cleo Commenter"), "Sunday opening, please."
    )
    db.session.commit()
    return made


@pytest.fixture
def flag_freely(app):
    """Lift the per-person flag rate limit, so every request reaches the service."""
    app.config["RATELIMIT_FLAG"] = "10000 per hour"


def _case(comment) -> ModerationCase:
    return db.session.scalars(
        select(ModerationCase).where(
            ModerationCase.kind == "comment", ModerationCase.content_id == comment.id
        )
    ).one()


def test_flags_at_once_from_one_person_count_once(
    app, live_server, signed_in, create_user, comment, flag_freely
):
    web, me = signed_in(create_user(display_name="Fay Flagger"))

    replies = post_at_once(
        web, f"/moderation/flag/comment/{comment.id}", [{"clause": "1.1"}] * BURST, me
    )

    assert_clear_answers(replies, {303, 409})
    assert [r.status for r in replies].count(303) == 1
    fresh()
    case = _case(comment)
    assert (
        db.session.scalar(select(func.count()).select_from(Flag).where(Flag.case_id == case.id))
        == 1
    )
    assert case.flag_count == 1
    assert case.state is CaseState.REVIEW


def assert_hidden_once_at_threshold(case: ModerationCase, threshold: int) -> None:
    """The post took exactly `threshold` flags, and was hidden by one decision."""
    flags = db.session.scalar(select(func.count()).select_from(Flag).where(Flag.case_id == case.id))
    assert flags == case.flag_count == threshold
    assert case.state is CaseState.FLAGGED
    hidden = db.session.scalars(
        select(ModerationDecision).where(
            ModerationDecision.case_id == case.id, ModerationDecision.verdict == Verdict.FLAGGED
        )
    ).all()
    assert len(hidden) == 1


def test_flags_at_once_from_many_people_trip_the_threshold_once(
    app, live_server, signed_in, create_user, comment, flag_freely
):
    threshold = app.extensions["townhall.standards"].settings.flag_threshold
    people = [signed_in(create_user(display_name=f"Flagger {n}")) for n in range(threshold * 4)]
    fresh()
    case = _case(comment)
    before = db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == comment.author_id)
    )

    replies = post_at_once(
        people[0][0],
        f"/moderation/flag/comment/{comment.id}",
        [{"clause": "1.1"}] * len(people),
        [credentials for _web, credentials in people],
    )

    assert_clear_answers(replies, {303, 409})
    # Flags up to the threshold are taken; once the post is hidden, later ones are not.
    assert [r.status for r in replies].count(303) == threshold
    fresh()
    case = _case(comment)
    assert_hidden_once_at_threshold(case, threshold)
    entries = [
        e
        for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.subject == f"comment:{comment.id}")
        )
        if '"verdict":"flagged"' in e.data
    ]
    assert len(entries) == 1
    after = db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == comment.author_id)
    )
    assert after - before == 1


# --- moderation decisions ------------------------------------------------------------


def test_decisions_at_once_on_one_post_make_one_decision(
    app, live_server, signed_in, create_user, consultation
):
    author = create_user(display_name="Hal Held")
    held = dialogue.post_comment(consultation, author, "Go back to where you came from.")
    db.session.commit()
    case = _case(held)
    assert case.state is CaseState.HELD
    moderators = [
        signed_in(create_user(role=Role.MODERATOR, display_name=f"Moderator {n}")) for n in range(2)
    ]
    told_before = db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == author.id)
    )
    entries_before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    forms = [
        {"verdict": "approve"} if n % 2 else {"verdict": "remove", "clause": "2.1"}
        for n in range(BURST // 2)
    ]

    replies = post_at_once(
        moderators[0][0],
        f"/moderation/cases/{case.id}",
        forms,
        [moderators[n % 2][1] for n in range(len(forms))],
    )

    assert_clear_answers(replies, {303, 409})
    assert [r.status for r in replies].count(303) == 1
    fresh()
    case = _case(held)
    assert case.state in (CaseState.APPROVED, CaseState.REJECTED)
    human = db.session.scalars(
        select(ModerationDecision).where(
            ModerationDecision.case_id == case.id, ModerationDecision.moderator_id.is_not(None)
        )
    ).all()
    assert len(human) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == entries_before + 1
    told_after = db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == author.id)
    )
    assert told_after == told_before + 1


# --- reactions ---------------------------------------------------------------------


def test_reactions_at_once_keep_one_per_person_and_a_true_count(
    app, live_server, signed_in, create_user, comment
):
    me = create_user(display_name="Rae Reactor")
    others = [create_user(display_name=f"Reactor {n}") for n in range(10)]
    web, mine = signed_in(me)
    theirs = [signed_in(person)[1] for person in others]
    path = f"/consultations/{comment.consultation_id}/comments/{comment.id}/reactions"

    # One person toggling many times at once, beside ten people reacting once each.
    senders = [mine] * (BURST // 2) + theirs
    replies = post_at_once(web, path, [{"kind": "agree"}] * len(senders), senders)

    assert_clear_answers(replies, {302, 303})
    fresh()
    rows = db.session.scalars(
        select(Reaction.user_id).where(
            Reaction.comment_id == comment.id, Reaction.kind == ReactionKind.AGREE
        )
    ).all()
    assert len(set(rows)) == len(rows), "a person reacted twice"
    assert set(rows) - {me.id} == {person.id for person in others}
    assert db.session.get(Comment, comment.id).agree_count == len(rows)


def test_appeal_decisions_at_once_make_one_decision(
    app, live_server, signed_in, create_user, consultation
):
    from townhall.moderation import service as moderation

    author = create_user(display_name="Ada Appellant")
    held = dialogue.post_comment(consultation, author, "Go back to where you came from.")
    db.session.commit()
    first = create_user(role=Role.MODERATOR, display_name="First Moderator")
    moderation.decide_case(_case(held), first, Verdict.REMOVE, clause_number="2.1")
    appeal = moderation.appeal_case(_case(held), author, "I was quoting someone to argue back.")
    db.session.commit()
    others = [
        signed_in(create_user(role=Role.MODERATOR, display_name=f"Appeal Moderator {n}"))
        for n in range(2)
    ]
    told_before = db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == author.id)
    )
    forms = [
        {"outcome": "uphold" if n % 2 else "dismiss", "answer": f"Decided ({n})."}
        for n in range(BURST // 2)
    ]

    replies = post_at_once(
        others[0][0],
        f"/moderation/appeals/{appeal.id}",
        forms,
        [others[n % 2][1] for n in range(len(forms))],
    )

    assert_clear_answers(replies, {303, 409})
    assert [r.status for r in replies].count(303) == 1
    fresh()
    decided = db.session.scalars(
        select(AuditEntry.data).where(AuditEntry.event == "appeal_decided")
    ).all()
    assert len(decided) == 1
    assert db.session.get(Appeal, appeal.id).answer in decided[0]
    told_after = db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == author.id)
    )
    assert told_after == told_before + 1
