"""Forms for accounts. Every form carries a CSRF token (Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from townhall.accounts.models import DISPLAY_NAME_MAX, EMAIL_MAX
from townhall.accounts.passwords import MAX_LENGTH
from townhall.accounts.permissions import Role


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


class SignUpForm(FlaskForm):
    """Create an account."""

    display_name = StringField(
        "Display name",
        description="Shown beside what you write. You can use your first name.",
        validators=[
            DataRequired("Enter the name to show beside your posts."),
            Length(min=2, max=DISPLAY_NAME_MAX, message=f"Use 2 to {DISPLAY_NAME_MAX} characters."),
        ],
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
    )
