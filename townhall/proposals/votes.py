"""The rules of votes: setting one up, casting and changing ballots, receipts, closing,
and counting the stored ballots with the tally engine.

Counting methods (majority, approval, score, pb_greedy) are tallied in SQL with one
GROUP BY over `ballot_mark`; the engine then receives one aggregated ballot per
group, which gives it exactly the counts it would have found itself. Methods that
need each voter's whole ballot (irv, stv, schulze, pb_equal_shares) load the marks
in one query and hand the grouped ballots to the engine.

Functions flush but never commit, and raise a `ProposalError` subclass.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import delete, func, select

from townhall.accounts.models import User
from townhall.consultations.models import Consultation, Status
from townhall.consultations.permissions import can_read
from townhall.database import parse_id, utcnow
from townhall.extensions import db
from townhall.markup import render_markdown
from townhall.proposals import events
from townhall.proposals.errors import (
    BallotInvalid,
    NotAllowed,
    NotEligible,
    ProposalError,
    VoteInvalid,
    VotingClosed,
    VotingNotOpen,
)
from townhall.proposals.models import (
    MAJORITY_CHOICES,
    MAX_OPTIONS,
    OPTION_LABEL_MAX,
    TITLE_MAX,
    Ballot,
    BallotMark,
    Eligibility,
    HomeLocation,
    Method,
    Proposal,
    ProposalStatus,
    Vote,
    VoteOption,
)
from townhall.proposals.permissions import Action, eligibility_refusal, refusal
from townhall.proposals.service import insert_once
from townhall.voting import (
    ApprovalBallot,
    ChoiceBallot,
    Election,
    Project,
    RankedBallot,
    Result,
    ScoreBallot,
    tally,
)

MAX_BUDGET = 1_000_000_000
SCORE_RANGE = range(0, 6)
# Receipt codes: 80 random bits, shown once as four groups of four characters.
RECEIPT_BYTES = 10


# --- setting up ----------------------------------------------------------------


@dataclass
class VoteDetails:
    """What an officer fills in to set up a vote."""

    title: str
    method: Method
    opens_at: datetime
    closes_at: datetime
    description: str = ""
    seats: int = 1
    budget: int | None = None
    ballot_within_budget: bool = False
    live_tallies: bool = False
    eligibility: Eligibility = Eligibility.VERIFIED
    proposal_ids: list[int] = field(default_factory=list)
    # Options the officer states: (label, cost or None).
    stated_options: list[tuple[str, int | None]] = field(default_factory=list)


def _options_for(consultation: Consultation, details: VoteDetails) -> list[VoteOption]:
    if details.method is Method.MAJORITY:
        if details.proposal_ids or details.stated_options:
            raise VoteInvalid(
                "A yes-or-no vote has its own options (for, against, abstain): "
                "put the question in the title and leave the options empty."
            )
        return [
            VoteOption(position=n, label=label, choice=choice)
            for n, (choice, label) in enumerate(MAJORITY_CHOICES)
        ]
    options: list[VoteOption] = []
    if details.proposal_ids:
        proposals = db.session.scalars(
            select(Proposal).where(
                Proposal.id.in_(details.proposal_ids),
                Proposal.consultation_id == consultation.id,
                Proposal.status == ProposalStatus.SHORTLISTED,
            )
        ).all()
        if len(proposals) != len(set(details.proposal_ids)):
            raise VoteInvalid("Choose options from this consultation's shortlisted proposals.")
        by_id = {p.id: p for p in proposals}
        for proposal_id in dict.fromkeys(details.proposal_ids):
            proposal = by_id[proposal_id]
            options.append(
                VoteOption(label=proposal.title, proposal_id=proposal.id, cost=proposal.cost)
            )
    for label, cost in details.stated_options:
        label = " ".join(label.split())
        if not label:
            continue
        if len(label) > OPTION_LABEL_MAX:
            raise VoteInvalid(f"Keep each option to {OPTION_LABEL_MAX} characters.")
        if cost is not None and not 0 <= cost <= MAX_BUDGET:
            raise VoteInvalid(f"The cost of “{label}” must be from £0 to £{MAX_BUDGET:,}.")
        options.append(VoteOption(label=label, cost=cost))
    labels = [o.label.casefold() for o in options]
    if len(set(labels)) != len(labels):
        raise VoteInvalid("Two options have the same name: give each option its own.")
    if len(options) < 2:
        raise VoteInvalid("A vote needs at least two options.")
    if len(options) > MAX_OPTIONS:
        raise VoteInvalid(f"A vote can have at most {MAX_OPTIONS} options.")
    for position, option in enumerate(options):
        option.position = position
    return options


def _check_vote_details(details: VoteDetails, options: list[VoteOption], now: datetime) -> None:
    if not details.title.strip():
        raise VoteInvalid("Give the vote a title (the question people answer).")
    if len(details.title) > TITLE_MAX:
        raise VoteInvalid(f"Keep the title to {TITLE_MAX} characters.")
    if details.closes_at <= details.opens_at:
        raise VoteInvalid("The vote must close after it opens.")
    if details.closes_at <= now:
        raise VoteInvalid("The closing time must be in the future.")
    method = details.method
    if details.seats < 1:
        raise VoteInvalid("A vote fills at least one seat.")
    if method in (Method.IRV, Method.MAJORITY) and details.seats != 1:
        raise VoteInvalid(f"{method.label} decides one thing: use one seat (or choose STV).")
    if method in (
        Method.APPROVAL,
        Method.SCORE,
        Method.STV,
        Method.SCHULZE,
    ) and details.seats >= len(options):
        raise VoteInvalid("There must be more options than seats to fill.")
    if method.is_budgeting:
        if details.budget is None or not 0 < details.budget <= MAX_BUDGET:
            raise VoteInvalid("A budgeting vote needs a budget in whole pounds.")
        missing = [o.label for o in options if o.cost is None]
        if missing:
            raise VoteInvalid(f"Give every project a cost; “{missing[0]}” has none.")
    elif details.budget is not None:
        raise VoteInvalid("Only budgeting votes have a budget.")


#: A consultation in one of these has closed: no new vote can be set up on it.
CLOSED_STATUSES = frozenset({Status.CLOSED, Status.OUTCOME_PUBLISHED, Status.ARCHIVED})


def set_up_refusal(consultation: Consultation) -> str | None:
    """Why no vote can be set up on `consultation` now, whoever asks (None when one can)."""
    if consultation.status in CLOSED_STATUSES:
        return (
            f"“{consultation.title}” has closed, so no new vote can be set up on it. "
            "Votes are set up while a consultation is a draft, scheduled or open."
        )
    return None


def create_vote(
    consultation: Consultation, by: User, details: VoteDetails, now: datetime | None = None
) -> Vote:
    """Set up a vote on shortlisted proposals or stated options.

    Raises NotAllowed when `by` may not run votes here or the consultation does not
    use voting, VotingClosed when the consultation has closed, VoteInvalid when the
    set-up does not make sense.
    """
    now = now or utcnow()
    reason = refusal(by, Action.RUN_VOTES, consultation)
    if reason:
        raise NotAllowed(reason)
    if not consultation.uses_voting:
        raise NotAllowed("This consultation does not use voting: turn voting on first.")
    closed = set_up_refusal(consultation)
    if closed:
        raise VotingClosed(closed)
    options = _options_for(consultation, details)
    _check_vote_details(details, options, now)
    vote = Vote(
        consultation_id=consultation.id,
        title=" ".join(details.title.split()),
        description=details.description,
        description_html=render_markdown(details.description) if details.description else "",
        method=details.method,
        seats=details.seats,
        budget=details.budget if details.method.is_budgeting else None,
        ballot_within_budget=details.ballot_within_budget and details.method.is_budgeting,
        opens_at=details.opens_at,
        closes_at=details.closes_at,
        live_tallies=details.live_tallies,
        eligibility=details.eligibility,
        # The tie-break lot is drawn from this seed: fixed now, stated on the results.
        seed=secrets.randbelow(1_000_000),
        created_by_id=by.id,
        options=options,
    )
    db.session.add(vote)
    db.session.flush()
    return vote


def votes_for(consultation: Consultation) -> list[Vote]:
    """The consultation's votes, soonest closing first."""
    return list(
        db.session.scalars(
            select(Vote)
            .where(Vote.consultation_id == consultation.id)
            .order_by(Vote.closes_at, Vote.id)
        )
    )


