"""Forms for running consultations, announcing, publishing outcomes and editing areas."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from townhall.consultations.models import (
    AREA_NAME_MAX,
    BODY_MAX,
    LATITUDE_MAX,
    LONGITUDE_MAX,
    RADIUS_M_MAX,
    RADIUS_M_MIN,
    RESPONSE_DAYS_MAX,
    RESPONSE_DAYS_MIN,
    SUMMARY_MAX,
    TITLE_MAX,
    AreaKind,
    Audience,
)
from townhall.consultations.service import (
    LATITUDE_MESSAGE,
    LONGITUDE_MESSAGE,
    RADIUS_MESSAGE,
    RESPONSE_DAYS_MESSAGE,
    ConsultationDetails,
    list_areas,
)
from townhall.form_handling import InRange, an_id, choose_from_list

# Times are typed and shown in the council's local time, stored in UTC.
LOCAL_ZONE = ZoneInfo("Europe/London")


def to_utc(value: datetime | None) -> datetime | None:
    """Read a local wall-clock time from a form as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=LOCAL_ZONE).astimezone(UTC)


def to_local(value: datetime | None) -> datetime | None:
    """Show a stored UTC time as a local wall-clock time in a form."""
    if value is None:
        return None
    return value.astimezone(LOCAL_ZONE).replace(tzinfo=None)


class ConsultationForm(FlaskForm):
    """Create or edit a consultation."""

    title = StringField(
        "Title",
        validators=[DataRequired("Give the consultation a title."), Length(max=TITLE_MAX)],
    )
    summary = TextAreaField(
        "Summary",
        description="One or two sentences shown in listings.",
        validators=[DataRequired("Write a short summary."), Length(max=SUMMARY_MAX)],
    )
    body = TextAreaField(
        "What we are asking",
        description="The full text. You can use Markdown: **bold**, lists, links.",
        validators=[DataRequired("Write what the consultation is about."), Length(max=BODY_MAX)],
    )
    process_area_id = SelectField(
        "Process area",
        coerce=int,
        validators=[
            InputRequired("Choose a process area."),
            an_id("Choose a process area from the list."),
        ],
    )
    service_area_id = SelectField(
        "Service area",
        coerce=int,
        validators=[
            InputRequired("Choose a service area."),
            an_id("Choose a service area from the list."),
        ],
    )
    audience = RadioField(
        "Who is it for?",
        choices=[SelectChoice(a.value, a.label) for a in Audience],
        default=Audience.PUBLIC.value,
        validators=[DataRequired("Choose who it is for.")],
        **choose_from_list("Choose who it is for: everyone or council staff only."),
    )
    opens_at = DateTimeLocalField(
        "Opens", description="UK time. Leave empty to open it by hand.", validators=[Optional()]
    )
    closes_at = DateTimeLocalField("Closes", description="UK time.", validators=[Optional()])
    uses_dialogue = BooleanField("Dialogue: comments and replies", default=True)
    uses_proposals = BooleanField("Proposals: people put forward ideas and support them")
    uses_voting = BooleanField("Voting: people decide between options")
    uses_outcome = BooleanField("Outcome: the council publishes what it decided", default=True)
    response_days = IntegerField(
        "Official response standard (working days)",
        description=(
            "Questions get an official response within this many working days: "
            f"{RESPONSE_DAYS_MIN} to {RESPONSE_DAYS_MAX}."
        ),
        default=10,
        validators=[
            InputRequired("Say how many working days."),
            InRange(RESPONSE_DAYS_MIN, RESPONSE_DAYS_MAX, RESPONSE_DAYS_MESSAGE),
        ],
    )
    latitude = DecimalField(
        "Latitude",
        places=6,
        validators=[Optional(), InRange(-LATITUDE_MAX, LATITUDE_MAX, LATITUDE_MESSAGE)],
    )
    longitude = DecimalField(
        "Longitude",
        places=6,
        validators=[Optional(), InRange(-LONGITUDE_MAX, LONGITUDE_MAX, LONGITUDE_MESSAGE)],
    )
    radius_m = IntegerField(
        "Radius (metres)",
        description=f"From {RADIUS_M_MIN} to {RADIUS_M_MAX:,} metres.",
        validators=[Optional(), InRange(RADIUS_M_MIN, RADIUS_M_MAX, RADIUS_MESSAGE)],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.process_area_id.choices = [
            SelectChoice(a.id, a.name) for a in list_areas(AreaKind.PROCESS)
        ]
        self.service_area_id.choices = [
            SelectChoice(a.id, a.name) for a in list_areas(AreaKind.SERVICE)
        ]

    def details(self) -> ConsultationDetails:
        """The form's values as the service takes them."""
        return ConsultationDetails(
            title=self.title.data.strip(),
            summary=self.summary.data.strip(),
            body=self.body.data,
            process_area_id=self.process_area_id.data,
            service_area_id=self.service_area_id.data,
            audience=Audience(self.audience.data),
            opens_at=to_utc(self.opens_at.data),
            closes_at=to_utc(self.closes_at.data),
            uses_dialogue=self.uses_dialogue.data,
            uses_proposals=self.uses_proposals.data,
            uses_voting=self.uses_voting.data,
            uses_outcome=self.uses_outcome.data,
            response_days=self.response_days.data,
            latitude=float(self.latitude.data) if self.latitude.data is not None else None,
            longitude=float(self.longitude.data) if self.longitude.data is not None else None,
            radius_m=self.radius_m.data,
        )


class TransitionForm(FlaskForm):
    """Move a consultation along its lifecycle."""

    action = StringField(validators=[DataRequired()])


class AnnouncementForm(FlaskForm):
    """Post an announcement."""

    title = StringField(
        "Title", validators=[DataRequired("Give the announcement a title."), Length(max=TITLE_MAX)]
    )
    body = TextAreaField(
        "Announcement",
        description="You can use Markdown. Followers are notified.",
        validators=[DataRequired("Write the announcement."), Length(max=BODY_MAX)],
    )


class OutcomeForm(FlaskForm):
    """Publish what the council decided."""

    you_said = TextAreaField(
        "You said",
        description="What people told us, in summary.",
        validators=[DataRequired("Sum up what people said."), Length(max=BODY_MAX)],
    )
    decision = TextAreaField(
        "We decided", validators=[DataRequired("Say what was decided."), Length(max=BODY_MAX)]
    )
    reasons = TextAreaField(
        "Why", validators=[DataRequired("Give the reasons."), Length(max=BODY_MAX)]
    )
    next_steps = TextAreaField(
        "What happens next",
        validators=[DataRequired("Say what happens next."), Length(max=BODY_MAX)],
    )


class AreaForm(FlaskForm):
    """Add an area to one of the council's lists."""

    kind = RadioField(
        "List",
        choices=[SelectChoice(k.value, k.label) for k in AreaKind],
        validators=[DataRequired("Choose a list.")],
        **choose_from_list("Choose a list: process areas or service areas."),
    )
    name = StringField(
        "Name", validators=[DataRequired("Enter a name for the area."), Length(max=AREA_NAME_MAX)]
    )


class AreaChangeForm(FlaskForm):
    """Rename, retire or restore an area."""

    name = StringField("New name", validators=[Optional(), Length(max=AREA_NAME_MAX)])
    action = StringField(validators=[DataRequired()])
