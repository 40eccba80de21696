"""Forms for places, tasks, areas of interest and alert settings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from townhall.consultations.models import LATITUDE_MAX, LONGITUDE_MAX
from townhall.consultations.service import LATITUDE_MESSAGE, LONGITUDE_MESSAGE
from townhall.form_handling import InRange, an_id, choose_from_list
from townhall.places.alerts import MAX_RADIUS_M
from townhall.places.models import (
    ADDRESS_MAX,
    HOURS_MAX,
    LABEL_MAX,
    NAME_MAX,
    NOTE_MAX,
    TASK_TITLE_MAX,
    EmailFrequency,
    PlaceKind,
)

# A consultation's ranges and words: the same mistake reads the same on every form.
LATITUDE = [
    InputRequired("Give a latitude."),
    InRange(-LATITUDE_MAX, LATITUDE_MAX, LATITUDE_MESSAGE),
]
LONGITUDE = [
    InputRequired("Give a longitude."),
    InRange(-LONGITUDE_MAX, LONGITUDE_MAX, LONGITUDE_MESSAGE),
]


class PlaceForm(FlaskForm):
    """An officer's description of a place."""

    name = StringField(
        "Name", validators=[DataRequired("Give the place a name."), Length(max=NAME_MAX)]
    )
    kind = SelectField(
        "Kind of place",
        choices=[SelectChoice(k.value, k.label) for k in PlaceKind],
        **choose_from_list("Choose a kind of place from the list."),
    )
    address = StringField(
        "Address", validators=[DataRequired("Give its address."), Length(max=ADDRESS_MAX)]
    )
    latitude = FloatField(
        "Latitude", description="Decimal degrees, such as 51.5072.", validators=LATITUDE
    )
    longitude = FloatField(
        "Longitude", description="Decimal degrees, such as -0.1276.", validators=LONGITUDE
    )
    opening_hours = TextAreaField("Opening hours", validators=[Optional(), Length(max=HOURS_MAX)])
    service_area_id = SelectField(
        "Service area",
        coerce=int,
        validators=[Optional(), an_id("Choose a service area from the list.", none=True)],
    )


class LinkConsultationForm(FlaskForm):
    """Show a consultation at a place."""

    consultation_id = SelectField(
        "Consultation", coerce=int, validators=[an_id("Choose a consultation from the list.")]
    )


class CheckInForm(FlaskForm):
    """The check-in button; the browser fills in its position only when the person shares it."""

    latitude = HiddenField()
    longitude = HiddenField()


class TaskForm(FlaskForm):
    """An officer's task for staff at a place."""

    place_id = SelectField(
        "Place",
        coerce=int,
        validators=[
            InputRequired("Choose a place."),
            an_id("There is no such place: choose one from the list of places."),
        ],
    )
    title = StringField(
        "Task", validators=[DataRequired("Say what needs doing."), Length(max=TASK_TITLE_MAX)]
    )
    details = TextAreaField("Details", validators=[Optional(), Length(max=2000)])
    assignee_id = SelectField(
        "For",
        coerce=int,
        description="One person, or any member of staff.",
        validators=[an_id("Choose who the task is for from the list.", none=True)],
    )
    due_at = DateTimeLocalField(
        "Due", description="UK time.", validators=[InputRequired("Give a due date and time.")]
    )


class TaskActionForm(FlaskForm):
    """Accept, complete or hand back a task, with a note."""

    note = TextAreaField("Note", validators=[Optional(), Length(max=NOTE_MAX)])


class AreaForm(FlaskForm):
    """A point and radius to hear about."""

    label = StringField("Name for this area", validators=[Optional(), Length(max=LABEL_MAX)])
    latitude = FloatField("Latitude", validators=LATITUDE)
    longitude = FloatField("Longitude", validators=LONGITUDE)
    radius_m = IntegerField(
        "Radius in metres",
        description=f"From 1 metre to {MAX_RADIUS_M:,} metres ({MAX_RADIUS_M // 1000} km).",
        validators=[
            InputRequired("Give a radius in metres."),
            InRange(1, MAX_RADIUS_M, f"The radius must be from 1 to {MAX_RADIUS_M:,} metres."),
        ],
    )


class PlaceAreaForm(FlaskForm):
    """A place to hear about."""

    place_id = SelectField("Place", coerce=int, validators=[an_id("Choose a place from the list.")])


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes for a multiple choice."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TopicsForm(FlaskForm):
    """The process and service areas a person wants to hear about."""

    topics = MultiCheckboxField(
        "Topics", coerce=int, validators=[an_id("Choose topics from the list.")]
    )


class AlertSettingsForm(FlaskForm):
    """How often email comes, and quiet hours."""

    email_frequency = SelectField(
        "Email me",
        choices=[
            SelectChoice(EmailFrequency.IMMEDIATE.value, "Straight away"),
            SelectChoice(EmailFrequency.DAILY.value, "Once a day, in a digest"),
            SelectChoice(EmailFrequency.WEEKLY.value, "Once a week, in a digest"),
            SelectChoice(EmailFrequency.NEVER.value, "Never"),
        ],
        **choose_from_list("Choose how often to get email from the list."),
    )
    quiet_start = SelectField(
        "Quiet hours from",
        coerce=str,
        **choose_from_list("Choose the hour quiet hours start, or no quiet hours."),
    )
    quiet_end = SelectField(
        "Quiet hours until",
        coerce=str,
        **choose_from_list("Choose the hour quiet hours end, or no quiet hours."),
    )


class ConfirmForm(FlaskForm):
    """A button that carries the CSRF token."""


class DeleteAccountForm(FlaskForm):
    """Confirm account deletion by typing a word."""

    confirm = StringField(
        'Type "delete" to confirm', validators=[DataRequired("Type delete to confirm.")]
    )