def vote_state(vote: Vote, now: datetime | None = None) -> str:
    """ "upcoming", "open" or "closed"."""
    now = now or utcnow()
    if vote.has_closed_at(now):
        return "closed"
    return "open" if vote.is_open_at(now) else "upcoming"


def close_vote(vote: Vote, now: datetime | None = None) -> dict[str, Any]:
    """Close a vote now (or record that its time has passed) and freeze its result."""
    now = now or utcnow()
    if vote.closed_at is None:
        if now < vote.closes_at:
            if now < vote.opens_at:
                raise VotingNotOpen("A vote that has not opened cannot be closed.")
            vote.closes_at = now
        vote.closed_at = now
        vote.result_json = json.dumps(tally_vote(vote).to_dict())
        db.session.flush()
        events.vote_closed(vote)
    return result_of(vote)


def result_of(vote: Vote) -> dict[str, Any]:
    """The frozen result of a closed vote, as JSON-ready data."""
    if vote.result_json is None:
        raise VotingNotOpen("The result is counted when the vote closes.")
    return json.loads(vote.result_json)


def current_result(vote: Vote, now: datetime | None = None) -> dict[str, Any] | None:
    """The result to show: frozen after close (freezing it if the time has passed),
    the running tally while open when the vote shows tallies live, else None."""
    now = now or utcnow()
    if vote.has_closed_at(now):
        return close_vote(vote, now)
    if vote.live_tallies and vote.is_open_at(now):
        return tally_vote(vote).to_dict()
    return None


