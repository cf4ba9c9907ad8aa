"""The "New case" page's form: the fields of ``POST /api/v1/notary/cases/``, parsed for ``services.case_create``.

The form only parses (a notary office and a matter type that exist, two-letter country
codes, a date); the rules (the matter is the office's jurisdiction's, eligibility, a
residence date not in the future) stay in ``services.case_create``, whose errors
``add_domain_error`` puts on the fields they name.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Language
from config.errors import DomainError

from . import selectors


def _country(label):
    return forms.RegexField(
        label=label,
        help_text=_("Two-letter code, e.g. CN or US."),
        regex=r"^[A-Z]{2}$",
        max_length=2,
        error_messages={"invalid": _("A two-letter country code such as CN or US.")},
        widget=forms.TextInput(attrs={"size": 2, "autocapitalize": "characters", "placeholder": "CN"}),
    )


class CaseCreateForm(forms.Form):
    office = forms.TypedChoiceField(label=_("Notary office"), coerce=int)
    matter_type = forms.ChoiceField(label=_("Matter"))
    destination_country = _country(_("Country where the certificate will be used"))
    residence_country = _country(_("Country where you live"))
    resident_abroad_since = forms.DateField(
        label=_("Living there since"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    nationality = _country(_("Nationality"))
    description = forms.CharField(
        label=_("What is it for?"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    language = forms.ChoiceField(label=_("Language of the case"), choices=Language.choices)

    def __init__(self, *args, zh: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("destination_country", "residence_country", "nationality"):
            # Upper-case what was typed (``us`` is US); the regex then checks the shape.
            if self.is_bound and name in self.data:
                self.data = self.data.copy()
                self.data[name] = self.data[name].strip().upper()
        self.fields["nationality"].required = False
        offices = list(selectors.notary_office_list())
        self.fields["office"].choices = [("", "---")] + [
            (o.organization_id, (o.name_zh if zh and o.name_zh else o.organization.name)) for o in offices
        ]
        groups: dict[str, list[tuple[str, str]]] = {}
        for matter in selectors.matter_type_list():
            jurisdiction = matter.jurisdiction
            group = jurisdiction.name_zh if zh and jurisdiction.name_zh else jurisdiction.name
            groups.setdefault(group, []).append((matter.code, matter.name_zh if zh and matter.name_zh else matter.name))
        self.fields["matter_type"].choices = [("", "---")] + list(groups.items())
        self.matter_types = {m.code: m for m in selectors.matter_type_list()}

    def clean_matter_type(self):
        return self.matter_types[self.cleaned_data["matter_type"]]

    def add_domain_error(self, error: DomainError) -> None:
        """Show a service's refusal on the fields it names (``error.fields``), else above the form."""
        named = False
        for field, messages in (error.fields or {}).items():
            if field in self.fields:
                for message in messages if isinstance(messages, list) else [messages]:
                    self.add_error(field, str(message))
                named = True
        if not named:
            self.add_error(None, error.message)
