"""Forms for the dialogue. Every form carries a CSRF token (Flask-WTF).

The length limit a form states and checks is `comment_max_chars()`: the channel
standards' limit where it is stricter than what the dialogue stores
(`service.BODY_MAX`, which the service checks again).
"""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, ValidationError

from townhall.dialogue.models import ReactionKind
from townhall.dialogue.service import BODY_MAX
from townhall.form_handling import choose_from_list
from townhall.moderation.service import longest_allowed


def comment_max_chars() -> int:
    """The longest comment the signed-in person may post, in characters."""
    role = current_user.role.value if current_user.is_authenticated else "citizen"
    limit = longest_allowed("comment", role)
    return min(BODY_MAX, limit) if limit else BODY_MAX


def markdown_hint(limit: int) -> str:
    """What the text box's hint says."""
    return (
        f"Up to {limit:,} characters. You can use Markdown: *italics*, **bold**, "
        "[links](https://example.org), lists and > quotes."
    )


def _body_field(label: str) -> TextAreaField:
    # The service trims and measures the text; a browser-side maxlength would cut off
    # a pasted text silently, so the limit is stated and checked on the server.
    return TextAreaField(
        label,
        validators=[DataRequired("Write something before posting.")],
        render_kw={"rows": 6, "spellcheck": "true"},
    )


class _TextForm(FlaskForm):
    """A form with a comment's text: states the limit, and refuses a longer text."""

    body = _body_field("Your comment")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.body.description = markdown_hint(comment_max_chars())

    def validate_body(self, field: TextAreaField) -> None:
        """Measure the text as the service keeps it (line breaks count as one)."""
        size = len((field.data or "").replace("\r\n", "\n").strip())
        limit = comment_max_chars()
        if size > limit:
            raise ValidationError(
                f"Comments can be at most {limit:,} characters; this one has {size:,}. "
                "Shorten it and post again."
            )


class CommentForm(_TextForm):
    """Post a comment, or a reply when `parent_id` is set."""

    # Checked by the view and the service (which comment, and whether it takes replies).
    parent_id = HiddenField()
    is_question = BooleanField("This is a question for the council")
    official = BooleanField("Post as the council's official response")


class EditForm(_TextForm):
    """Change the text of one's own comment."""

    is_question = BooleanField("This is a question for the council")


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token is needed."""


class ReactionForm(FlaskForm):
    """Toggle one reaction on a comment."""

    kind = SelectField(
        "Reaction",
        choices=[SelectChoice(kind.value, kind.label) for kind in ReactionKind],
        validators=[DataRequired("Choose a reaction.")],
        **choose_from_list("Choose a reaction from the list: agree, disagree or helpful."),
    )


class OfficialForm(FlaskForm):
    """Mark or unmark an officer's comment as the council's official response."""

    official = SelectField(
        "Official response",
        choices=[SelectChoice("1", "Mark"), SelectChoice("0", "Unmark")],
        **choose_from_list("Choose whether to mark or unmark the official response."),
    )