# --- ballots -------------------------------------------------------------------


@dataclass
class BallotInput:
    """A ballot as the person filled it in: option ids as text, not yet checked.

    `ranking` lists the options by preference (blanks allowed and skipped);
    `approve` the ticked options; `scores` option -> score; `choice` the one option.
    """

    ranking: list[str] = field(default_factory=list)
    approve: list[str] = field(default_factory=list)
    scores: dict[str, str] = field(default_factory=dict)
    choice: str | None = None


@dataclass
class Receipt:
    """What a voter is given once: the code to check their ballot was counted."""

    code: str
    ballot: Ballot
    changed: bool  # whether this replaced an earlier ballot


def ballot_refusal(vote: Vote, user: Any, now: datetime | None = None) -> ProposalError | None:
    """The error `cast_ballot` would raise before reading any marks, or None."""
    now = now or utcnow()
    if vote.has_closed_at(now):
        return VotingClosed("This vote has closed: ballots can no longer be cast or changed.")
    if not vote.is_open_at(now):
        return VotingNotOpen("This vote has not opened yet.")
    reason = refusal(user, Action.VOTE, vote.consultation)
    if reason:
        return NotEligible(reason)
    home = (
        db.session.get(HomeLocation, user.id)
        if vote.eligibility is Eligibility.AREA_RESIDENTS
        else None
    )
    reason = eligibility_refusal(user, vote, home, vote.consultation)
    if reason:
        return NotEligible(reason)
    return None


def _option(vote: Vote, raw: str) -> VoteOption:
    for option in vote.options:
        if option.id == parse_id(raw):
            return option
    raise BallotInvalid("Your ballot names an option that is not in this vote.")


