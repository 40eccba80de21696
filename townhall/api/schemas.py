"""The shapes of what the API takes and gives, as marshmallow schemas.

These schemas are the OpenAPI document: flask-smorest turns them into its
components, so the document cannot drift from what the code checks and returns.
Input schemas refuse unknown fields (marshmallow's default), so a misspelt field
is named in a 422 rather than silently ignored.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate

from townhall.api.core import acting_user
from townhall.api.models import EVENTS
from townhall.consultations.models import (
    LATITUDE_MAX,
    LONGITUDE_MAX,
    RADIUS_M_MAX,
    RADIUS_M_MIN,
    RESPONSE_DAYS_MAX,
    RESPONSE_DAYS_MIN,
    SUMMARY_MAX,
    TITLE_MAX,
    Audience,
    Phase,
    Status,
)
from townhall.consultations.service import (
    LATITUDE_MESSAGE,
    LONGITUDE_MESSAGE,
    RADIUS_MESSAGE,
    RESPONSE_DAYS_MESSAGE,
)
from townhall.dialogue.models import ReactionKind
from townhall.dialogue.service import BODY_MAX, Sort
from townhall.moderation.service import current_standards
from townhall.moderation.standards import Standards
from townhall.proposals.models import (
    MAX_OPTIONS,
    MAX_SEATS,
    SEATS_MESSAGE,
    Eligibility,
    Method,
    ProposalStatus,
)

#: The longest announcement the API takes, whatever the standards say (the same bound
#: as a consultation's own text).
ANNOUNCEMENT_MAX = 20_000

STATUSES = [s.value for s in Status]
AUDIENCES = [a.value for a in Audience]


def _when(description: str, *, nullable: bool = True) -> fields.AwareDateTime:
    return fields.AwareDateTime(
        allow_none=nullable, required=True, metadata={"description": description}
    )


# --- texts held to the channel standards ----------------------------------------------

#: The vendor key that marks a text field held to the standards' length for a kind of
#: post; `openapi_document` turns it into the app's own `maxLength` and description.
STANDARDS_KIND = "x-standards-kind"

#: What a limit is called in messages, per kind of post.
_NOUNS = {"comment": "Comments", "announcement": "Announcements", "proposal": "Proposals"}


def text_limit(kind: str, role: str, stored_max: int, standards: Standards | None = None) -> int:
    """The most characters a `kind` of post by `role` may have: the channel standards'
    limit where it is stricter than what is stored (`stored_max`).

    The forms state and check the same number, so a text the API takes is one the
    standards take, and its document states the limit they enforce.
    """
    limit = (standards or current_standards()).max_chars(kind, role)
    return min(stored_max, limit) if limit else stored_max


class _WithinStandards:
    """Refuse a text longer than the standards allow its author (the token's owner).

    Measured as the standards and the forms measure it: spaces at either end not
    counted, a Windows line break as one character.
    """

    def __init__(self, kind: str, stored_max: int) -> None:
        self.kind = kind
        self.stored_max = stored_max

    def __call__(self, value: str) -> None:
        user = acting_user()
        role = user.role.value if getattr(user, "is_authenticated", False) else "citizen"
        limit = text_limit(self.kind, role, self.stored_max)
        size = len(value.replace("\r\n", "\n").strip())
        if size > limit:
            noun = _NOUNS.get(self.kind, "Posts")
            raise ValidationError(
                f"{noun} can be at most {limit:,} characters; this one has {size:,}. "
                "Shorten it and send it again."
            )


def post_text(kind: str, stored_max: int, description: str) -> fields.String:
    """A post's text, held to the standards' length for `kind` (and to `stored_max`).

    The field names its kind in the document (`x-standards-kind`), so the document's
    `maxLength` is filled in from the standards the app loaded, not from the code.
    """
    return fields.String(
        required=True,
        validate=[validate.Length(min=1, max=stored_max), _WithinStandards(kind, stored_max)],
        metadata={"description": description, STANDARDS_KIND: kind},
    )


# --- problems and pages ---------------------------------------------------------


class ProblemSchema(Schema):
    """An error, as RFC 9457 problem details."""

    type = fields.String(required=True, metadata={"description": "Link to the kind of problem"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True, metadata={"description": "What went wrong, in words"})
    instance = fields.String(required=True, metadata={"description": "The path asked for"})
    errors = fields.Dict(
        keys=fields.String(),
        metadata={"description": "Where the fault is (json, query, path) and per field what"},
    )


class CursorQuerySchema(Schema):
    """Where to start: the `next_cursor` of the previous page."""

    cursor = fields.String(
        validate=validate.Length(max=500),
        metadata={"description": "Opaque; copy `next_cursor` from the previous page"},
    )


# --- consultations ----------------------------------------------------------------


class ConsultationQuerySchema(CursorQuerySchema):
    """The listing page's filters."""

    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Words to find"})
    area = fields.Integer(
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "A process or service area id"},
    )
    status = fields.String(validate=validate.OneOf(STATUSES))
    audience = fields.String(validate=validate.OneOf(AUDIENCES))


