"""Tables for proposals, supports, votes, their options, ballots and home locations.

Integrity lives here, not in Python checks alone: one support per person per
proposal, one ballot per person per vote, and each option marked at most once on
a ballot are unique constraints (or a primary key) in the database.

Secrecy: a ballot row names its voter only so that the person can change it until
close and cannot vote twice. No page, export or API shows which person cast which
marks; tallies and exports read `ballot_mark` aggregated by option.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from townhall.accounts.models import User
from townhall.consultations.models import LATITUDE_MAX, LONGITUDE_MAX, Consultation
from townhall.database import TimestampMixin, enum_column, utcnow
from townhall.extensions import db

TITLE_MAX = 150
BODY_MAX = 20_000
LOCATION_MAX = 200
OPTION_LABEL_MAX = 150
RECEIPT_HASH_LENGTH = 64
DEFAULT_SUPPORT_THRESHOLD = 10
# A vote offers at most MAX_OPTIONS options and fills fewer seats (winners) than it has
# options, so at most MAX_SEATS. The vote form and the API say SEATS_MESSAGE past it.
MAX_OPTIONS = 50
MAX_SEATS = MAX_OPTIONS - 1
SEATS_MESSAGE = (
    f"Use 1 to {MAX_SEATS} winners: a vote has at most {MAX_OPTIONS} options, "
    "and more options than winners."
)
# The same ranges as places' coordinates (and home locations): degrees.
# The same ranges as a consultation's point (townhall.consultations.models), so one
# position is valid everywhere or nowhere; the text is what migrations already hold.
LATITUDE_RANGE = f"latitude >= -{LATITUDE_MAX} AND latitude <= {LATITUDE_MAX}"
LONGITUDE_RANGE = f"longitude >= -{LONGITUDE_MAX} AND longitude <= {LONGITUDE_MAX}"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return enum_column(cls, name, length=30)


class ProposalStatus(enum.StrEnum):
    """Where a proposal stands."""

    PUBLISHED = "published"  # visible, gathering supports
    SHORTLISTED = "shortlisted"  # reached the support threshold: may go to a vote
    HIDDEN = "hidden"  # held back (by moderation, once it hooks in)

    @property
    def label(self) -> str:
        return {"published": "Gathering support", "shortlisted": "Shortlisted"}.get(
            self.value, "Hidden"
        )


class Method(enum.StrEnum):
    """The counting methods a vote may use: every method of `townhall.voting`."""

    MAJORITY = "majority"
    APPROVAL = "approval"
    SCORE = "score"
    IRV = "irv"
    STV = "stv"
    SCHULZE = "schulze"
    PB_GREEDY = "pb_greedy"
    PB_EQUAL_SHARES = "pb_equal_shares"

    @property
    def label(self) -> str:
        return METHOD_LABELS[self]

    @property
    def ballot_shape(self) -> str:
        """What a voter marks: "choice", "approve", "scores" or "ranking"."""
        from townhall.voting.ballots import BALLOT_SHAPES

        return BALLOT_SHAPES[self.value]

    @property
    def is_budgeting(self) -> bool:
        return self in (Method.PB_GREEDY, Method.PB_EQUAL_SHARES)

    @property
    def is_ranked(self) -> bool:
        return self.ballot_shape == "ranking"


METHOD_LABELS = {
    Method.MAJORITY: "Yes or no (majority)",
    Method.APPROVAL: "Approval: tick every option you support",
    Method.SCORE: "Score: give each option 0 to 5",
    Method.IRV: "Ranked choice, one winner (instant-runoff)",
    Method.STV: "Ranked choice, several winners (single transferable vote)",
    Method.SCHULZE: "Ranked choice, Condorcet (Schulze)",
    Method.PB_GREEDY: "Participatory budget: most approved first, within budget",
    Method.PB_EQUAL_SHARES: "Participatory budget: method of equal shares",
}

# The three options of a majority vote, in order, with the engine's choice names.
MAJORITY_CHOICES = (("for", "For"), ("against", "Against"), ("abstain", "Abstain"))


class Eligibility(enum.StrEnum):
    """Who may vote, beyond being able to take part in the consultation at all."""

    VERIFIED = "verified"
    STAFF = "staff"
    AREA_RESIDENTS = "area_residents"

    @property
    def label(self) -> str:
        return {
            "verified": "Everyone who can take part (confirmed email address)",
            "staff": "Council staff only",
            "area_residents": "People whose home location is in the consultation's area",
        }[self.value]


class ProposalSettings(db.Model):
    """Per-consultation proposal settings (kept here: the consultation table is not ours)."""

    __tablename__ = "proposal_settings"
    __table_args__ = (CheckConstraint("support_threshold >= 1", name="threshold_positive"),)

    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True
    )
    # Supports a proposal needs to be shortlisted for a vote.
    support_threshold: Mapped[int] = mapped_column(default=DEFAULT_SUPPORT_THRESHOLD)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Proposal(TimestampMixin, db.Model):
    """An idea a person puts forward in a consultation's proposal phase."""

    __tablename__ = "proposal"
    __table_args__ = (
        Index("ix_proposal_consultation_status", "consultation_id", "status"),
        # For "proposals near a place": a bounding box on these, then exact distance.
        Index("ix_proposal_latitude_longitude", "latitude", "longitude"),
        CheckConstraint("cost IS NULL OR cost >= 0", name="cost_not_negative"),
        CheckConstraint("support_count >= 0", name="support_count_not_negative"),
        CheckConstraint(LATITUDE_RANGE, name="latitude_range"),
        CheckConstraint(LONGITUDE_RANGE, name="longitude_range"),
        CheckConstraint(
            "(latitude IS NULL AND longitude IS NULL) "
            "OR (latitude IS NOT NULL AND longitude IS NOT NULL)",
            name="position_pair",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text)  # as written (Markdown)
    body_html: Mapped[str] = mapped_column(Text)  # cleaned by townhall.markup
    # Whole pounds: budgets are set in pounds, and integers count exactly everywhere.
    cost: Mapped[int | None]
    location: Mapped[str | None] = mapped_column(String(LOCATION_MAX))
    # Where it is about, when it is about one spot (degrees): both or neither.
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    status: Mapped[ProposalStatus] = mapped_column(
        _enum(ProposalStatus, "proposal_status"), default=ProposalStatus.PUBLISHED
    )
    # Denormalised count of `support` rows, kept by the service in the same transaction.
    support_count: Mapped[int] = mapped_column(default=0)
    shortlisted_at: Mapped[datetime | None]

    consultation: Mapped[Consultation] = relationship()
    author: Mapped[User | None] = relationship(lazy="joined")

    @property
    def is_shortlisted(self) -> bool:
        return self.status is ProposalStatus.SHORTLISTED

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.status.value}>"


