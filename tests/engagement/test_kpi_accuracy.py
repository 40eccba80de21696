"""The KPIs count what a council's officers would expect, against a real database.

Three ways they used to mislead: "new participants" counted new accounts rather than
people first taking part; comment figures counted posts moderation held or refused;
turnout divided past votes by today's electorate.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from townhall.accounts import service as accounts
from townhall.accounts.permissions import Role
from townhall.database import utcnow
from townhall.dialogue import service as dialogue
from townhall.engagement.kpis import Scope, compute
from townhall.extensions import db
from townhall.moderation.models import CaseState
from townhall.moderation.service import find_case
from townhall.proposals import service as proposals
from townhall.proposals import votes
from townhall.proposals.models import Eligibility, Method
from townhall.proposals.service import ProposalDetails
from townhall.proposals.votes import BallotInput, VoteDetails


def _figure(key: str, scope: Scope, start, end) -> float | None:
    return compute(key, scope, start, end)


def _aged(user: Any, days: int) -> Any:
    """Make `user`'s account (and its email verification) `days` days old."""
    user.created_at = utcnow() - timedelta(days=days)
    user.email_verified_at = user.created_at
    return user


def _moderated(comment: Any, state: CaseState) -> None:
    case = find_case("comment", comment.id)
    assert case is not None
    case.state = state


def test_new_participants_are_people_first_taking_part_not_new_accounts(
    create_user, create_consultation
):
    now = utcnow()
    start, end = now - timedelta(days=7), now + timedelta(days=1)
    officer = create_user(role=Role.OFFICER)
    a = create_consultation(author=officer, title="Library hours", uses_proposals=True)
    b = create_consultation(author=officer, title="Bin collections")
    # Signed up last year, first took part this week: new this week.
    old = _aged(create_user(display_name="Old Hand"), 400)
    # Took part last month, and again this week: not new.
    veteran = _aged(create_user(display_name="Veteran"), 400)
    # Signed up long ago; first contribution a support this week: new.
    supporter = _aged(create_user(display_name="Supporter"), 200)
    # Took part in B last month, first in A this week: new to A, not to the council.
    elsewhere = _aged(create_user(display_name="Elsewhere"), 300)
    # Signed up this week and never took part: not a participant at all.
    create_user(display_name="Idle Newcomer")
    # Signed up this week; the only comment is held by moderation: nobody read it.
    held_only = create_user(display_name="Held Only")

    dialogue.post_comment(a, old, "Evenings, please.")
    earlier = dialogue.post_comment(a, veteran, "Saturdays, please.")
    earlier.created_at = now - timedelta(days=30)
    proposal = proposals.submit_proposal(
        a, veteran, ProposalDetails(title="Sunday opening", body="Open 10 to 4.")
    )
    proposals.support_proposal(proposal, supporter)
    before = dialogue.post_comment(b, elsewhere, "Weekly, please.")
    before.created_at = now - timedelta(days=30)
    dialogue.post_comment(a, elsewhere, "And longer hours.")
    _moderated(dialogue.post_comment(a, held_only, "My number is 07700 900123."), CaseState.HELD)
    db.session.commit()

    in_a = Scope(consultation_id=a.id)
    assert _figure("participants", in_a, start, end) == 4  # old, veteran, supporter, elsewhere
    assert _figure("new_participants", in_a, start, end) == 3  # not the veteran
    assert _figure("new_participants", Scope(), start, end) == 2  # nor elsewhere, council-wide
    # Last month the veteran (in A) and elsewhere (in B) took part for the first time.
    month_before = (now - timedelta(days=37), start)
    assert _figure("new_participants", Scope(), *month_before) == 2
    assert _figure("new_participants", in_a, *month_before) == 1


def test_comment_figures_count_only_what_the_public_could_read(create_user, create_consultation):
    now = utcnow()
    start, end = now - timedelta(days=7), now + timedelta(days=1)
    officer = create_user(role=Role.OFFICER)
    a = create_consultation(author=officer, title="Library hours")
    c1, c2, c3, c4 = (create_user(display_name=f"Citizen {n}") for n in range(1, 5))

    thread = dialogue.post_comment(a, c1, "Evenings matter more to me.")
    answered = dialogue.post_comment(a, c1, "When will you decide?", is_question=True)
    held = dialogue.post_comment(a, c2, "Here is my neighbour's address.")
    held_question = dialogue.post_comment(a, c2, "Why not ask my neighbour?", is_question=True)
    refused = dialogue.post_comment(a, c3, "A reply the moderators refused.", parent=thread)
    in_review = dialogue.post_comment(a, c4, "I agree with this.", parent=thread)
    db.session.flush()
    answered.question_due_at = now - timedelta(days=1)
    answered.answered_at = now - timedelta(days=2)
    held_question.question_due_at = now - timedelta(days=1)
    _moderated(held, CaseState.HELD)
    _moderated(held_question, CaseState.HELD)
    _moderated(refused, CaseState.REJECTED)
    _moderated(in_review, CaseState.REVIEW)  # published while it waits for a moderator
    db.session.commit()

    scope = Scope(consultation_id=a.id)
    assert _figure("comments", scope, start, end) == 2  # the thread and the answered question
    assert _figure("replies", scope, start, end) == 1  # the reply in review; not the refused
    # c2 and c3 wrote only what the public never saw.
    assert _figure("participants", scope, start, end) == 2
    assert _figure("residents_reached", scope, start, end) == 2
    # The held question, due and unanswered, is not held against the council.
    assert _figure("responses_on_time", scope, start, end) == 100.0
    # Moderation's own figure still sees every post: 4 of 6 were held, refused or queued.
    assert _figure("moderated_share", scope, start, end) == pytest.approx(66.7, abs=0.05)
    # A held post that a moderator approves counts from then on.
    _moderated(held, CaseState.APPROVED)
    db.session.commit()
    assert _figure("comments", scope, start, end) == 3
    assert _figure("participants", scope, start, end) == 3