class AreaSchema(Schema):
    """A process or service area."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": ["process", "service"]})
    name = fields.String(required=True)


class LocationSchema(Schema):
    """Where a consultation applies: a circle on the map."""

    latitude = fields.Float(required=True)
    longitude = fields.Float(required=True)
    radius_m = fields.Integer(required=True)


class ConsultationSchema(Schema):
    """A consultation."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    body = fields.String(required=True, metadata={"description": "As written (Markdown)"})
    body_html = fields.String(required=True, metadata={"description": "Rendered and cleaned"})
    audience = fields.String(required=True, metadata={"enum": AUDIENCES})
    status = fields.String(required=True, metadata={"enum": STATUSES})
    phases = fields.List(fields.String(metadata={"enum": [p.value for p in Phase]}), required=True)
    process_area = fields.Nested(AreaSchema, required=True)
    service_area = fields.Nested(AreaSchema, required=True)
    opens_at = _when("When it opens (or opened)")
    closes_at = _when("When it closes (or closed)")
    response_days = fields.Integer(required=True)
    location = fields.Nested(LocationSchema, allow_none=True, required=True)
    url = fields.String(required=True, metadata={"description": "The consultation's page"})


class ConsultationPageSchema(Schema):
    """A page of consultations."""

    items = fields.List(fields.Nested(ConsultationSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class LocationInputSchema(Schema):
    """Where a consultation applies: the same ranges, and words, as the form's."""

    latitude = fields.Float(
        required=True,
        validate=validate.Range(min=-LATITUDE_MAX, max=LATITUDE_MAX, error=LATITUDE_MESSAGE),
    )
    longitude = fields.Float(
        required=True,
        validate=validate.Range(min=-LONGITUDE_MAX, max=LONGITUDE_MAX, error=LONGITUDE_MESSAGE),
    )
    radius_m = fields.Integer(
        required=True,
        validate=validate.Range(min=RADIUS_M_MIN, max=RADIUS_M_MAX, error=RADIUS_MESSAGE),
    )


class ConsultationInputSchema(Schema):
    """What an officer gives to draft a consultation."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=TITLE_MAX))
    summary = fields.String(required=True, validate=validate.Length(min=1, max=SUMMARY_MAX))
    body = fields.String(required=True, validate=validate.Length(min=1, max=20_000))
    process_area_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    service_area_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    audience = fields.String(load_default="public", validate=validate.OneOf(AUDIENCES))
    opens_at = fields.AwareDateTime(allow_none=True, load_default=None)
    closes_at = fields.AwareDateTime(allow_none=True, load_default=None)
    uses_dialogue = fields.Boolean(load_default=True)
    uses_proposals = fields.Boolean(load_default=False)
    uses_voting = fields.Boolean(load_default=False)
    uses_outcome = fields.Boolean(load_default=True)
    response_days = fields.Integer(
        load_default=10,
        validate=validate.Range(
            min=RESPONSE_DAYS_MIN, max=RESPONSE_DAYS_MAX, error=RESPONSE_DAYS_MESSAGE
        ),
        metadata={
            "description": "Questions get an official response within this many working days"
        },
    )
    location = fields.Nested(
        LocationInputSchema,
        allow_none=True,
        load_default=None,
        metadata={"description": "A circle on the map, for check-ins and nearby alerts"},
    )

    @post_load
    def _flatten_location(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        """Give the location as the service takes it: latitude, longitude and radius_m."""
        location = data.pop("location", None) or {}
        return {**data, **{k: location.get(k) for k in ("latitude", "longitude", "radius_m")}}


class TransitionInputSchema(Schema):
    """A step in a consultation's life."""

    action = fields.String(
        required=True,
        validate=validate.OneOf(["schedule", "unschedule", "open", "close", "archive"]),
    )


class AnnouncementSchema(Schema):
    """An officer's update on a consultation."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    body_html = fields.String(required=True)
    created_at = _when("When it was posted", nullable=False)


class AnnouncementListSchema(Schema):
    items = fields.List(fields.Nested(AnnouncementSchema), required=True)


class AnnouncementInputSchema(Schema):
    """A new announcement."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=TITLE_MAX))
    body = post_text("announcement", ANNOUNCEMENT_MAX, "The update, in Markdown")


class OutcomeSchema(Schema):
    """What the council decided: "you said, we did"."""

    you_said = fields.String(required=True)
    decision = fields.String(required=True)
    reasons = fields.String(required=True)
    next_steps = fields.String(required=True)
    body_html = fields.String(required=True)
    published_at = _when("When it was (last) published", nullable=False)


class OutcomeInputSchema(Schema):
    """The four parts of an outcome."""

    you_said = fields.String(required=True, validate=validate.Length(min=1, max=20_000))
    decision = fields.String(required=True, validate=validate.Length(min=1, max=20_000))
    reasons = fields.String(required=True, validate=validate.Length(min=1, max=20_000))
    next_steps = fields.String(required=True, validate=validate.Length(min=1, max=20_000))


# --- dialogue -----------------------------------------------------------------------


class CommentQuerySchema(CursorQuerySchema):
    sort = fields.String(validate=validate.OneOf([s.value for s in Sort]))


class CommentSchema(Schema):
    """A comment with its replies (a whole thread when it is a root)."""

    id = fields.Integer(required=True)
    parent_id = fields.Integer(allow_none=True, required=True)
    depth = fields.Integer(required=True)
    author = fields.String(required=True, metadata={"description": "Display name"})
    body = fields.String(required=True, metadata={"description": "Empty when deleted"})
    body_html = fields.String(required=True)
    is_question = fields.Boolean(required=True)
    is_official = fields.Boolean(required=True)
    answered_at = _when("When an official response first answered it")
    created_at = _when("When it was posted", nullable=False)
    edited_at = _when("When it was last edited")
    deleted = fields.Boolean(required=True)
    reactions = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    replies = fields.List(fields.Nested(lambda: CommentSchema()), required=True)


class ThreadPageSchema(Schema):
    items = fields.List(fields.Nested(CommentSchema), required=True)
    total_threads = fields.Integer(required=True)
    total_comments = fields.Integer(required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class CommentInputSchema(Schema):
    """A new comment, or a reply when `parent_id` is given."""

    body = post_text("comment", BODY_MAX, "The comment, in Markdown")
    parent_id = fields.Integer(
        allow_none=True, load_default=None, validate=validate.Range(min=1, max=2**31 - 1)
    )
    is_question = fields.Boolean(load_default=False)
    official = fields.Boolean(
        load_default=False, metadata={"description": "An officer's official response"}
    )


class ReactionInputSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in ReactionKind]))


