"""Forms for accounts. Every form carries a CSRF token (Flask-WTF)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from townhall.accounts.models import DISPLAY_NAME_MAX, EMAIL_MAX
from townhall.accounts.passwords import MAX_LENGTH
from townhall.accounts.permissions import Role
from townhall.form_handling import choose_from_list


def _email_field() -> EmailField:
    return EmailField(
        "Email address",
        validators=[
            DataRequired("Enter your email address."),
            Length(max=EMAIL_MAX, message=f"Use at most {EMAIL_MAX} characters."),
            Email(
                "Enter an email address in the form name@example.org.", check_deliverability=False
            ),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


#: app.extensions key: a function giving the channel standards' limit on display names
#: (moderation sets it; accounts sits below moderation and cannot ask it).
NAME_LIMIT_KEY = "townhall.display_name_limit"


def display_name_max() -> int:
    """The longest display name accepted: the standards' limit, within the column's."""
    stricter = current_app.extensions.get(NAME_LIMIT_KEY)
    limit = stricter() if stricter is not None else None
    return min(DISPLAY_NAME_MAX, limit) if limit else DISPLAY_NAME_MAX


class _DisplayNameLimit:
    """A form's `display_name` field stating and checking the standards' length limit."""

    display_name: StringField

    def _describe_display_name(self) -> None:
        limit = display_name_max()
        self.display_name.description = (
            f"Shown beside what you write: 2 to {limit} characters. You can use your first name."
        )
        self.display_name.render_kw = {**(self.display_name.render_kw or {}), "maxlength": limit}

    def validate_display_name(self, field: StringField) -> None:
        """Measure the name as it will be kept (spaces run together) against the limit."""
        size = len(" ".join((field.data or "").split()))
        limit = display_name_max()
        if not 2 <= size <= limit:
            raise ValidationError(f"Use 2 to {limit} characters; this name has {size}.")


class SignUpForm(_DisplayNameLimit, FlaskForm):
    """Create an account."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._describe_display_name()

    display_name = StringField(
        "Display name",
        validators=[DataRequired("Enter the name to show beside your posts.")],
        render_kw={"autocomplete": "nickname"},
    )
    email = _email_field()
    password = PasswordField(
        "Password",
        description="At least 10 characters. A few unrelated words make a strong password.",
        validators=[DataRequired("Choose a password."), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Confirm password",
        validators=[
            DataRequired("Type your password again."),
            EqualTo("password", message="The two passwords do not match."),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class SignInForm(FlaskForm):
    """Sign in with email and password."""

    email = _email_field()
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password.")],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Keep me signed in on this device for 30 days")


class ForgotPasswordForm(FlaskForm):
    """Ask for a password-reset link."""

    email = _email_field()


class ResetPasswordForm(FlaskForm):
    """Choose a new password."""

    password = PasswordField(
        "New password",
        description="At least 10 characters. A few unrelated words make a strong password.",
        validators=[DataRequired("Choose a new password."), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Confirm new password",
        validators=[
            DataRequired("Type your new password again."),
            EqualTo("password", message="The two passwords do not match."),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ConfirmForm(FlaskForm):
    """A button-only form (sign out, resend confirmation): it carries the CSRF token."""


class RoleForm(FlaskForm):
    """Change a person's role."""

    role = SelectField(
        "Role",
        choices=[SelectChoice(r.value, r.label) for r in Role],
        validators=[DataRequired("Choose a role.")],
        **choose_from_list("Choose a role from the list."),
    )


def _current_password_field() -> PasswordField:
    return PasswordField(
        "Current password",
        description="So that no one else can change this while you are signed in.",
        validators=[DataRequired("Enter your current password."), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class ChangePasswordForm(FlaskForm):
    """Choose a new password, giving the current one."""

    current_password = _current_password_field()
    password = PasswordField(
        "New password",
        description="At least 10 characters. A few unrelated words make a strong password.",
        validators=[DataRequired("Choose a new password."), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Confirm new password",
        validators=[
            DataRequired("Type your new password again."),
            EqualTo("password", message="The two new passwords do not match."),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class DisplayNameForm(_DisplayNameLimit, FlaskForm):
    """Choose a new display name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._describe_display_name()

    display_name = StringField(
        "New display name",
        validators=[DataRequired("Enter the name to show beside your posts.")],
        render_kw={"autocomplete": "nickname"},
    )


class ChangeEmailForm(FlaskForm):
    """Ask to move the account to a new email address."""

    # Named `email` so the limit on mail to one address reads it as sign-up's does.
    email = EmailField(
        "New email address",
        description="We send a link there; your address changes once you open it.",
        validators=[
            DataRequired("Enter your new email address."),
            Length(max=EMAIL_MAX, message=f"Use at most {EMAIL_MAX} characters."),
            Email(
                "Enter an email address in the form name@example.org.", check_deliverability=False
            ),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )
    current_password = _current_password_field()
