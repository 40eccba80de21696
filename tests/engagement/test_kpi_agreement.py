"""Figures on one dashboard agree with each other, against a real database.

Every figure counts comments, proposals, supports and ballots by one definition each
(`kpis.COMMENTS`, ...): what the public can read now. So the weekly series sums to
the total over the same weeks, the figures by area sum to the council's, and nobody
is counted as taking part for something no figure counts. The world below has
published, deleted, held, flagged and refused comments, and supports of proposals
that moderation later took down; each figure is also counted by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from townhall.accounts.permissions import Role
from townhall.dialogue import service as dialogue
from townhall.engagement.dashboards import (
    Figures,
    area_rows,
    compute_figures,
    dashboard,
    public_summary,
    window,
)
from townhall.engagement.kpis import Scope, compute, contributions
from townhall.extensions import db
from townhall.moderation import service as moderation
from townhall.moderation.models import CaseState, Verdict
from townhall.proposals import service as proposals
from townhall.proposals import votes
from townhall.proposals.models import Method, ProposalStatus, Support
from townhall.proposals.service import ProposalDetails
from townhall.proposals.votes import BallotInput, VoteDetails

WEEKS = 4


@dataclass
class World:
    """What was done (see `world`), so tests can count it by hand."""

    a: Any
    b: Any
    start: datetime
    end: datetime
    citizens: list[Any]
    officer: Any
    moderator: Any
    flagged_proposal: Any


def _case(kind: str, content_id: int) -> Any:
    case = moderation.find_case(kind, content_id)
    assert case is not None
    return case


def _state(post: Any, state: CaseState, kind: str = "comment") -> Any:
    _case(kind, post.id).state = state
    return post


def _other_area(areas: dict[str, Any], kind: str, consultation: Any) -> int:
    taken = {consultation.process_area_id, consultation.service_area_id}
    return next(a.id for a in areas.values() if a.kind.value == kind and a.id not in taken)


@pytest.fixture
def world(app, areas, create_user, create_consultation) -> World:
    """Two consultations over the last three whole weeks of a four-week window.

    A (Community Consultations / Libraries), comments (W0, W1, W2: the window's
    weeks, the current one left empty so nothing lies in the future):
      a1  c1 thread, published (W0)          counts
      a2  c2 reply to a1, in review (W1)     counts (published while it waits)
      a3  c3 thread, deleted by c3 (W1)      no
      a4  c1 reply to a1, deleted (W2)       no
      a5  c4 thread, held (W2)               no
      a6  c2 reply to a1, refused (W0)       no
      a7  c5 thread, hidden by flags (W1)    no
      a8  c5 thread, approved (W2)           counts
      q   c5 question (W1), answered officially 2 days later, then deleted: no
      ans the officer's official answer to q counts (a reply)
      and c1's published thread from before the window (not in it).
    A's proposals: p1 (c2, W0) published, supported by c1 (W1) and c5 (W2); p2 (c1,
    W0) supported by c4 (W1) and c6 (W1), then flagged and removed by a moderator;
    p3 (c3, W1) supported by c4 (W2), then hidden by three flags. A's vote: c1 (W1)
    and c2 (W2).
    B (two other areas): b1 c6 thread published (W2); b2 c6 reply deleted (W2); b3
    c6 thread held (W0). p4 (c6, W2) published, supported by c2 (W2); p5 (c3, W1)
    supported by c4 (W1), hidden with no moderation case. B's vote: c6 (W2).
    """
    start, end = window(WEEKS)

    def at(week: int, day: int) -> datetime:
        return start + timedelta(weeks=week, days=day, hours=10)

    def aged(user: Any) -> Any:
        user.created_at = user.email_verified_at = start - timedelta(days=30)
        return user

    officer = aged(create_user(role=Role.OFFICER, display_name="Olu Officer"))
    moderator = aged(create_user(role=Role.MODERATOR, display_name="Mo Moderator"))
    c1, c2, c3, c4, c5, c6 = (aged(create_user(display_name=f"Citizen {n}")) for n in range(1, 7))
    flaggers = [aged(create_user(display_name=f"Flagger {n}")) for n in range(1, 4)]
    a = create_consultation(
        author=officer, title="Library hours", uses_proposals=True, uses_voting=True
    )
    b = create_consultation(
        author=officer,
        title="Bin collections",
        uses_proposals=True,
        uses_voting=True,
        process_area_id=_other_area(areas, "process", a),
        service_area_id=_other_area(areas, "service", a),
    )
    db.session.flush()

    def comment(consultation: Any, author: Any, when: datetime, **kw: Any) -> Any:
        words = f"Point {when:%j} from {author.display_name}, on {consultation.title}."
        post = dialogue.post_comment(consultation, author, words, **kw)
        post.created_at = when
        db.session.flush()
        _state(post, CaseState.PUBLISHED)
        return post

    a1 = comment(a, c1, at(0, 1))
    _state(comment(a, c2, at(1, 1), parent=a1), CaseState.REVIEW)
    dialogue.delete_comment(comment(a, c3, at(1, 2)), c3)
    dialogue.delete_comment(comment(a, c1, at(2, 1), parent=a1), c1)
    _state(comment(a, c4, at(2, 2)), CaseState.HELD)
    _state(comment(a, c2, at(0, 3), parent=a1), CaseState.REJECTED)
    _state(comment(a, c5, at(1, 3)), CaseState.FLAGGED)
    _state(comment(a, c5, at(2, 3)), CaseState.APPROVED)
    question = comment(a, c5, at(1, 4), is_question=True)
    comment(a, officer, at(1, 6), parent=question, official=True)
    question.answered_at = at(1, 6)
    dialogue.delete_comment(question, c5)
    comment(a, c1, start - timedelta(days=3))
    b1 = comment(b, c6, at(2, 1))
    dialogue.delete_comment(comment(b, c6, at(2, 2), parent=b1), c6)
    _state(comment(b, c6, at(0, 2)), CaseState.HELD)

    def proposal(consultation: Any, author: Any, when: datetime, supporters: dict) -> Any:
        made = proposals.submit_proposal(
            consultation, author, ProposalDetails(title=f"Idea {when:%j}", body="Please do.")
        )
        assert made.status is not ProposalStatus.HIDDEN
        made.created_at = when
        for person, supported_at in supporters.items():
            proposals.support_proposal(made, person)
            db.session.execute(
                update(Support)
                .where(Support.proposal_id == made.id, Support.user_id == person.id)
                .values(created_at=supported_at)
            )
        return made

    proposal(a, c2, at(0, 2), {c1: at(1, 1), c5: at(2, 1)})
    removed = proposal(a, c1, at(0, 4), {c4: at(1, 2), c6: at(1, 5)})
    flagged = proposal(a, c3, at(1, 0), {c4: at(2, 0)})
    proposal(b, c6, at(2, 2), {c2: at(2, 3)})
    # Later, moderation takes two of A's proposals down, as people flag them.
    moderation.flag_post("proposal", removed.id, flaggers[0], "1.1")
    moderation.decide_case(
        _case("proposal", removed.id), moderator, Verdict.REMOVE, clause_number="1.1"
    )
    for flagger in flaggers:
        moderation.flag_post("proposal", flagged.id, flagger, "1.1")
    assert removed.status is ProposalStatus.HIDDEN and flagged.status is ProposalStatus.HIDDEN
    # p5 was hidden before proposals were held to the standards: HIDDEN, with no case.
    unmoderated = proposal(b, c3, at(1, 1), {c4: at(1, 2)})
    unmoderated.status = ProposalStatus.HIDDEN
    db.session.delete(_case("proposal", unmoderated.id))

    def vote(consultation: Any, ballots: dict) -> None:
        opens = at(0, 0)
        made = votes.create_vote(
            consultation,
            officer,
            VoteDetails(
                title="Which day?", method=Method.MAJORITY, opens_at=opens, closes_at=at(2, 6)
            ),
            now=opens - timedelta(minutes=1),
        )
        db.session.flush()
        yes = str(made.options[0].id)
        for voter, cast_at in ballots.items():
            votes.cast_ballot(made, voter, BallotInput(choice=yes), now=cast_at)

    vote(a, {c1: at(1, 1), c2: at(2, 1)})
    vote(b, {c6: at(2, 4)})
    db.session.commit()
    return World(a, b, start, end, [c1, c2, c3, c4, c5, c6], officer, moderator, flagged)


def _figures(world: World, scope: Scope) -> Figures:
    return compute_figures(scope, "Figures", world.start, world.end, kpi_list=[])


def _total(figures: Figures, key: str) -> int:
    value = figures.total(key).value
    return 0 if value is None else int(value)


def _said(figures: Figures) -> int:
    """Comments and replies together, as the weekly series counts them."""
    return _total(figures, "comments") + _total(figures, "replies")


def _assert_series_sum_to_totals(figures: Figures) -> None:
    sums = {key: sum(counts) for key, counts in figures.series.items()}
    totals = {
        "comments": _said(figures),
        "proposals": _total(figures, "proposals"),
        "supports": _total(figures, "supports"),
        "ballots": _total(figures, "ballots_cast"),
    }
    assert sums == totals


KEYS = (
    "comments",
    "replies",
    "proposals",
    "supports",
    "ballots_cast",
    "participants",
    "new_participants",
    "response_days",
)


def test_the_council_figures_count_what_the_public_can_read(world):
    figures = _figures(world, Scope())
    totals = {key: figures.total(key).value for key in KEYS}
    assert totals == {
        "comments": 3,  # a1, a8, b1
        "replies": 2,  # a2, and the official answer to the deleted question
        "proposals": 2,  # p1, p4
        "supports": 3,  # p1's two and p4's one; not those of p2, p3 and p5
        "ballots_cast": 3,
        # c1, c2, c5, c6 and the officer. Not c3 (a deleted comment and a proposal
        # hidden after flags), nor c4 (a held comment, supports of hidden proposals).
        "participants": 5,
        "new_participants": 4,  # c1 first took part before the window
        # The only answered question was deleted: there is no answer time to show.
        "response_days": None,
    }
    # W0: a1, p1; W1: a2, the answer, c1's support; W2: a8 and b1, p4, two supports.
    assert figures.series == {
        "comments": [1, 2, 2, 0],
        "proposals": [1, 0, 1, 0],
        "supports": [0, 1, 2, 0],
        "ballots": [0, 1, 2, 0],
    }


def test_the_weekly_series_sum_to_the_totals_in_every_scope(world):
    scopes = [
        Scope(),
        Scope(consultation_id=world.a.id),
        Scope(consultation_id=world.b.id),
        Scope(area_id=world.a.process_area_id),
        Scope(area_id=world.a.service_area_id),
        Scope(area_id=world.b.service_area_id),
    ]
    for scope in scopes:
        _assert_series_sum_to_totals(_figures(world, scope))
    in_a = _figures(world, Scope(consultation_id=world.a.id))
    assert (_said(in_a), _total(in_a, "supports"), _total(in_a, "ballots_cast")) == (4, 2, 2)


def test_the_figures_by_area_sum_to_the_council_total(world):
    figures = _figures(world, Scope())
    # Every consultation has a process area and a service area, so each kind of area
    # shares out the council's figures between its areas.
    for kind in ("process", "service"):
        rows = [row for row in figures.areas if row.kind == kind]
        assert sum(row.comments for row in rows) == _said(figures) == 5
        assert sum(row.ballots for row in rows) == _total(figures, "ballots_cast") == 3
    # And an area's row is that area's own dashboard.
    for row in figures.areas:
        own = _figures(world, Scope(area_id=row.area_id))
        assert (row.comments, row.ballots) == (_said(own), _total(own, "ballots_cast"))
    by_id = {row.area_id: row for row in figures.areas}
    assert by_id[world.a.process_area_id].comments == 4  # a1, a2, a8, the answer
    assert by_id[world.b.service_area_id].comments == 1  # b1


def test_nobody_takes_part_through_what_no_figure_counts(world):
    c1, c2, _c3, _c4, c5, _c6 = world.citizens
    in_a = Scope(consultation_id=world.a.id)
    rows = contributions(in_a, world.start, world.end).subquery()
    taking_part = set(db.session.scalars(select(rows.c.user_id).distinct()))
    # Not c3 (a deleted comment, a proposal hidden after flags), c4 (a held comment,
    # supports of proposals taken down) or c6 (in A, only a support of removed p2).
    assert taking_part == {c1.id, c2.id, c5.id, world.officer.id}
    figures = {
        key: compute(key, in_a, world.start, world.end)
        for key in ("participants", "residents_reached", "new_participants")
    }
    # Residents: not the officer; new: not c1, who took part in A before the window.
    assert figures == {"participants": 4, "residents_reached": 3, "new_participants": 3}


def test_supports_count_again_when_a_moderator_publishes_the_proposal(world):
    scope = Scope()
    assert compute("supports", scope, world.start, world.end) == 3
    moderation.decide_case(
        _case("proposal", world.flagged_proposal.id), world.moderator, Verdict.APPROVE
    )
    db.session.commit()
    assert world.flagged_proposal.status is not ProposalStatus.HIDDEN
    figures = _figures(world, scope)
    assert _total(figures, "supports") == 4  # c4's support of p3 counts again
    assert _total(figures, "proposals") == 3
    _assert_series_sum_to_totals(figures)


# --- consultations by area ----------------------------------------------------------


def test_the_consultations_column_counts_those_open_in_the_period(
    world, areas, create_consultation
):
    """Over the window's first two weeks, `[start, mid)`, in two areas of their own:
    consultations drafted, waiting, closed before, opened after, and open in it. (A and
    B opened this week, after the period.)"""
    start, mid = world.start, world.start + timedelta(weeks=2)
    taken = {world.a.process_area_id, world.a.service_area_id}
    taken |= {world.b.process_area_id, world.b.service_area_id}
    p = next(a.id for a in areas.values() if a.kind.value == "process" and a.id not in taken)
    s = next(a.id for a in areas.values() if a.kind.value == "service" and a.id not in taken)

    def made(title: str, status: str, opened: Any, closed: Any = None, **kw: Any) -> Any:
        consultation = create_consultation(
            author=world.officer, title=title, status=status,
            process_area_id=p, service_area_id=s, **kw,
        )  # fmt: skip
        if opened is not None:  # when it really opened and closed (as the demo dates them)
            consultation.opens_at = consultation.opened_at = opened
        if closed is not None:
            consultation.closes_at = consultation.closed_at = closed
        return consultation

    day = timedelta(days=1)
    made("A draft", "draft", None)  # no
    made("Scheduled", "scheduled", None)  # no: waiting to open, the public cannot see it
    made("Closed before", "closed", start - 20 * day, start - day)  # no
    made("Closed as it began", "closed", start - 20 * day, start)  # no: not open in it
    made("Opened after", "closed", mid + day, mid + 5 * day)  # no
    made("Opened as it ended", "open", mid)  # no
    made("Open across", "open", start - 5 * day)  # yes: still open
    made("Closed in it", "outcome_published", start - 5 * day, start + 3 * day)  # yes
    made("Opened in it", "archived", start + day, mid + 2 * day)  # yes
    made("Staff only", "closed", start + day, start + 2 * day, audience="staff")  # yes
    db.session.commit()

    by_id = {row.area_id: row for row in area_rows(start, mid)}
    assert by_id[p].consultations == by_id[s].consultations == 4
    # A and B opened after this period; over the whole window they were open too.
    assert by_id[world.a.process_area_id].consultations == 0
    assert by_id[world.b.service_area_id].consultations == 0
    whole = {row.area_id: row for row in _figures(world, Scope()).areas}
    # Over the whole window, the two opened after the period (still in the window) too.
    assert whole[p].consultations == whole[s].consultations == 6
    assert whole[world.a.process_area_id].consultations == 1
    assert whole[world.b.service_area_id].consultations == 1


def test_the_public_summary_shows_no_figures_by_area(world, create_consultation):
    """Figures by area count staff-only consultations for officers; the public's summary
    leaves them out (it shows no figures by area at all)."""
    create_consultation(author=world.officer, title="Staff rota", audience="staff")
    officers = dashboard(Scope(), "The whole council", WEEKS)
    by_id = {row.area_id: row for row in officers.areas}
    assert by_id[world.a.service_area_id].consultations == 2  # A and the staff rota
    assert public_summary(WEEKS).areas == []
