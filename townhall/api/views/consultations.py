"""Consultations, their announcements and outcomes; officers create and run them."""

from __future__ import annotations

from typing import Any

from flask import url_for

from townhall.accounts.permissions import Permission, has_permission
from townhall.api import represent
from townhall.api.core import acting_user, api_blueprint, authenticated, needs
from townhall.api.cursors import make_cursor, read_cursor
from townhall.api.loaders import consultation_for, not_found
from townhall.api.problems import ApiProblem
from townhall.api.schemas import (
    AnnouncementInputSchema,
    AnnouncementListSchema,
    AnnouncementSchema,
    AreaSchema,
    ConsultationInputSchema,
    ConsultationPageSchema,
    ConsultationQuerySchema,
    ConsultationSchema,
    MeSchema,
    OutcomeInputSchema,
    OutcomeSchema,
    TransitionInputSchema,
)
from townhall.api.tokens import Scope
from townhall.consultations import service
from townhall.consultations.models import Audience, Status
from townhall.consultations.permissions import Action
from townhall.extensions import db

blp = api_blueprint("consultations", "Consultations, announcements and outcomes.")

TRANSITIONS = {
    "schedule": service.schedule_consultation,
    "unschedule": service.unschedule_consultation,
    "open": service.open_consultation,
    "close": service.close_consultation,
    "archive": service.archive_consultation,
}


@blp.route("/me")
@blp.response(200, MeSchema)
def me():
    """Say who the token acts as, and its scopes."""
    auth = authenticated()
    if auth.user is None or auth.token is None:
        raise ApiProblem(401, "Send a personal API token to see whom it acts as.")
    return {
        "id": auth.user.id,
        "display_name": auth.user.display_name,
        "role": auth.user.role.value,
        "scopes": sorted(auth.token.scope_set),
    }


@blp.route("/areas")
@blp.response(200, AreaSchema(many=True))
def areas():
    """List the council's process and service areas (ids for the `area` filter)."""
    return [represent.area(a) for a in service.list_areas()]


@blp.route("/consultations")
@blp.arguments(ConsultationQuerySchema, location="query")
@blp.response(200, ConsultationPageSchema)
def list_consultations(query: dict[str, Any]):
    """List the consultations you may see, with the listing page's filters and order."""
    user = acting_user()
    filters = service.ListingFilters(
        query=query.get("q", "").strip(),
        area_id=query.get("area"),
        status=Status(query["status"]) if "status" in query else None,
        audience=Audience(query["audience"]) if "audience" in query else None,
    )
    shown = {k: v for k, v in query.items() if k != "cursor"}
    page_number = read_cursor(query.get("cursor"), "consultations", shown)
    page = service.list_consultations(user, filters, page_number)
    items = [represent.consultation(c) for c in page.items]
    db.session.commit()  # nothing written; ends the read transaction promptly
    return {
        "items": items,
        "next_cursor": make_cursor("consultations", shown, page_number + 1)
        if page.has_next
        else None,
    }


@blp.route("/consultations/<int:consultation_id>")
@blp.response(200, ConsultationSchema)
def get_consultation(consultation_id: int):
    """Show one consultation."""
    return represent.consultation(consultation_for(acting_user(), consultation_id))


@blp.route("/consultations", methods=["POST"])
@needs(Scope.OFFICER)
@blp.arguments(ConsultationInputSchema)
@blp.response(201, ConsultationSchema)
def create_consultation(data: dict[str, Any]):
    """Draft a consultation (officers)."""
    user = acting_user()
    if not has_permission(user, Permission.RUN_CONSULTATIONS):
        raise ApiProblem(403, "Only council officers can run consultations.")
    details = service.ConsultationDetails(**{**data, "audience": Audience(data["audience"])})
    consultation = service.create_consultation(user, details)
    db.session.commit()
    return (
        represent.consultation(consultation),
        201,
        {
            "Location": url_for(
                "api_consultations.get_consultation", consultation_id=consultation.id
            )
        },
    )


@blp.route("/consultations/<int:consultation_id>/transitions", methods=["POST"])
@needs(Scope.OFFICER)
@blp.arguments(TransitionInputSchema)
@blp.response(200, ConsultationSchema)
def transition(data: dict[str, Any], consultation_id: int):
    """Schedule, unschedule, open, close or archive a consultation (officers)."""
    consultation = consultation_for(acting_user(), consultation_id, Action.MANAGE)
    TRANSITIONS[data["action"]](consultation)
    db.session.commit()
    return represent.consultation(consultation)


@blp.route("/consultations/<int:consultation_id>/announcements")
@blp.response(200, AnnouncementListSchema)
def list_announcements(consultation_id: int):
    """List a consultation's announcements, newest first."""
    consultation = consultation_for(acting_user(), consultation_id)
    return {"items": [represent.announcement(a) for a in service.announcements_for(consultation)]}


@blp.route("/consultations/<int:consultation_id>/announcements", methods=["POST"])
@needs(Scope.OFFICER)
@blp.arguments(AnnouncementInputSchema)
@blp.response(201, AnnouncementSchema)
def post_announcement(data: dict[str, Any], consultation_id: int):
    """Post an announcement; followers are told (officers)."""
    user = acting_user()
    consultation = consultation_for(user, consultation_id, Action.ANNOUNCE)
    announcement = service.post_announcement(consultation, user, data["title"], data["body"])
    db.session.commit()
    return represent.announcement(announcement), 201


@blp.route("/consultations/<int:consultation_id>/outcome")
@blp.response(200, OutcomeSchema)
def get_outcome(consultation_id: int):
    """Show what the council decided, once published."""
    consultation = consultation_for(acting_user(), consultation_id)
    if consultation.outcome is None:
        raise not_found("outcome (it is published after the consultation closes)")
    return represent.outcome(consultation.outcome)


@blp.route("/consultations/<int:consultation_id>/outcome", methods=["PUT"])
@needs(Scope.OFFICER)
@blp.arguments(OutcomeInputSchema)
@blp.response(200, OutcomeSchema)
def publish_outcome(data: dict[str, Any], consultation_id: int):
    """Publish or correct the outcome of a closed consultation (officers)."""
    user = acting_user()
    consultation = consultation_for(user, consultation_id, Action.PUBLISH_OUTCOME)
    outcome = service.publish_outcome(consultation, user, **data)
    db.session.commit()
    return represent.outcome(outcome)
