"""The rules of proposals and supports, the support threshold, and home locations.

Functions take and return model objects, flush but never commit, and raise a
`ProposalError` subclass (see `townhall.proposals.errors`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from townhall.accounts.models import User
from townhall.consultations.models import LATITUDE_MAX, LONGITUDE_MAX, Consultation
from townhall.consultations.service import LATITUDE_MESSAGE, LONGITUDE_MESSAGE
from townhall.database import utcnow
from townhall.extensions import db
from townhall.markup import render_markdown
from townhall.moderation.service import is_held as moderation_is_held
from townhall.moderation.service import moderate_post
from townhall.proposals import events
from townhall.proposals.errors import NotAllowed, ProposalInvalid
from townhall.proposals.models import (
    BODY_MAX,
    DEFAULT_SUPPORT_THRESHOLD,
    LOCATION_MAX,
    TITLE_MAX,
    HomeLocation,
    Proposal,
    ProposalSettings,
    ProposalStatus,
    Support,
)
from townhall.proposals.named_places import named_place
from townhall.proposals.permissions import Action, refusal

MAX_COST = 1_000_000_000
MAX_THRESHOLD = 1_000_000


def insert_once(model: Any, **values: Any) -> bool:
    """Insert a row unless a unique constraint already holds one like it; say whether it did.

    INSERT ... ON CONFLICT DO NOTHING rather than a savepoint: on SQLite (pysqlite
    starts transactions lazily) a savepoint opened before any write is the
    transaction itself, and releasing it would commit everything so far.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model).values(**values).on_conflict_do_nothing()
    # RETURNING says whether a row went in; rowcount is not reliable across drivers.
    key = model.__table__.primary_key.columns.values()[0]
    return db.session.execute(statement.returning(key)).first() is not None


# --- settings ------------------------------------------------------------------


def support_threshold(consultation: Consultation) -> int:
    """The supports a proposal in this consultation needs to be shortlisted."""
    value = db.session.scalar(
        select(ProposalSettings.support_threshold).where(
            ProposalSettings.consultation_id == consultation.id
        )
    )
    return value if value is not None else DEFAULT_SUPPORT_THRESHOLD


def set_support_threshold(consultation: Consultation, threshold: int) -> list[Proposal]:
    """Set the support threshold; return the proposals it shortlists now.

    Shortlisting is one-way: lowering the bar shortlists proposals that now meet
    it, raising it never takes a proposal off the shortlist a vote may rely on.
    """
    if not 1 <= threshold <= MAX_THRESHOLD:
        raise ProposalInvalid(f"Use a threshold from 1 to {MAX_THRESHOLD:,}.")
    settings = db.session.get(ProposalSettings, consultation.id)
    if settings is None:
        settings = ProposalSettings(consultation_id=consultation.id)
        db.session.add(settings)
    settings.support_threshold = threshold
    db.session.flush()
    due = db.session.scalars(
        select(Proposal).where(
            Proposal.consultation_id == consultation.id,
            Proposal.status == ProposalStatus.PUBLISHED,
            Proposal.support_count >= threshold,
        )
    ).all()
    now = utcnow()
    for proposal in due:
        proposal.status = ProposalStatus.SHORTLISTED
        proposal.shortlisted_at = now
    db.session.flush()
    return list(due)


# --- proposals -----------------------------------------------------------------


@dataclass
class ProposalDetails:
    """What a person fills in for a proposal."""

    title: str
    body: str
    cost: int | None = None
    location: str | None = None
    # On the map (optional): one of the council's places, or a latitude and longitude.
    place_id: int | None = None
    latitude: float | None = None
    longitude: float | None = None


def _check_degrees(latitude: float, longitude: float) -> None:
    """Raise ProposalInvalid, in the consultation form's words, for a point off the globe."""
    if not -LATITUDE_MAX <= latitude <= LATITUDE_MAX:
        raise ProposalInvalid(LATITUDE_MESSAGE)
    if not -LONGITUDE_MAX <= longitude <= LONGITUDE_MAX:
        raise ProposalInvalid(LONGITUDE_MESSAGE)


