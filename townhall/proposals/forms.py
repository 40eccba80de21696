"""Forms for proposals, the support threshold, setting up votes, receipts and home
locations. Ballots are read by the view itself: their fields depend on the vote."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    FloatField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from townhall.consultations.forms import to_utc
from townhall.consultations.models import LATITUDE_MAX, LONGITUDE_MAX
from townhall.consultations.service import LATITUDE_MESSAGE, LONGITUDE_MESSAGE
from townhall.form_handling import InRange, an_id, choose_from_list
from townhall.moderation.service import longest_allowed
from townhall.proposals.errors import VoteInvalid
from townhall.proposals.models import (
    BODY_MAX,
    LOCATION_MAX,
    MAX_SEATS,
    SEATS_MESSAGE,
    TITLE_MAX,
    Eligibility,
    Method,
    Proposal,
)
from townhall.proposals.named_places import NamedPlace
from townhall.proposals.service import MAX_COST, MAX_THRESHOLD, ProposalDetails
from townhall.proposals.votes import MAX_BUDGET, VoteDetails


class DegreesField(FloatField):
    """A latitude or longitude in decimal degrees, with a message in plain words."""

    def process_formdata(self, valuelist: list[str]) -> None:
        # A browser sends an empty box as "": that is no point given, not a bad number.
        if valuelist and not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(
                f"Give the {self.short_name} in degrees, such as {self.example}."
            ) from None

    def pre_validate(self, form: FlaskForm) -> None:
        # A value that is not a number has its message already: skip the range check.
        if self.process_errors:
            raise StopValidation()

    @property
    def example(self) -> str:
        return "51.752" if self.short_name == "latitude" else "-1.2577"


def text_max_chars() -> int:
    """The longest proposal (title and text) the signed-in person may put forward: the
    channel standards' limit where it is stricter than what is stored (BODY_MAX)."""
    role = current_user.role.value if current_user.is_authenticated else "citizen"
    limit = longest_allowed("proposal", role)
    return min(BODY_MAX, limit) if limit else BODY_MAX