def _past_vote(consultation: Any, officer: Any, **details: Any) -> tuple[Any, Any]:
    """A vote that opened 20 days ago and closed 10 days ago; returns it and a time
    inside its window."""
    now = utcnow()
    opens, closes = now - timedelta(days=20), now - timedelta(days=10)
    vote = votes.create_vote(
        consultation,
        officer,
        VoteDetails(
            title="Open on Sundays?",
            method=Method.MAJORITY,
            opens_at=opens,
            closes_at=closes,
            **details,
        ),
        now=opens - timedelta(minutes=1),
    )
    db.session.flush()
    return vote, opens + timedelta(days=1)


def test_turnout_counts_the_people_eligible_when_the_vote_closed(create_user, create_consultation):
    now = utcnow()
    officer = _aged(create_user(role=Role.OFFICER), 30)
    a = create_consultation(author=officer, title="Library hours", uses_voting=True)
    early1, early2 = (_aged(create_user(display_name=f"Early {n}"), 30) for n in (1, 2))
    late = _aged(create_user(display_name="Verified Late"), 30)
    late.email_verified_at = now - timedelta(days=5)  # after the close
    create_user(display_name="Newcomer")  # signed up after the close
    disabled_before = _aged(create_user(display_name="Gone Before"), 30)
    disabled_before.disabled_at = now - timedelta(days=15)  # before the close
    disabled_after = _aged(create_user(display_name="Gone After"), 30)
    disabled_after.disabled_at = now - timedelta(days=3)  # could vote when it closed
    db.session.flush()
    vote, during = _past_vote(a, officer)
    yes = str(vote.options[0].id)
    for voter in (early1, early2):
        votes.cast_ballot(vote, voter, BallotInput(choice=yes), now=during)
    db.session.commit()

    # 2 ballots of 4 eligible then: the officer, early1, early2, and the one disabled
    # since. Today's roll (5: with the late-verified and the newcomer) would say 40.
    scope = Scope(consultation_id=a.id)
    assert _figure("turnout", scope, now - timedelta(days=30), now + timedelta(days=1)) == 50.0


def test_staff_turnout_counts_staff_by_their_role_when_the_vote_closed(
    create_user, create_consultation
):
    now = utcnow()
    officer = _aged(create_user(role=Role.OFFICER), 30)
    a = create_consultation(author=officer, title="Office moves", uses_voting=True)
    staff = _aged(create_user(role=Role.STAFF, display_name="Staff All Along"), 30)
    demoted = _aged(create_user(role=Role.STAFF, display_name="Staff Then"), 30)
    promoted = [_aged(create_user(display_name=f"Staff Since {n}"), 30) for n in (1, 2)]
    db.session.flush()
    vote, during = _past_vote(a, officer, eligibility=Eligibility.STAFF)
    votes.cast_ballot(vote, staff, BallotInput(choice=str(vote.options[0].id)), now=during)
    changes = [accounts.change_role(demoted, Role.CITIZEN, changed_by=officer)]
    changes += [accounts.change_role(p, Role.STAFF, changed_by=officer) for p in promoted]
    for change in changes:
        change.changed_at = now - timedelta(days=3)  # all after the close
    db.session.commit()

    # 1 ballot of 3 staff then (the officer, staff, demoted); today's 4 would say 25.
    scope = Scope(consultation_id=a.id)
    figure = _figure("turnout", scope, now - timedelta(days=30), now + timedelta(days=1))
    assert figure == pytest.approx(33.3, abs=0.05)


def test_area_turnout_counts_residents_verified_by_the_close(create_user, create_consultation):
    from townhall.proposals.service import set_home_location

    now = utcnow()
    officer = _aged(create_user(role=Role.OFFICER), 30)
    a = create_consultation(author=officer, title="Park benches", uses_voting=True)
    a.latitude, a.longitude, a.radius_m = 51.5, -0.1, 2000
    resident = _aged(create_user(display_name="Resident"), 30)
    late = _aged(create_user(display_name="Verified Late"), 30)
    far = _aged(create_user(display_name="Far Away"), 30)
    for person, (lat, lon) in (
        (resident, (51.501, -0.1)),
        (late, (51.502, -0.1)),
        (far, (52.5, -0.1)),
    ):
        set_home_location(person, lat, lon).declared_at = now - timedelta(days=25)
    db.session.flush()
    vote, during = _past_vote(a, officer, eligibility=Eligibility.AREA_RESIDENTS)
    votes.cast_ballot(vote, resident, BallotInput(choice=str(vote.options[0].id)), now=during)
    late.email_verified_at = now - timedelta(days=5)  # after the close
    db.session.commit()

    # 1 ballot of the 1 resident of the area verified when it closed (not 2).
    scope = Scope(consultation_id=a.id)
    assert _figure("turnout", scope, now - timedelta(days=30), now + timedelta(days=1)) == 100.0