class ReactionResultSchema(Schema):
    kind = fields.String(required=True)
    on = fields.Boolean(required=True, metadata={"description": "Whether your reaction is on"})
    count = fields.Integer(required=True)


# --- proposals and votes -----------------------------------------------------------


class PositionSchema(Schema):
    """A point on the map."""

    latitude = fields.Float(required=True)
    longitude = fields.Float(required=True)


class ProposalSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    body_html = fields.String(required=True)
    cost = fields.Integer(allow_none=True, required=True)
    location = fields.String(
        allow_none=True, required=True, metadata={"description": "Where, in the author's words"}
    )
    position = fields.Nested(
        PositionSchema,
        allow_none=True,
        required=True,
        metadata={"description": "The point the proposal is pinned to, if any"},
    )
    status = fields.String(required=True, metadata={"enum": [s.value for s in ProposalStatus]})
    supports = fields.Integer(required=True)
    created_at = _when("When it was put forward", nullable=False)


class ProposalListSchema(Schema):
    items = fields.List(fields.Nested(ProposalSchema), required=True)
    support_threshold = fields.Integer(required=True)


class SupportResultSchema(Schema):
    supported = fields.Boolean(required=True)
    supports = fields.Integer(required=True)


class VoteOptionSchema(Schema):
    id = fields.Integer(required=True)
    key = fields.String(required=True, metadata={"description": "The option's name in results"})
    label = fields.String(required=True)
    proposal_id = fields.Integer(allow_none=True, required=True)
    cost = fields.Integer(allow_none=True, required=True)