class Support(db.Model):
    """One person's support for one proposal."""

    __tablename__ = "support"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Vote(TimestampMixin, db.Model):
    """A decision put to people: options, a counting method, a window and who may vote."""

    __tablename__ = "vote"
    __table_args__ = (
        CheckConstraint("seats >= 1", name="seats_positive"),
        CheckConstraint("budget IS NULL OR budget > 0", name="budget_positive"),
        CheckConstraint("closes_at > opens_at", name="window"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    method: Mapped[Method] = mapped_column(_enum(Method, "vote_method"))
    seats: Mapped[int] = mapped_column(default=1)
    budget: Mapped[int | None]  # whole pounds, for the budgeting methods
    # Budgeting: refuse a ballot whose approved projects cost more than the budget.
    ballot_within_budget: Mapped[bool] = mapped_column(default=False)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    # Show the running tally while the vote is open, or only after it closes.
    live_tallies: Mapped[bool] = mapped_column(default=False)
    eligibility: Mapped[Eligibility] = mapped_column(
        _enum(Eligibility, "vote_eligibility"), default=Eligibility.VERIFIED
    )
    # The seed of the engine's stated tie-break lot, fixed when the vote is set up.
    seed: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None]  # when the result was frozen
    # The engine's result as JSON, frozen at close so every page and export agrees.
    result_json: Mapped[str | None] = mapped_column(Text)

    consultation: Mapped[Consultation] = relationship()
    options: Mapped[list[VoteOption]] = relationship(
        order_by="VoteOption.position", cascade="all, delete-orphan", back_populates="vote"
    )

    def is_open_at(self, now: datetime) -> bool:
        """Whether ballots are accepted at `now`."""
        return self.closed_at is None and self.opens_at <= now < self.closes_at

    def has_closed_at(self, now: datetime) -> bool:
        """Whether the vote is over at `now` (its time has passed or an officer closed it)."""
        return self.closed_at is not None or now >= self.closes_at

    def __repr__(self) -> str:
        return f"<Vote {self.id} {self.method.value}>"


class VoteOption(db.Model):
    """Something people vote on: a shortlisted proposal, or an option an officer stated."""

    __tablename__ = "vote_option"
    __table_args__ = (
        UniqueConstraint("vote_id", "label"),
        CheckConstraint("cost IS NULL OR cost >= 0", name="cost_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("vote.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(String(OPTION_LABEL_MAX))
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal.id", ondelete="SET NULL"), index=True
    )
    cost: Mapped[int | None]  # whole pounds, for the budgeting methods
    # For majority votes, the engine's choice this option stands for ("for", ...).
    choice: Mapped[str | None] = mapped_column(String(10))

    vote: Mapped[Vote] = relationship(back_populates="options")
    proposal: Mapped[Proposal | None] = relationship()

    @property
    def key(self) -> str:
        """The option's name in the tally engine (unique within the vote)."""
        return self.choice or str(self.id)


class Ballot(db.Model):
    """That a person has voted in a vote, and the hash of their receipt.

    The marks are in `ballot_mark`; see the module docstring on secrecy.
    """

    __tablename__ = "ballot"
    __table_args__ = (UniqueConstraint("vote_id", "voter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("vote.id", ondelete="CASCADE"))
    voter_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # sha256 of the receipt code shown to the voter once; a new code on every change.
    receipt_hash: Mapped[str] = mapped_column(String(RECEIPT_HASH_LENGTH), unique=True)
    cast_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class BallotMark(db.Model):
    """One option marked on one ballot: its rank, its score, or simply approved or chosen.

    `vote_id` is denormalised from the ballot so a tally is one indexed GROUP BY over
    this table; the primary key means no ballot marks (or ranks) an option twice.
    """

    __tablename__ = "ballot_mark"
    __table_args__ = (
        Index("ix_ballot_mark_vote_option", "vote_id", "option_id", "score"),
        CheckConstraint("rank IS NULL OR rank >= 1", name="rank_positive"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 5)", name="score_range"),
    )

    ballot_id: Mapped[int] = mapped_column(
        ForeignKey("ballot.id", ondelete="CASCADE"), primary_key=True
    )
    option_id: Mapped[int] = mapped_column(
        ForeignKey("vote_option.id", ondelete="CASCADE"), primary_key=True
    )
    vote_id: Mapped[int] = mapped_column(ForeignKey("vote.id", ondelete="CASCADE"))
    rank: Mapped[int | None]
    score: Mapped[int | None]


class HomeLocation(db.Model):
    """Where a person says they live, for votes open to the consultation's area.

    There is no address register to check against yet, so this is the honest minimum:
    a point the person declares (it is never shown to anyone else). A vote counts
    only a location declared before the vote opened, so moving one's home to join a
    vote already under way does not work. Councils with an address register would
    replace this table with it.
    """

    __tablename__ = "home_location"
    __table_args__ = (
        CheckConstraint(LATITUDE_RANGE, name="latitude_range"),
        CheckConstraint(LONGITUDE_RANGE, name="longitude_range"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    latitude: Mapped[float]
    longitude: Mapped[float]
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)