def read_marks(vote: Vote, given: BallotInput) -> list[tuple[VoteOption, int | None, int | None]]:
    """Check a ballot against the vote; return (option, rank, score) for each mark.

    Raises BallotInvalid for an unknown option, an option ranked, approved or
    scored twice, an empty ballot, a score out of range, or (where the vote says
    so) approved projects costing more than the budget.
    """
    shape = vote.method.ballot_shape
    marks: list[tuple[VoteOption, int | None, int | None]] = []
    if shape == "ranking":
        picked = [_option(vote, raw) for raw in given.ranking if raw.strip()]
        seen: set[int] = set()
        for option in picked:
            if option.id in seen:
                raise BallotInvalid(
                    f"You ranked “{option.label}” more than once. Give each option one place."
                )
            seen.add(option.id)
        marks = [(option, rank, None) for rank, option in enumerate(picked, start=1)]
    elif shape == "approve":
        picked = [_option(vote, raw) for raw in given.approve if raw.strip()]
        if len({o.id for o in picked}) != len(picked):
            raise BallotInvalid("Your ballot ticks an option twice.")
        marks = [(option, None, None) for option in picked]
        if vote.ballot_within_budget and vote.budget is not None:
            spent = sum(option.cost or 0 for option in picked)
            if spent > vote.budget:
                raise BallotInvalid(
                    f"The projects you chose cost £{spent:,}, more than the budget of "
                    f"£{vote.budget:,}. Untick some so they fit."
                )
    elif shape == "scores":
        for raw_option, raw_score in given.scores.items():
            if not raw_score.strip():
                continue
            option = _option(vote, raw_option)
            score = raw_score.strip()
            if not (score.isascii() and score.isdigit()) or int(score) not in SCORE_RANGE:
                raise BallotInvalid(f"Give “{option.label}” a score from 0 to 5, or leave it.")
            marks.append((option, None, int(score)))
    else:  # choice
        if given.choice and given.choice.strip():
            marks = [(_option(vote, given.choice), None, None)]
    if not marks:
        raise BallotInvalid("Your ballot is empty: mark at least one option.")
    return marks


def _receipt_hash(code: str) -> str:
    normalised = "".join(code.split()).replace("-", "").upper()
    return hashlib.sha256(normalised.encode()).hexdigest()


def _new_receipt_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(RECEIPT_BYTES)).decode()
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def cast_ballot(
    vote: Vote, voter: User, given: BallotInput, now: datetime | None = None
) -> Receipt:
    """Record `voter`'s ballot, replacing an earlier one; return a new receipt.

    Raises VotingNotOpen / VotingClosed outside the vote's window, NotEligible
    when the person may not vote in it, BallotInvalid when the marks are wrong.
    Nothing is written unless everything is right.
    """
    now = now or utcnow()
    error = ballot_refusal(vote, voter, now)
    if error is not None:
        raise error
    marks = read_marks(vote, given)
    code = _new_receipt_code()
    receipt_hash = _receipt_hash(code)
    # The unique constraint settles two first ballots sent at once: one inserts.
    changed = not insert_once(
        Ballot,
        vote_id=vote.id,
        voter_id=voter.id,
        receipt_hash=receipt_hash,
        cast_at=now,
        changed_at=now,
    )
    # Locked, so two changes to one ballot sent at once take turns: otherwise each
    # deletes the marks it can see and both sets of new marks collide (PostgreSQL;
    # on SQLite the insert above already holds the database's write lock).
    ballot = db.session.scalars(
        select(Ballot)
        .where(Ballot.vote_id == vote.id, Ballot.voter_id == voter.id)
        .with_for_update()
    ).one()
    if changed:
        db.session.execute(delete(BallotMark).where(BallotMark.ballot_id == ballot.id))
        ballot.receipt_hash = receipt_hash
    ballot.changed_at = now
    db.session.add_all(
        BallotMark(ballot_id=ballot.id, option_id=o.id, vote_id=vote.id, rank=r, score=s)
        for o, r, s in marks
    )
    db.session.flush()
    events.tally_updated(vote)
    return Receipt(code=code, ballot=ballot, changed=changed)


