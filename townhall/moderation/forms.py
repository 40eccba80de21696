"""Forms of moderation. Every form carries a CSRF token (Flask-WTF).

Clause choices come from the standards loaded at start-up, so a council's own
clauses appear without code changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from townhall.form_handling import InRange, an_id, choose_from_list
from townhall.moderation.models import SanctionKind, Verdict
from townhall.moderation.service import MAX_SANCTION, NOTE_MAX, current_standards
from townhall.moderation.standards import Clause

CLAUSE_PROMPT = "Choose the clause of the standards that this breaks."
CLAUSE_FROM_LIST = "Choose a clause of the standards from the list."
MAX_SANCTION_HOURS = MAX_SANCTION // timedelta(hours=1)


def clause_choices(
    blank: str | None = "Choose a clause", clauses: Iterable[Clause] | None = None
) -> list[SelectChoice]:
    """A choice of "number title" for each of `clauses` (every clause by default),
    optionally after a blank choice."""
    offered = current_standards().clauses if clauses is None else clauses
    choices = [SelectChoice(c.number, f"{c.number} {c.title}") for c in offered]
    return ([SelectChoice("", blank)] if blank else []) + choices


class FlagForm(FlaskForm):
    """Flag a post under a clause."""

    clause = SelectField(
        "Which of the channel standards does it break?",
        validators=[DataRequired(CLAUSE_PROMPT)],
        **choose_from_list(CLAUSE_FROM_LIST),
    )
    note = TextAreaField(
        "Anything a moderator should know (optional)",
        validators=[
            Optional(),
            Length(max=NOTE_MAX, message=f"Use at most {NOTE_MAX} characters."),
        ],
    )

    def __init__(self, *args, clauses: Iterable[Clause] | None = None, **kwargs) -> None:
        """Offer `clauses` (those the flagged post could break), or every clause."""
        super().__init__(*args, **kwargs)
        # A clause not offered is refused as "not from the list", so none that cannot
        # apply to the post is recorded.
        self.clause.choices = clause_choices(clauses=clauses)


_VERDICTS = [
    SelectChoice(Verdict.APPROVE.value, "Approve: publish it"),
    SelectChoice(Verdict.REDACT_APPROVE.value, "Redact the highlighted text, then approve"),
    SelectChoice(Verdict.REMOVE.value, "Reject, citing a clause"),
]


class DecisionForm(FlaskForm):
    """A moderator's decision on one queued post."""

    verdict = RadioField(
        "Decision",
        choices=_VERDICTS,
        validators=[InputRequired("Choose a decision.")],
        **choose_from_list("Choose approve, redact then approve, or reject."),
    )
    clause = SelectField(
        "Clause (needed to reject)", validators=[Optional()], **choose_from_list(CLAUSE_FROM_LIST)
    )
    remove_text = TextAreaField(
        "Also remove this text when redacting (one phrase a line, optional)",
        validators=[Optional(), Length(max=NOTE_MAX)],
    )
    note = TextAreaField(
        "Note to the author (optional)",
        description=(
            "The author reads this: it is sent to them with your decision and shown on "
            "their moderation page. Other moderators see it in the post's history."
        ),
        validators=[Optional(), Length(max=NOTE_MAX)],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.clause.choices = clause_choices("No clause")


class BulkForm(FlaskForm):
    """The same decision on several queued posts."""

    cases = SelectMultipleField(
        "Posts",
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        # Ids first: a word among the ticks is no id, not "nothing ticked".
        validators=[an_id("Tick posts from the list."), DataRequired("Tick at least one post.")],
        validate_choice=False,
    )
    verdict = RadioField(
        "Decision for the ticked posts",
        choices=[
            SelectChoice(Verdict.APPROVE.value, "Approve"),
            SelectChoice(Verdict.REMOVE.value, "Reject"),
        ],
        validators=[InputRequired("Choose a decision.")],
        **choose_from_list("Choose approve or reject."),
    )
    clause = SelectField(
        "Clause (needed to reject)", validators=[Optional()], **choose_from_list(CLAUSE_FROM_LIST)
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.clause.choices = clause_choices("No clause")


class SanctionForm(FlaskForm):
    """Warn, mute or suspend a person."""

    kind = RadioField(
        "Sanction",
        choices=[SelectChoice(k.value, k.label) for k in SanctionKind],
        validators=[InputRequired("Choose warn, mute or suspend.")],
        **choose_from_list("Choose warn, mute or suspend."),
    )
    clause = SelectField(
        "Clause", validators=[DataRequired(CLAUSE_PROMPT)], **choose_from_list(CLAUSE_FROM_LIST)
    )
    reason = TextAreaField(
        "Reason, as the person will read it",
        validators=[DataRequired("Say why."), Length(max=NOTE_MAX)],
    )
    hours = IntegerField(
        "For how many hours (mute and suspend)",
        description="For example 24 for a day, 168 for a week.",
        validators=[
            Optional(),
            InRange(1, MAX_SANCTION_HOURS, f"From 1 to {MAX_SANCTION_HOURS:,} hours."),
        ],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.clause.choices = clause_choices()


class AppealForm(FlaskForm):
    """Appeal a decision, once."""

    reason = TextAreaField(
        "Why should the decision change?",
        validators=[DataRequired("Say why the decision should change."), Length(max=NOTE_MAX)],
    )


class AppealDecisionForm(FlaskForm):
    """Decide an appeal."""

    outcome = RadioField(
        "Decision",
        choices=[
            SelectChoice("uphold", "Uphold: reverse the decision"),
            SelectChoice("dismiss", "Dismiss: it stands"),
        ],
        validators=[InputRequired("Choose uphold or dismiss.")],
        **choose_from_list("Choose uphold or dismiss."),
    )
    answer = TextAreaField(
        "Your reasons, as the person will read them",
        validators=[DataRequired("Give your reasons."), Length(max=NOTE_MAX)],
    )
