"""Forms for the dialogue. Every form carries a CSRF token (Flask-WTF).

Length limits are checked here for the person's sake and again by the service, which
is where the rule lives (`service.BODY_MAX`).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from townhall.dialogue.models import ReactionKind
from townhall.dialogue.service import BODY_MAX

MARKDOWN_HINT = (
    f"Up to {BODY_MAX:,} characters. You can use Markdown: *italics*, **bold**, "
    "[links](https://example.org), lists and > quotes."
)


def _body_field(label: str) -> TextAreaField:
    # The service trims and measures the text; a browser-side maxlength would cut off
    # a pasted text silently, so the limit is stated and checked on the server.
    return TextAreaField(
        label,
        description=MARKDOWN_HINT,
        validators=[DataRequired("Write something before posting.")],
        render_kw={"rows": 6, "spellcheck": "true"},
    )


class CommentForm(FlaskForm):
    """Post a comment, or a reply when `parent_id` is set."""

    body = _body_field("Your comment")
    # Checked by the view and the service (which comment, and whether it takes replies).
    parent_id = HiddenField()
    is_question = BooleanField("This is a question for the council")
    official = BooleanField("Post as the council's official response")


class EditForm(FlaskForm):
    """Change the text of one's own comment."""

    body = _body_field("Your comment")
    is_question = BooleanField("This is a question for the council")


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token is needed."""


class ReactionForm(FlaskForm):
    """Toggle one reaction on a comment."""

    kind = SelectField(
        "Reaction",
        choices=[SelectChoice(kind.value, kind.label) for kind in ReactionKind],
        validators=[DataRequired("Choose a reaction.")],
    )


class OfficialForm(FlaskForm):
    """Mark or unmark an officer's comment as the council's official response."""

    official = SelectField(
        "Official response", choices=[SelectChoice("1", "Mark"), SelectChoice("0", "Unmark")]
    )