def has_voted(vote: Vote, user: Any) -> bool:
    """Whether `user` has a ballot in `vote` (never what it says)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        db.session.scalar(
            select(Ballot.id).where(Ballot.vote_id == vote.id, Ballot.voter_id == user.id)
        )
        is not None
    )


@dataclass(frozen=True)
class VoteToCast:
    """An open vote to show someone: whether they have voted, or must sign in first."""

    vote: Vote
    voted: bool = False
    sign_in_first: bool = False


@dataclass(frozen=True)
class VoteRefused:
    """An open vote a signed-in person can see but may not cast, and why.

    `reason` is `ballot_refusal`'s own message, in the words the ballot page uses.
    """

    vote: Vote
    reason: str


@dataclass(frozen=True)
class OpenVotes:
    """The votes open now in some consultations, as one person meets them."""

    to_cast: list[VoteToCast]
    """The votes they may cast (signed out: every one, to cast once signed in)."""
    refused: list[VoteRefused]
    """Signed in: the votes they can read but may not cast, each with `ballot_refusal`'s reason."""


def open_votes_for(
    user: Any, consultations: list[Consultation], now: datetime | None = None
) -> OpenVotes:
    """The votes open now in `consultations` that `user` can read, soonest closing first:
    those they may cast, and (signed in) those they may not, with why.

    Signed in: `ballot_refusal` decides (the one rule for casting); a vote they may
    cast is marked when they have voted already (they may change it until the close).
    Signed out: every open vote in the consultations they can read, to cast once
    signed in (whether they are eligible, as staff or a resident of the area, is
    known only then), and none refused.
    """
    now = now or utcnow()
    readable = [c for c in consultations if can_read(user, c)]
    if not readable:
        return OpenVotes([], [])
    open_now = db.session.scalars(
        select(Vote)
        .where(
            Vote.consultation_id.in_([c.id for c in readable]),
            Vote.closed_at.is_(None),
            Vote.opens_at <= now,
            Vote.closes_at > now,
        )
        .order_by(Vote.closes_at, Vote.id)
    ).all()
    if not getattr(user, "is_authenticated", False):
        return OpenVotes([VoteToCast(vote, sign_in_first=True) for vote in open_now], [])
    castable: list[Vote] = []
    refused: list[VoteRefused] = []
    for vote in open_now:
        error = ballot_refusal(vote, user, now)
        if error is None:
            castable.append(vote)
        else:
            refused.append(VoteRefused(vote, str(error)))
    voted = (
        set(
            db.session.scalars(
                select(Ballot.vote_id).where(
                    Ballot.voter_id == user.id, Ballot.vote_id.in_([v.id for v in castable])
                )
            )
        )
        if castable
        else set()
    )
    return OpenVotes([VoteToCast(vote, voted=vote.id in voted) for vote in castable], refused)


def votes_to_cast(
    user: Any, consultations: list[Consultation], now: datetime | None = None
) -> list[VoteToCast]:
    """The votes open now in `consultations` that `user` may cast, soonest closing first
    (see `open_votes_for`)."""
    return open_votes_for(user, consultations, now).to_cast


def own_marks(vote: Vote, user: Any) -> BallotInput | None:
    """The person's own ballot, to fill the form when they come back to change it.

    Only ever shown to the voter themself, on their own ballot form.
    """
    if not getattr(user, "is_authenticated", False):
        return None
    rows = db.session.execute(
        select(BallotMark.option_id, BallotMark.rank, BallotMark.score)
        .join(Ballot, Ballot.id == BallotMark.ballot_id)
        .where(Ballot.vote_id == vote.id, Ballot.voter_id == user.id)
        .order_by(BallotMark.rank)
    ).all()
    if not rows:
        return None
    return BallotInput(
        ranking=[str(r.option_id) for r in rows if r.rank is not None],
        approve=[str(r.option_id) for r in rows],
        scores={str(r.option_id): str(r.score) for r in rows if r.score is not None},
        choice=str(rows[0].option_id),
    )