def check_position(latitude: Any, longitude: Any) -> tuple[float, float] | None:
    """A proposal's position from what was given: None for neither, else both in range.

    Raises ProposalInvalid for half a pair, something that is not a number, or a
    latitude or longitude out of range.
    """
    if latitude is None and longitude is None:
        return None
    if latitude is None or longitude is None:
        raise ProposalInvalid(
            "Give both a latitude and a longitude for where your proposal is, or neither."
        )
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        raise ProposalInvalid("Give the latitude and longitude as numbers.") from None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise ProposalInvalid("Give the latitude and longitude as numbers.")
    _check_degrees(lat, lon)
    return lat, lon


def _place_position(
    details: ProposalDetails, location: str | None
) -> tuple[tuple[float, float] | None, str | None]:
    """Where the details put the proposal, and its "where" text (a place's name if blank)."""
    if details.place_id is None:
        return check_position(details.latitude, details.longitude), location
    if details.latitude is not None or details.longitude is not None:
        raise ProposalInvalid(
            "Choose one of the council's places or give a latitude and longitude, not both."
        )
    place = named_place(details.place_id)
    if place is None:
        raise ProposalInvalid(
            "There is no such place: choose one from the list, or give a latitude and longitude."
        )
    return (place.latitude, place.longitude), location or place.name


def _check_details(details: ProposalDetails) -> ProposalDetails:
    title = " ".join(details.title.split())
    if not title:
        raise ProposalInvalid("Give your proposal a title.")
    if len(title) > TITLE_MAX:
        raise ProposalInvalid(f"Keep the title to {TITLE_MAX} characters.")
    if not details.body.strip():
        raise ProposalInvalid("Describe your proposal.")
    if len(details.body) > BODY_MAX:
        raise ProposalInvalid(f"Keep the description to {BODY_MAX:,} characters.")
    if details.cost is not None and not 0 <= details.cost <= MAX_COST:
        raise ProposalInvalid(f"Give a cost from £0 to £{MAX_COST:,}, or leave it empty.")
    location = " ".join((details.location or "").split()) or None
    if location and len(location) > LOCATION_MAX:
        raise ProposalInvalid(f"Keep the location to {LOCATION_MAX} characters.")
    position, location = _place_position(details, location)
    latitude, longitude = position if position is not None else (None, None)
    return ProposalDetails(
        title, details.body, details.cost, location, latitude=latitude, longitude=longitude
    )


def submit_proposal(consultation: Consultation, author: User, details: ProposalDetails) -> Proposal:
    """Put a proposal forward in a consultation's proposal phase.

    Raises NotAllowed when the author may not propose here, ProposalInvalid when
    the details do not make sense.
    """
    reason = refusal(author, Action.PROPOSE, consultation)
    if reason:
        raise NotAllowed(reason)
    details = _check_details(details)
    proposal = Proposal(
        consultation_id=consultation.id,
        author=author,
        title=details.title,
        body=details.body,
        body_html=render_markdown(details.body),
        cost=details.cost,
        location=details.location,
        latitude=details.latitude,
        longitude=details.longitude,
        status=ProposalStatus.HIDDEN,  # until accepted below
    )
    db.session.add(proposal)
    db.session.flush()
    accept_proposal(proposal)
    return proposal


def accept_proposal(proposal: Proposal) -> Proposal:
    """Accept a submitted proposal for publication: the one place that decides it.

    Moderation hooks in here when it exists (as comments do): it may hold the
    proposal back (status HIDDEN) instead of publishing it.
    """
    proposal.status = ProposalStatus.PUBLISHED
    _shortlist_if_due(proposal)
    db.session.flush()
    moderate_post("proposal", proposal)  # may hide it (HIDDEN) or redact it; raises on reject
    if proposal.status is not ProposalStatus.HIDDEN:
        events.proposal_added(proposal)
    return proposal


def get_proposal(proposal_id: int) -> Proposal | None:
    """A proposal by id, or None."""
    return db.session.get(Proposal, proposal_id)


def list_proposals(consultation: Consultation) -> list[Proposal]:
    """The consultation's visible proposals: shortlisted first, then by supports."""
    return list(
        db.session.scalars(
            select(Proposal)
            .where(
                Proposal.consultation_id == consultation.id,
                Proposal.status != ProposalStatus.HIDDEN,
            )
            .order_by(
                (Proposal.status == ProposalStatus.SHORTLISTED).desc(),
                Proposal.support_count.desc(),
                Proposal.id,
            )
        )
    )


