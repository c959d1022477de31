"""The visitor's consultation form, protected by a signed, timestamped token instead of a cookie."""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.csrf.core import CSRF
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from .email_address import check_email
from .i18n import supported, words
from .models import NewLead, SpamMark, Widget
from .security import TokenCheck, check_form_token, issue_form_token
from .settings import Localised, consent_version
from .settings.kinds import CONTROL_CHARS

C1_CONTROLS = re.compile(r"[\x80-\x9f\u2028\u2029]")  # C1 controls and Unicode line breaks
PHONE_CHARS = re.compile(r"^[0-9+()./\-\s]*(?:(?:ext\.?|x|#)\s*\d{1,6})?$", re.IGNORECASE)
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
LIMITS = {"name": 120, "email": 254, "phone": 40, "message": 500, "page_url": 2000, "utm": 200}
HONEYPOT_FIELD = "website"


class SignedTokenCSRF(CSRF):
    """WTForms CSRF built on an itsdangerous token carried in the form itself (no session cookie).

    The outcome is kept on ``form.token_check``. A token that is too young (sent faster than a
    person types: a bot, or a browser's autofill) fails like an expired one: the person is asked to
    press again, with what they typed kept, rather than told "thank you" while nothing is stored.
    """

    def setup_form(self, form: Any) -> Any:
        self.widget_id = form.meta.widget_id
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field: Any) -> str:
        return issue_form_token(self.widget_id)

    def validate_csrf_token(self, form: Any, field: Any) -> None:
        check = check_form_token(field.data, self.widget_id)
        form.token_check = check
        if check.state in ("expired", "invalid", "too_young"):
            raise ValidationError(form.words[check.state])


def option_value(names: list[Localised], own: str, submitted: Any) -> str:
    """Return the name (in the widget's own language) of the option whose name, in any language, was sent."""
    for name in names:
        if submitted and submitted in name.model_dump().values():
            return name.in_own_language(own)
    return ""


