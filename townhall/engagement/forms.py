"""Forms for plans, objectives, channel choices, role assessments, projects and KPIs.

Numbers are read as typed (`DecimalField` for targets). The form bounds a target by
the largest any indicator takes; its kind (a whole count, a percentage, days) is
checked by the service, which knows each indicator's unit: so a target of the wrong
kind is refused with the same words wherever a KPI is made.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from townhall.accounts.permissions import Role
from townhall.consultations.models import Area, Consultation
from townhall.engagement.kpis import CATALOGUE
from townhall.engagement.models import SCALE_MAX, SCALE_MIN, TEXT_MAX, TITLE_MAX, Channel
from townhall.engagement.service import MAX_COUNT_TARGET, MAX_DAYS_TARGET
from townhall.form_handling import InRange, an_id, choose_from_list

# The largest target any indicator takes (a count; percentages stop at 100).
TARGET_MAX = max(MAX_COUNT_TARGET, MAX_DAYS_TARGET, 100)
CHOOSE_CONSULTATION = "Choose a consultation from the list, or “None”."


SCALE_CHOICES = [
    SelectChoice(str(n), f"{n} - {word}")
    for n, word in zip(
        range(SCALE_MIN, SCALE_MAX + 1),
        ("very low", "low", "medium", "high", "very high"),
        strict=True,
    )
]


def _scale_field(label: str) -> SelectField:
    return SelectField(
        label,
        choices=SCALE_CHOICES,
        coerce=int,
        validators=[
            InputRequired(f"Choose the {label.lower()} from {SCALE_MIN} to {SCALE_MAX}."),
            InRange(
                SCALE_MIN, SCALE_MAX, f"Choose the {label.lower()} from {SCALE_MIN} to {SCALE_MAX}."
            ),
        ],
    )


def _consultation_field(description: str) -> SelectField:
    """A choice of consultation, or none (0): ids bounded, so a hand-typed one past the
    database's range is refused beside the field; the service checks it exists."""
    return SelectField(
        "Consultation (optional)",
        description=description,
        coerce=int,
        validate_choice=False,
        validators=[Optional(), an_id(CHOOSE_CONSULTATION, none=True)],
    )


class ChoosesConsultation:
    """A form with a `consultation_id` select: offered the consultations, or none."""

    consultation_id: SelectField
    none_label = "None"

    def set_consultations(self, consultations: list[Consultation]) -> None:
        """Offer these consultations by title (with their status), after "None"."""
        self.consultation_id.choices = [SelectChoice(0, self.none_label)] + [
            SelectChoice(c.id, f"{c.title} ({c.status.label.lower()})") for c in consultations
        ]

    @property
    def chosen_consultation_id(self) -> int | None:
        """The chosen consultation's id, or None for "None"."""
        return self.consultation_id.data or None


class PlanForm(FlaskForm):
    """Start a plan for a process or service area."""

    # The area is checked by the service (it may have been retired since the page
    # was shown, or the id typed by hand), so the field accepts any whole number.
    area_id = SelectField(
        "Area",
        coerce=int,
        validate_choice=False,
        validators=[
            InputRequired("Choose the area the plan is for."),
            an_id("Choose the area the plan is for from the list."),
        ],
    )
    title = StringField(
        "Title", validators=[DataRequired("Give the plan a title."), Length(max=TITLE_MAX)]
    )
    summary = TextAreaField("Summary (optional)", validators=[Optional(), Length(max=TEXT_MAX)])

    def set_areas(self, areas: list[Area]) -> None:
        """Offer these areas, grouped by kind in their labels."""
        self.area_id.choices = [SelectChoice(a.id, f"{a.name} ({a.kind.label})") for a in areas]


class ObjectiveForm(FlaskForm):
    """Add an objective to a plan."""

    text = TextAreaField(
        "Objective",
        description="The business objective this serves, such as “fewer missed bin complaints”.",
        validators=[DataRequired("Write the objective."), Length(max=TEXT_MAX)],
    )
    expected_outcome = TextAreaField(
        "Expected outcome",
        validators=[DataRequired("Write the expected outcome."), Length(max=TEXT_MAX)],
    )


class ChannelForm(FlaskForm):
    """Choose a channel for an objective, with a reason."""

    channel = SelectField(
        "Channel",
        choices=[SelectChoice(c.value, c.label) for c in Channel],
        validators=[DataRequired("Choose a channel.")],
        **choose_from_list("Choose a channel from the list."),
    )
    reason = TextAreaField(
        "Why this channel",
        validators=[
            DataRequired("Say why this channel serves the objective."),
            Length(max=TEXT_MAX),
        ],
    )


class RoleForm(FlaskForm):
    """Assess one role's cost, benefit and risk."""

    role = SelectField(
        "Role",
        choices=[SelectChoice(r.value, r.label) for r in Role],
        validators=[DataRequired("Choose a role.")],
        **choose_from_list("Choose a role from the list."),
    )
    cost = _scale_field("Cost")
    benefit = _scale_field("Benefit")
    risk = _scale_field("Risk")
    notes = TextAreaField("Notes (optional)", validators=[Optional(), Length(max=TEXT_MAX)])


class ProjectForm(ChoosesConsultation, FlaskForm):
    """Add a project to the portfolio."""

    none_label = "None yet"
    title = StringField(
        "Project", validators=[DataRequired("Give the project a title."), Length(max=TITLE_MAX)]
    )
    consultation_id = _consultation_field("The consultation this project is, if it exists yet.")
    benefit = _scale_field("Expected benefit")
    cost = _scale_field("Cost")
    risk = _scale_field("Risk")
    notes = TextAreaField("Notes (optional)", validators=[Optional(), Length(max=TEXT_MAX)])


class KpiForm(ChoosesConsultation, FlaskForm):
    """Bind an indicator to an objective with a target and a period."""

    none_label = "None: the plan's whole area"

    indicator = SelectField(
        "Indicator",
        choices=[SelectChoice(i.key, i.label) for i in CATALOGUE.values()],
        validators=[DataRequired("Choose an indicator.")],
        **choose_from_list("Choose an indicator from the list."),
    )
    target = DecimalField(
        "Target",
        description="A whole number for counts; 0 to 100 for percentages; days for durations.",
        places=None,
        validators=[
            InputRequired("Give a target."),
            InRange(
                0, TARGET_MAX, f"Give the target as a number from 0 to {TARGET_MAX:,}, such as 250."
            ),
        ],
    )
    period_start = DateField(
        "Period starts", validators=[InputRequired("Give the first day of the period.")]
    )
    period_end = DateField(
        "Period ends", validators=[InputRequired("Give the last day of the period.")]
    )
    consultation_id = _consultation_field(
        "Measure one consultation instead of the plan's whole area."
    )