def shortlisted_proposals(consultation: Consultation) -> list[Proposal]:
    """The consultation's shortlisted proposals, most supported first."""
    return list(
        db.session.scalars(
            select(Proposal)
            .where(
                Proposal.consultation_id == consultation.id,
                Proposal.status == ProposalStatus.SHORTLISTED,
            )
            .order_by(Proposal.support_count.desc(), Proposal.id)
        )
    )


# --- supports ------------------------------------------------------------------


def supported_ids(user: User | None, proposal_ids: list[int]) -> set[int]:
    """Which of these proposals `user` supports."""
    if user is None or not getattr(user, "is_authenticated", False) or not proposal_ids:
        return set()
    return set(
        db.session.scalars(
            select(Support.proposal_id).where(
                Support.user_id == user.id, Support.proposal_id.in_(proposal_ids)
            )
        )
    )


def is_held(proposal: Proposal) -> bool:
    """Whether `proposal` waits for a moderator (rather than hidden by a decision)."""
    return moderation_is_held("proposal", proposal.id)


def _check_supportable(proposal: Proposal, user: User) -> None:
    reason = refusal(user, Action.SUPPORT, proposal.consultation)
    if reason:
        raise NotAllowed(reason)
    if proposal.status is ProposalStatus.HIDDEN:
        raise NotAllowed("This proposal cannot be supported just now.")


def support_proposal(proposal: Proposal, user: User) -> bool:
    """Support a proposal; return False when the person already supported it.

    The unique constraint decides, not a prior read, so two clicks at once make one
    support. The count is bumped in SQL so concurrent supports all count.
    """
    _check_supportable(proposal, user)
    if not insert_once(Support, proposal_id=proposal.id, user_id=user.id, created_at=utcnow()):
        return False
    _bump(proposal, +1)
    _shortlist_if_due(proposal)
    db.session.flush()
    events.proposal_supported(proposal)
    return True


def withdraw_support(proposal: Proposal, user: User) -> bool:
    """Withdraw a support; return False when there was none.

    A shortlisted proposal stays shortlisted (see `set_support_threshold`).
    """
    _check_supportable(proposal, user)
    removed = db.session.execute(
        delete(Support).where(Support.proposal_id == proposal.id, Support.user_id == user.id)
    ).rowcount
    if removed:
        _bump(proposal, -1)
    return bool(removed)


def _bump(proposal: Proposal, by: int) -> None:
    # In SQL, not in Python: concurrent supports must each add their one. The UPDATE
    # holds the row (on SQLite, the database) until commit, so the status read with
    # the count is current too: of supports crossing the threshold at once, one
    # shortlists (and announces it).
    db.session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id)
        .values(support_count=Proposal.support_count + by)
    )
    db.session.refresh(proposal, ["support_count", "status", "shortlisted_at"])


def _shortlist_if_due(proposal: Proposal) -> None:
    if proposal.status is not ProposalStatus.PUBLISHED:
        return
    if proposal.support_count >= support_threshold(proposal.consultation):
        proposal.status = ProposalStatus.SHORTLISTED
        proposal.shortlisted_at = utcnow()
        events.proposal_shortlisted(proposal)


# --- home locations ------------------------------------------------------------


def get_home_location(user: User) -> HomeLocation | None:
    """Where `user` has said they live, or None."""
    return db.session.get(HomeLocation, user.id)


def set_home_location(user: User, latitude: float, longitude: float) -> HomeLocation:
    """Record where `user` lives; it counts for votes that open from now on."""
    _check_degrees(latitude, longitude)
    home = get_home_location(user)
    if home is None:
        home = HomeLocation(user_id=user.id, latitude=latitude, longitude=longitude)
        db.session.add(home)
    elif (home.latitude, home.longitude) != (latitude, longitude):
        home.latitude, home.longitude = latitude, longitude
    else:
        return home  # unchanged: keep the date it was first declared
    home.declared_at = utcnow()
    db.session.flush()
    return home


def clear_home_location(user: User) -> None:
    """Forget where `user` lives."""
    db.session.execute(delete(HomeLocation).where(HomeLocation.user_id == user.id))
