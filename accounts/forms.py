"""Forms for the account pages (sign-up, sign-in, preferences)."""

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from .models import Language, LegalAidGroup, User
from .services import InvalidCredentials, TooManyAttempts, user_authenticate
from .validators import zone_get

COMMON_ZONES = [
    "Asia/Shanghai",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "Africa/Johannesburg",
    "Asia/Tokyo",
    "Asia/Singapore",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Australia/Sydney",
    "Australia/Melbourne",
    "Pacific/Auckland",
    "UTC",
]


class ZoneField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=64, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            zone_get(value)
        except ValueError:
            raise forms.ValidationError(_("Choose a time zone such as Asia/Shanghai or America/New_York.")) from None
        return value


class SignupForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("Email"), max_length=254)
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput, max_length=128, help_text=_("At least 10 characters.")
    )
    timezone = ZoneField(label=_("Your time zone"))
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    legal_aid_group = forms.ChoiceField(
        label=_("Legal aid group (optional)"), choices=LegalAidGroup.choices, required=False
    )

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError(_("An account with this email already exists."))
        return email

    def clean(self):
        data = super().clean()
        if data.get("password"):
            try:
                validate_password(
                    data["password"], User(email=data.get("email", ""), full_name=data.get("full_name", ""))
                )
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class LoginForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=128)

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.user = user_authenticate(request=self.request, email=data["email"], password=data["password"])
        except TooManyAttempts:
            raise forms.ValidationError(_("Too many failed sign-ins. Try again in 15 minutes.")) from None
        except InvalidCredentials:
            raise forms.ValidationError(_("Email or password is wrong.")) from None
        return data


class OtpForm(forms.Form):
    """The 6-digit code of the authenticator app (second sign-in step and enrolment)."""

    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class PreferencesForm(forms.Form):
    timezone = ZoneField(label=_("Your time zone"))
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    legal_aid_group = forms.ChoiceField(
        label=_("Legal aid group"),
        choices=LegalAidGroup.choices,
        help_text=_("If you belong to one of these groups, legal aid services are free."),
    )