def verify_receipt(vote: Vote, code: str) -> Ballot | None:
    """The ballot a receipt code belongs to in this vote, or None."""
    if not code.strip():
        return None
    return db.session.scalar(
        select(Ballot).where(Ballot.vote_id == vote.id, Ballot.receipt_hash == _receipt_hash(code))
    )


def ballots_cast(vote: Vote) -> int:
    """How many people have voted."""
    return db.session.scalar(select(func.count()).where(Ballot.vote_id == vote.id)) or 0


# --- counting ------------------------------------------------------------------


def count_marks(vote: Vote) -> dict[tuple[int, int | None], int]:
    """Marks per (option, score) by one SQL GROUP BY: the counting methods' tally."""
    rows = db.session.execute(
        select(BallotMark.option_id, BallotMark.score, func.count())
        .where(BallotMark.vote_id == vote.id)
        .group_by(BallotMark.option_id, BallotMark.score)
    ).all()
    return {(option_id, score): n for option_id, score, n in rows}


def load_ballots(vote: Vote) -> Counter[tuple[int, ...]]:
    """Every ballot's marks in one query, as (option ids in rank order) -> how many."""
    rows = db.session.execute(
        select(BallotMark.ballot_id, BallotMark.option_id)
        .where(BallotMark.vote_id == vote.id)
        .order_by(BallotMark.ballot_id, BallotMark.rank, BallotMark.option_id)
    )
    grouped: Counter[tuple[int, ...]] = Counter()
    current: int | None = None
    marks: list[int] = []
    for ballot_id, option_id in rows:
        if ballot_id != current:
            if marks:
                grouped[tuple(marks)] += 1
            current, marks = ballot_id, []
        marks.append(option_id)
    if marks:
        grouped[tuple(marks)] += 1
    return grouped


def build_election(vote: Vote) -> Election:
    """The vote's stored ballots as the tally engine's input."""
    method = vote.method
    key = {option.id: option.key for option in vote.options}
    candidates = tuple(option.key for option in vote.options if option.choice is None)
    ballots: list[Any]
    if method is Method.MAJORITY:
        ballots = [ChoiceBallot(key[o], n) for (o, _), n in count_marks(vote).items()]
    elif method in (Method.APPROVAL, Method.PB_GREEDY):
        ballots = [
            ApprovalBallot(frozenset([key[o]]), n) for (o, _), n in count_marks(vote).items()
        ]
    elif method is Method.SCORE:
        ballots = [
            ScoreBallot(((key[o], Fraction(s or 0)),), n) for (o, s), n in count_marks(vote).items()
        ]
    elif method is Method.PB_EQUAL_SHARES:
        ballots = [
            ApprovalBallot(frozenset(key[o] for o in marks), n)
            for marks, n in load_ballots(vote).items()
        ]
    else:
        ballots = [
            RankedBallot(tuple(key[o] for o in marks), n) for marks, n in load_ballots(vote).items()
        ]
    projects: tuple[Project, ...] = ()
    if method.is_budgeting:
        projects = tuple(Project(o.key, Fraction(o.cost or 0)) for o in vote.options)
    return Election(
        method=method.value,
        candidates=candidates,
        ballots=tuple(ballots),
        seats=vote.seats,
        options={"seed": vote.seed},
        budget=vote.budget if method.is_budgeting else None,
        projects=projects,
    )


def tally_vote(vote: Vote) -> Result:
    """Count the vote's stored ballots with the engine."""
    result = tally(build_election(vote))
    if vote.method is Method.APPROVAL:
        # SQL handed the engine one ballot per approval; the voters are the ballots.
        voters = ballots_cast(vote)
        result.details["voters"] = voters
        for round_ in result.rounds:
            round_["voters"] = voters
    return result