class ProposalForm(FlaskForm):
    """Put a proposal forward."""

    title = StringField(
        "Title",
        validators=[DataRequired("Give your proposal a title."), Length(max=TITLE_MAX)],
    )
    # The description states the limit, and validate_body checks it: see text_max_chars.
    body = TextAreaField("Your proposal", validators=[DataRequired("Describe your proposal.")])
    cost = IntegerField(
        "Estimated cost in pounds (optional)",
        description="Whole pounds, such as 4500. Needed if it is to go to a budget vote.",
        validators=[
            Optional(),
            InRange(0, MAX_COST, f"Give a cost in whole pounds, from £0 to £{MAX_COST:,}."),
        ],
    )
    location = StringField(
        "Where (optional)",
        description="A street, park or building, if it is about one place.",
        validators=[Optional(), Length(max=LOCATION_MAX)],
    )
    # The choices (the council's places) are set by the view; an unknown one gets the
    # service's message rather than WTForms' "Not a valid choice".
    place_id = SelectField(
        "One of the council's places",
        coerce=int,
        validate_choice=False,
        default=0,
        validators=[an_id("There is no such place: choose one from the list.", none=True)],
    )
    latitude = DegreesField(
        "Latitude",
        description="Or a point of your own: decimal degrees, such as 51.752.",
        validators=[Optional(), NumberRange(-LATITUDE_MAX, LATITUDE_MAX, LATITUDE_MESSAGE)],
    )
    longitude = DegreesField(
        "Longitude",
        description="Such as -1.2577.",
        validators=[
            Optional(),
            NumberRange(-LONGITUDE_MAX, LONGITUDE_MAX, LONGITUDE_MESSAGE),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.body.description = (
            f"What should happen, and why, in up to {text_max_chars():,} characters with the "
            "title. You can use Markdown: **bold**, lists, links."
        )

    def validate_body(self, field: TextAreaField) -> None:
        """Measure title and text as the standards do, and the text as it is stored."""
        body = (field.data or "").strip()
        limit = text_max_chars()
        size = len(f"{(self.title.data or '').strip()}\n\n{body}".strip())
        if size > limit or len(body) > BODY_MAX:
            raise ValidationError(
                f"A proposal can be at most {limit:,} characters with its title; this one "
                f"has {size:,}. Shorten it and send it again."
            )

    def set_places(self, places: list[NamedPlace]) -> None:
        """Offer these places to pin the proposal to."""
        self.place_id.choices = [SelectChoice(0, "None")] + [
            SelectChoice(p.id, p.name) for p in places
        ]

    def details(self) -> ProposalDetails:
        """The form's values as the service takes them."""
        return ProposalDetails(
            title=self.title.data or "",
            body=self.body.data or "",
            cost=self.cost.data,
            location=self.location.data,
            place_id=self.place_id.data or None,
            latitude=self.latitude.data,
            longitude=self.longitude.data,
        )


class ThresholdForm(FlaskForm):
    """Set the supports a proposal needs to be shortlisted."""

    threshold = IntegerField(
        "Supports needed to be shortlisted",
        validators=[
            InputRequired("Say how many supports are needed."),
            InRange(1, MAX_THRESHOLD, f"Use 1 to {MAX_THRESHOLD:,}."),
        ],
    )


class ActionForm(FlaskForm):
    """A button that does one thing (support, withdraw support, close a vote)."""

    action = StringField(validators=[DataRequired()])


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (instead of a multiple select, which is hard to use)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class VoteForm(FlaskForm):
    """Set up a vote."""

    title = StringField(
        "Question",
        description="What people are deciding, such as “Which project should we fund?”",
        validators=[DataRequired("Write the question people vote on."), Length(max=TITLE_MAX)],
    )
    description = TextAreaField(
        "More about this vote (optional)",
        description="You can use Markdown.",
        validators=[Optional(), Length(max=BODY_MAX)],
    )
    method = SelectField(
        "Counting method",
        choices=[SelectChoice(m.value, m.label) for m in Method],
        default=Method.IRV.value,
        validators=[DataRequired("Choose a counting method.")],
        **choose_from_list("Choose a counting method from the list."),
    )
    seats = IntegerField(
        "Winners",
        description=(
            f"How many options win, from 1 to {MAX_SEATS}: fewer than the options. "
            "One for yes-or-no and instant-runoff votes."
        ),
        default=1,
        validators=[
            InputRequired("Say how many options win."),
            InRange(1, MAX_SEATS, SEATS_MESSAGE),
        ],
    )
    budget = IntegerField(
        "Budget in pounds (budgeting methods only)",
        validators=[
            Optional(),
            InRange(1, MAX_BUDGET, f"Give a budget in whole pounds, from £1 to £{MAX_BUDGET:,}."),
        ],
    )
    ballot_within_budget = BooleanField(
        "Budgeting: refuse ballots whose chosen projects cost more than the budget"
    )
    proposal_ids = MultiCheckboxField(
        "Shortlisted proposals",
        coerce=int,
        validate_choice=True,
        validators=[an_id("Choose from the shortlisted proposals.")],
    )
    stated_options = TextAreaField(
        "Other options (optional)",
        description=(
            "One per line. For a budget vote, add the cost after a bar: "
            "“New benches | 4000”. Leave empty for a yes-or-no vote."
        ),
        validators=[Optional(), Length(max=10_000)],
    )
    opens_at = DateTimeLocalField(
        "Opens", description="UK time.", validators=[InputRequired("Say when the vote opens.")]
    )
    closes_at = DateTimeLocalField(
        "Closes", description="UK time.", validators=[InputRequired("Say when the vote closes.")]
    )
    live_tallies = BooleanField("Show the running tally while the vote is open")
    eligibility = RadioField(
        "Who may vote",
        choices=[SelectChoice(e.value, e.label) for e in Eligibility],
        default=Eligibility.VERIFIED.value,
        validators=[DataRequired("Choose who may vote.")],
        **choose_from_list("Choose who may vote from the list."),
    )

    def set_proposals(self, proposals: list[Proposal]) -> None:
        """Offer these shortlisted proposals as options."""
        self.proposal_ids.choices = [
            SelectChoice(p.id, p.title + (f" (£{p.cost:,})" if p.cost is not None else ""))
            for p in proposals
        ]

    def details(self) -> VoteDetails:
        """The form's values as the service takes them; VoteInvalid for a bad option line."""
        stated: list[tuple[str, int | None]] = []
        for line in (self.stated_options.data or "").splitlines():
            label, bar, cost_text = line.rpartition("|") if "|" in line else (line, "", "")
            cost_text = cost_text.strip().replace(",", "").lstrip("£")
            cost: int | None = None
            if bar and cost_text:
                if not (cost_text.isascii() and cost_text.isdigit()):
                    raise VoteInvalid(f"The cost after the bar in “{line.strip()}” must be pounds.")
                cost = int(cost_text)
            if label.strip():
                stated.append((label, cost))
        opens, closes = to_utc(self.opens_at.data), to_utc(self.closes_at.data)
        assert opens is not None and closes is not None  # InputRequired
        return VoteDetails(
            title=self.title.data or "",
            description=self.description.data or "",
            method=Method(self.method.data),
            seats=self.seats.data or 1,
            budget=self.budget.data,
            ballot_within_budget=self.ballot_within_budget.data,
            opens_at=opens,
            closes_at=closes,
            live_tallies=self.live_tallies.data,
            eligibility=Eligibility(self.eligibility.data),
            proposal_ids=list(self.proposal_ids.data or []),
            stated_options=stated,
        )


class ReceiptForm(FlaskForm):
    """Check a receipt code."""

    code = StringField(
        "Receipt code",
        description="The code you were given when you voted, such as ABCD-EFGH-JKLM-NOPQ.",
        validators=[DataRequired("Enter your receipt code."), Length(max=40)],
    )


class HomeLocationForm(FlaskForm):
    """Say where one lives, for votes open to an area."""

    latitude = DecimalField(
        "Latitude",
        places=6,
        description="For example 51.5072. Your home location is never shown to anyone.",
        validators=[
            InputRequired("Enter the latitude."),
            InRange(-LATITUDE_MAX, LATITUDE_MAX, LATITUDE_MESSAGE),
        ],
    )
    longitude = DecimalField(
        "Longitude",
        places=6,
        description="For example -0.1276.",
        validators=[
            InputRequired("Enter the longitude."),
            InRange(-LONGITUDE_MAX, LONGITUDE_MAX, LONGITUDE_MESSAGE),
        ],
    )
