"""The admin's forms: first-run setup, login, change password, action buttons; CSRF from the admin cookie."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from .passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from .session import AdminCSRF


class AdminForm(FlaskForm):
    """Every admin form: CSRF bound to the admin's own cookie, whatever the host's session is."""

    class Meta:
        csrf = True
        csrf_class = AdminCSRF
        csrf_field_name = "csrf_token"

NEW_PASSWORD = [
    InputRequired("Choose a password."),
    Length(MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH,
           f"Use {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters; a short sentence works well."),
]


def email_field(label: str = "Email address", description: str = "") -> EmailField:
    """Return an admin's email address field (checked further where it is saved)."""
    return EmailField(label, [InputRequired("Enter an email address."), Length(max=320)], description=description,
                      render_kw={"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false"})


class LoginForm(AdminForm):
    username = StringField("Username", [InputRequired("Enter your username.")],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField("Password", [InputRequired("Enter your password.")],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class SetupForm(AdminForm):
    token = HiddenField()
    username = StringField("Username", [InputRequired("Choose a username."), Length(1, 120)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    email = email_field(description="Where we send a link if you ever forget your password.")
    password = PasswordField("Password", NEW_PASSWORD, render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Type the password again", [EqualTo("password", "The two passwords differ.")],
                            render_kw={"autocomplete": "new-password"})


class PasswordForm(AdminForm):
    current = PasswordField("Current password", [InputRequired("Enter your current password.")],
                            render_kw={"autocomplete": "current-password"})
    password = PasswordField("New password", NEW_PASSWORD, render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Type the new password again", [EqualTo("password", "The two passwords differ.")],
                            render_kw={"autocomplete": "new-password"})


class LogoutForm(AdminForm):
    """No fields: only the CSRF token, so another site can't sign an admin out."""


class ActionForm(AdminForm):
    """A button that changes something (duplicate, delete, rotate, send a test): CSRF only."""


class NewWidgetForm(AdminForm):
    name = StringField("Practice name", [InputRequired("Enter the practice's name."), Length(1, 120)],
                       description="Shown at the top of the card. You can change everything later.")


def csrf_failed(form: FlaskForm) -> bool:
    """Return whether the form's CSRF token was missing or wrong (False when CSRF is off)."""
    field = getattr(form, "csrf_token", None)
    return bool(field is not None and field.errors)
