"""The forms of the account pages: invitations, roles, resets, your own address, two-factor sign-in."""

from __future__ import annotations

from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length

from .forms import NEW_PASSWORD, AdminForm, email_field

ROLE_CHOICES = [SelectChoice("staff", "Staff: the inbox only"), SelectChoice("owner", "Owner: everything")]
CODE_ATTRS = {"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}


def _current_password() -> PasswordField:
    return PasswordField("Your password", [InputRequired("Enter your password.")],
                         render_kw={"autocomplete": "current-password"})


class CodeForm(AdminForm):
    """The second step of signing in."""

    code = StringField("Code", [InputRequired("Enter the code from your app, or a recovery code."), Length(max=40)],
                       description="The 6 digits your authenticator app shows now, or one of your recovery codes.",
                       render_kw=CODE_ATTRS)
    next = HiddenField()


class EnrolForm(AdminForm):
    enrolment = HiddenField()
    code = StringField("Code from the app", [InputRequired("Enter the 6 digits your app shows."), Length(max=20)],
                       description="After adding the account, your app shows 6 digits that change every 30 seconds.",
                       render_kw={**CODE_ATTRS, "inputmode": "numeric"})


class ConfirmPasswordForm(AdminForm):
    """A change to how you sign in: your password first, so a borrowed browser can't make it."""

    password = _current_password()


class EmailForm(AdminForm):
    email = email_field(description="Password reset links are sent here.")
    password = _current_password()


class InviteForm(AdminForm):
    email = email_field(description="We email this person a link to choose their username and password.")
    role = SelectField("Role", choices=ROLE_CHOICES, default="staff")


class RoleForm(AdminForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


class RequireTwoFactorForm(AdminForm):
    require = BooleanField("Require two-factor sign-in for every admin",
                           description="Admins without it are asked to set it up before they can do anything else.")


class AcceptInviteForm(AdminForm):
    username = StringField("Username", [InputRequired("Choose a username."), Length(1, 120)],
                           description="You sign in with this. Letters, digits and dots work well; no spaces.",
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField("Password", NEW_PASSWORD, render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Type the password again", [EqualTo("password", "The two passwords differ.")],
                            render_kw={"autocomplete": "new-password"})


class ResetRequestForm(AdminForm):
    email = email_field(description="The address on your admin account.")


class ResetPasswordForm(AdminForm):
    password = PasswordField("New password", NEW_PASSWORD, render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Type the new password again", [EqualTo("password", "The two passwords differ.")],
                            render_kw={"autocomplete": "new-password"})