class VoteSchema(Schema):
    """A vote; `result` is the frozen result once closed, or the running tally where shown."""

    id = fields.Integer(required=True)
    consultation_id = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    method = fields.String(required=True, metadata={"enum": [m.value for m in Method]})
    ballot_shape = fields.String(
        required=True, metadata={"enum": ["choice", "approve", "scores", "ranking"]}
    )
    seats = fields.Integer(required=True)
    budget = fields.Integer(allow_none=True, required=True)
    opens_at = _when("When ballots open", nullable=False)
    closes_at = _when("When ballots close", nullable=False)
    state = fields.String(required=True, metadata={"enum": ["upcoming", "open", "closed"]})
    eligibility = fields.String(required=True, metadata={"enum": [e.value for e in Eligibility]})
    live_tallies = fields.Boolean(required=True)
    options = fields.List(fields.Nested(VoteOptionSchema), required=True)
    ballots_cast = fields.Integer(allow_none=True, required=True)
    winners = fields.List(fields.String(), allow_none=True, required=True)
    result = fields.Dict(allow_none=True, required=True, metadata={"description": "See docs"})


class VoteListSchema(Schema):
    items = fields.List(fields.Nested(VoteSchema), required=True)


class StatedOptionSchema(Schema):
    label = fields.String(required=True, validate=validate.Length(min=1, max=200))
    cost = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(min=0))


class VoteInputSchema(Schema):
    """What an officer gives to set up a vote."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=TITLE_MAX))
    method = fields.String(required=True, validate=validate.OneOf([m.value for m in Method]))
    opens_at = fields.AwareDateTime(required=True)
    closes_at = fields.AwareDateTime(required=True)
    description = fields.String(load_default="", validate=validate.Length(max=20_000))
    seats = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=MAX_SEATS, error=SEATS_MESSAGE),
        metadata={"description": "How many options win (fewer than the options)"},
    )
    budget = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(min=1))
    ballot_within_budget = fields.Boolean(load_default=False)
    live_tallies = fields.Boolean(load_default=False)
    eligibility = fields.String(
        load_default="verified", validate=validate.OneOf([e.value for e in Eligibility])
    )
    proposal_ids = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=2**31 - 1)),
        load_default=list,
        validate=validate.Length(max=MAX_OPTIONS),
    )
    stated_options = fields.List(
        fields.Nested(StatedOptionSchema),
        load_default=list,
        validate=validate.Length(max=MAX_OPTIONS),
    )


class BallotInputSchema(Schema):
    """A ballot: fill the field that matches the vote's `ballot_shape`."""

    ranking = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=2**31 - 1)),
        validate=validate.Length(max=100),
        metadata={"description": "Option ids, most preferred first"},
    )
    approve = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=2**31 - 1)),
        validate=validate.Length(max=100),
    )
    scores = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^[0-9]{1,10}$")),
        values=fields.Integer(validate=validate.Range(min=0, max=5)),
        metadata={"description": "Option id -> score 0 to 5"},
    )
    choice = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))


class ReceiptSchema(Schema):
    receipt = fields.String(required=True, metadata={"description": "Shown once: keep it"})
    changed = fields.Boolean(required=True, metadata={"description": "Replaced an earlier one"})


