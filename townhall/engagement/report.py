"""A consultation's report for a committee paper: who took part (in aggregate), what
was said (in summary), the result of each vote, the outcome, and the KPIs against
their targets; as HTML, and as PDF through xhtml2pdf (pure Python, no system fonts or
libraries to install).

A report is only for a consultation that has closed: before then its figures would
still move, and a committee paper must not quote numbers that later change.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from townhall.accounts.models import User
from townhall.accounts.permissions import Role
from townhall.consultations.models import Consultation, Follow, Status
from townhall.database import utcnow
from townhall.dialogue.models import Comment
from townhall.engagement.errors import ReportNotReady
from townhall.engagement.kpis import Scope, comment_counts, contributions, proposal_counts
from townhall.engagement.service import KpiReading, kpis_for_consultation, read_kpi
from townhall.extensions import db
from townhall.moderation.models import CaseState, ModerationCase
from townhall.proposals.models import Proposal, Vote
from townhall.proposals.presentation import present
from townhall.proposals.votes import ballots_cast, current_result

CLOSED_STATUSES = (Status.CLOSED, Status.OUTCOME_PUBLISHED, Status.ARCHIVED)
# The report quotes this many of the comments people found most agreeable, unsigned.
QUOTED_COMMENTS = 5
EXCERPT_CHARS = 280
VISIBLE_STATES = [state for state in CaseState if state.visible]


@dataclass
class VoteSummary:
    """A vote's question, how many took part, and who won."""

    title: str
    method: str
    ballots: int
    winners: list[str]


@dataclass
class Report:
    """Everything a consultation's report says, computed once."""

    consultation: Consultation
    generated_at: datetime
    participants_by_role: dict[str, int]
    participants: int
    followers: int
    comments: int
    replies: int
    questions: int
    answered_on_time: int
    official_responses: int
    quoted: list[str]
    proposals: list[tuple[str, int]]
    votes: list[VoteSummary]
    kpis: list[KpiReading] = field(default_factory=list)


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1].rstrip() + "…"


def build_report(consultation: Consultation, now: datetime | None = None) -> Report:
    """Gather the report of a closed consultation; ReportNotReady if it has not closed."""
    if consultation.status not in CLOSED_STATUSES:
        raise ReportNotReady(
            "A report can be made once the consultation has closed. "
            f"“{consultation.title}” is {consultation.status.label.lower()}."
        )
    now = now or utcnow()
    scope = Scope(consultation_id=consultation.id)
    # Everything ever contributed: a report covers the whole consultation.
    rows = contributions(scope, datetime(1970, 1, 1, tzinfo=UTC), now).subquery()
    by_role = dict(
        db.session.execute(
            select(User.role, func.count(func.distinct(User.id)))
            .join(rows, rows.c.user_id == User.id)
            .group_by(User.role)
        ).all()
    )
    participants_by_role = {
        "Residents (citizens)": by_role.get(Role.CITIZEN, 0),
        "Council staff": by_role.get(Role.STAFF, 0),
        "Officers, moderators and admins": sum(
            by_role.get(r, 0) for r in (Role.MODERATOR, Role.OFFICER, Role.ADMIN)
        ),
    }
    # Counted as the dashboard counts them (one definition): posts the public can read.
    live = (Comment.consultation_id == consultation.id, comment_counts())
    counts = db.session.execute(
        select(
            func.count(Comment.id).filter(Comment.depth == 0),
            func.count(Comment.id).filter(Comment.depth > 0),
            func.count(Comment.id).filter(Comment.is_question.is_(True)),
            func.count(Comment.id).filter(
                Comment.is_question.is_(True), Comment.answered_at <= Comment.question_due_at
            ),
            func.count(Comment.id).filter(Comment.is_official.is_(True)),
        ).where(*live)
    ).one()
    # Only words the public could read are quoted: never a post that moderation
    # held, hid or refused (it may carry the very personal data it was held for).
    case = aliased(ModerationCase)
    quoted = [
        _excerpt(body)
        for body in db.session.scalars(
            select(Comment.body)
            .outerjoin(case, and_(case.kind == "comment", case.content_id == Comment.id))
            .where(
                *live,
                Comment.is_official.is_(False),
                or_(case.id.is_(None), case.state.in_(VISIBLE_STATES)),
            )
            .order_by(Comment.agree_count.desc(), Comment.helpful_count.desc(), Comment.id)
            .limit(QUOTED_COMMENTS)
        )
    ]
    proposals = [
        (title, supports)
        for title, supports in db.session.execute(
            select(Proposal.title, Proposal.support_count)
            .where(Proposal.consultation_id == consultation.id, proposal_counts())
            .order_by(Proposal.support_count.desc(), Proposal.id)
        )
    ]
    votes = []
    for vote in db.session.scalars(
        select(Vote).where(Vote.consultation_id == consultation.id).order_by(Vote.id)
    ):
        result: dict[str, Any] | None = current_result(vote, now)
        winners = present(vote, result).winners if result and vote.closed_at else []
        votes.append(
            VoteSummary(
                title=vote.title,
                method=vote.method.label,
                ballots=ballots_cast(vote),
                winners=winners,
            )
        )
    followers = db.session.scalar(
        select(func.count()).where(Follow.consultation_id == consultation.id)
    )
    return Report(
        consultation=consultation,
        generated_at=now,
        participants_by_role=participants_by_role,
        participants=sum(participants_by_role.values()),
        followers=followers or 0,
        comments=counts[0],
        replies=counts[1],
        questions=counts[2],
        answered_on_time=counts[3],
        official_responses=counts[4],
        quoted=quoted,
        proposals=proposals,
        votes=votes,
        kpis=[read_kpi(kpi, now) for kpi in kpis_for_consultation(consultation)],
    )


def html_to_pdf(html: str) -> bytes:
    """Render report HTML as PDF with xhtml2pdf."""
    from xhtml2pdf import pisa

    out = io.BytesIO()
    status = pisa.CreatePDF(src=html, dest=out, encoding="utf-8")
    if status.err:
        raise RuntimeError(f"the PDF could not be made ({status.err} errors)")
    return out.getvalue()