class LeadForm(FlaskForm):
    """Name, email, consent and the optional fields a widget turns on, in the visitor's language.

    Services and locations are offered by their name in the visitor's language; the value sent
    (and stored) is the name in the widget's own language, so the practice reads one language.
    """

    class Meta:
        csrf = True
        csrf_class = SignedTokenCSRF
        csrf_field_name = "token"
        widget_id = ""

    name = StringField()
    email = StringField()
    phone = StringField()
    contact_method = RadioField(choices=[SelectChoice(v, "") for v in ("email", "phone", "text")],
                                validate_choice=False)
    ok_to_email = BooleanField()
    ok_to_text = BooleanField()
    ok_to_voicemail = BooleanField()
    service = SelectField(validate_choice=False)
    location = SelectField(validate_choice=False)
    message = TextAreaField()
    consent = BooleanField()
    website = StringField()
    page_url = HiddenField()
    utm_source = HiddenField()
    utm_medium = HiddenField()
    utm_campaign = HiddenField()
    utm_term = HiddenField()
    utm_content = HiddenField()

    token_check: TokenCheck

    def __init__(self, widget: Widget, language: str | None = None, **kwargs: Any) -> None:
        super().__init__(meta={"widget_id": widget.id}, **kwargs)
        self.widget = widget
        self.language = form_language(widget, language)
        self.words = words(self.language)
        #: The widget's settings as this visitor reads them (every text in their language).
        self.shown = widget.settings.shown_in(self.language)
        self.token_check = TokenCheck("invalid")
        self._label_fields()
        self._drop_fields_turned_off()

    def _label_fields(self) -> None:
        words = self.words
        for name in ("name", "email", "phone", "contact_method", "ok_to_email", "ok_to_text",
                     "ok_to_voicemail", "service", "location", "message"):
            self[name].label.text = words[name]
        self.contact_method.choices = [
            SelectChoice(method, words[f"method_{method}"]) for method in ("email", "phone", "text")
        ]
        self.service.choices = [SelectChoice("", words["not_sure"]), *self._options("services")]
        self.location.choices = [SelectChoice("", words["no_preference"]), *self._options("locations")]

    def _options(self, kind: str) -> list[SelectChoice]:
        """Offer services or locations by their name in the visitor's language, valued in the widget's own."""
        own, real, shown = self.widget.settings.language, getattr(self.widget.settings, kind), getattr(self.shown, kind)
        return [SelectChoice(item.name.in_own_language(own), seen.name) for item, seen in zip(real, shown, strict=True)]

    def _drop_fields_turned_off(self) -> None:
        shown = self.widget.settings.fields
        removals = [name for name in ("phone", "message") if not getattr(shown, name)]
        if not shown.contact_method:
            removals += ["contact_method", "ok_to_email", "ok_to_text", "ok_to_voicemail"]
        if not shown.service or not self.widget.settings.services:
            removals.append("service")
        if not shown.location or not self.widget.settings.locations:
            removals.append("location")
        for name in removals:
            delattr(self, name)

    # Field checks: messages come from the widget's language, so they are methods, not validators.

    def validate_name(self, field: Any) -> None:
        self._text(field, LIMITS["name"], required=True)

    def validate_email(self, field: Any) -> None:
        self._text(field, LIMITS["email"], required=True)
        if field.errors:
            return
        address = check_email(field.data.strip())
        if address is None:
            raise ValidationError(self.words["bad_email"])
        field.data = address

    def validate_phone(self, field: Any) -> None:
        self._text(field, LIMITS["phone"], required=False)
        value = (field.data or "").strip()
        if value and (not PHONE_CHARS.match(value) or not 7 <= sum(c.isdigit() for c in value) <= 20):
            raise ValidationError(self.words["bad_phone"])

    def validate_message(self, field: Any) -> None:
        self._text(field, LIMITS["message"], required=False, multiline=True)

    def validate_contact_method(self, field: Any) -> None:
        if field.data not in (None, "", "None", "email", "phone", "text"):
            raise ValidationError(self.words["required"])

    def validate_service(self, field: Any) -> None:
        field.data = option_value([s.name for s in self.widget.settings.services], self.widget.settings.language,
                                  field.data)

    def validate_location(self, field: Any) -> None:
        field.data = option_value([loc.name for loc in self.widget.settings.locations],
                                  self.widget.settings.language, field.data)

    def validate_consent(self, field: Any) -> None:
        if not field.data:
            raise ValidationError(self.words["consent_required"])

    def validate_page_url(self, field: Any) -> None:
        field.data = _clip(field.data, LIMITS["page_url"])
        if not str(field.data).startswith(("http://", "https://")):
            field.data = ""

    def _text(self, field: Any, limit: int, *, required: bool, multiline: bool = False) -> None:
        value = field.data or ""
        if not isinstance(value, str):
            value = str(value)
        checked = value.replace("\r", "").replace("\n", "").replace("\t", "") if multiline else value
        line_breaks = not multiline and re.search(r"[\r\n\t]", value)
        if CONTROL_CHARS.search(checked) or C1_CONTROLS.search(value) or line_breaks:
            raise ValidationError(self.words["control_chars"])
        if required and not value.strip():
            raise ValidationError(self.words["required"])
        if len(value) > limit:
            raise ValidationError(self.words["too_long"].format(limit=limit))

    def spam_mark(self) -> SpamMark | None:
        """Return why a valid form is suspected spam (the hidden honeypot field was filled), or None."""
        filled = _clip(self.website.data, 200).strip()
        return SpamMark("honeypot", filled) if filled else None

    def utm(self) -> dict[str, str]:
        return {key: _clip(self[key].data, LIMITS["utm"]) for key in UTM_KEYS if self[key].data}

    def to_lead(self) -> NewLead:
        """Return the validated lead, with the consent wording this person read. Call after ``validate()``."""
        value = self._value
        consent = str(self.shown.consent_text)
        return NewLead(
            name=value("name").strip(), email=value("email"), phone=value("phone").strip(),
            contact_method=value("contact_method") if value("contact_method") != "None" else "",
            ok_to_email=bool(value("ok_to_email")), ok_to_text=bool(value("ok_to_text")),
            ok_to_voicemail=bool(value("ok_to_voicemail")), service=value("service"),
            location=value("location"), message=value("message").strip(), page_url=value("page_url"),
            language=self.language, utm=self.utm(),
            consent_text=consent, consent_version=consent_version(consent),
        )

    def _value(self, name: str) -> Any:
        return self[name].data or "" if name in self else ""


def form_language(widget: Widget, asked: str | None) -> str:
    """Return the language a form is drawn in: the one asked for when we have it, else the widget's."""
    return supported(asked) or widget.settings.language


def _clip(value: Any, limit: int) -> str:
    text = "" if value is None else str(value)
    text = C1_CONTROLS.sub("", CONTROL_CHARS.sub("", text)).replace("\r", "").replace("\n", "")
    return text[:limit]