# --- who am I, webhooks ---------------------------------------------------------------


class MeSchema(Schema):
    id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True)
    scopes = fields.List(fields.String(), required=True)


class WebhookInputSchema(Schema):
    url = fields.Url(
        required=True,
        schemes={"http", "https"},
        require_tld=False,
        validate=validate.Length(max=500),
    )
    events = fields.List(
        fields.String(validate=validate.OneOf(sorted(EVENTS))),
        required=True,
        validate=validate.Length(min=1),
    )


class WebhookSchema(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    events = fields.List(fields.String(), required=True)
    created_at = _when("When it was registered", nullable=False)
    disabled = fields.Boolean(required=True)


class WebhookCreatedSchema(WebhookSchema):
    secret = fields.String(required=True, metadata={"description": "Shown once: signs bodies"})


class WebhookListSchema(Schema):
    items = fields.List(fields.Nested(WebhookSchema), required=True)


class DeliverySchema(Schema):
    id = fields.Integer(required=True)
    event = fields.String(required=True)
    created_at = _when("When the event happened", nullable=False)
    attempts = fields.Integer(required=True)
    next_attempt_at = _when("When it will be tried again")
    last_attempt_at = _when("When it was last tried")
    response_status = fields.Integer(allow_none=True, required=True)
    response_body = fields.String(allow_none=True, required=True)
    delivered_at = _when("When the receiver accepted it")
    failed_at = _when("When retries ran out")


class DeliveryListSchema(Schema):
    items = fields.List(fields.Nested(DeliverySchema), required=True)


# --- moderation and places -------------------------------------------------------------


class ClauseSchema(Schema):
    number = fields.String(required=True)
    title = fields.String(required=True)
    explanation = fields.String(required=True)
    action = fields.String(required=True)


class StandardsSchema(Schema):
    title = fields.String(required=True)
    clauses = fields.List(fields.Nested(ClauseSchema), required=True)


class ClauseCountSchema(Schema):
    number = fields.String(required=True)
    title = fields.String(required=True)
    posts = fields.Integer(required=True)


class FiguresSchema(Schema):
    """Moderation in aggregate: no post, author or moderator is named."""

    posts = fields.Integer(required=True)
    by_state = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_auto_action = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_clause = fields.List(fields.Nested(ClauseCountSchema), required=True)
    by_verdict = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    median_minutes = fields.Float(allow_none=True, required=True)
    appeals = fields.Integer(required=True)
    appeals_decided = fields.Integer(required=True)
    appeals_upheld = fields.Integer(required=True)


class FlagInputSchema(Schema):
    clause = fields.String(required=True, validate=validate.Length(min=1, max=20))
    note = fields.String(load_default="", validate=validate.Length(max=1000))


class FlagResultSchema(Schema):
    flagged = fields.Boolean(required=True)


class PlaceSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    address = fields.String(required=True)
    latitude = fields.Float(required=True)
    longitude = fields.Float(required=True)
    opening_hours = fields.String(required=True)


class SavedAreaSchema(Schema):
    id = fields.Integer(required=True)
    label = fields.String(required=True)
    latitude = fields.Float(required=True)
    longitude = fields.Float(required=True)
    radius_m = fields.Integer(required=True)
    place_id = fields.Integer(allow_none=True, required=True)


class SavedAreaListSchema(Schema):
    items = fields.List(fields.Nested(SavedAreaSchema), required=True)


class SavedAreaInputSchema(Schema):
    """A point and radius, or a place (then its point and a small radius)."""

    label = fields.String(load_default="", validate=validate.Length(max=80))
    latitude = fields.Float(
        validate=validate.Range(min=-LATITUDE_MAX, max=LATITUDE_MAX, error=LATITUDE_MESSAGE)
    )
    longitude = fields.Float(
        validate=validate.Range(min=-LONGITUDE_MAX, max=LONGITUDE_MAX, error=LONGITUDE_MESSAGE)
    )
    radius_m = fields.Integer(validate=validate.Range(min=1, max=50_000))
    place_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
