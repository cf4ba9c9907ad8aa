"""Forms for the provider's hours editor: weekly windows and date overrides."""

from django import forms
from django.utils.translation import gettext_lazy as _

WEEKDAYS = [
    (1, _("Monday")),
    (2, _("Tuesday")),
    (3, _("Wednesday")),
    (4, _("Thursday")),
    (5, _("Friday")),
    (6, _("Saturday")),
    (7, _("Sunday")),
]


class WeeklyWindowForm(forms.Form):
    weekday = forms.TypedChoiceField(label=_("Day"), choices=WEEKDAYS, coerce=int)
    start = forms.TimeField(
        label=_("From"), input_formats=["%H:%M"], widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"})
    )
    end = forms.TimeField(
        label=_("To"),
        input_formats=["%H:%M"],
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
        help_text=_("An end at or before the start runs past midnight."),
    )


class OverrideForm(forms.Form):
    date = forms.DateField(label=_("Date"), input_formats=["%Y-%m-%d"], widget=forms.DateInput(attrs={"type": "date"}))
    available = forms.TypedChoiceField(
        label=_("That day"),
        coerce=lambda v: v == "open",
        choices=[("closed", _("Closed")), ("open", _("Open these hours"))],
    )
    start = forms.TimeField(
        label=_("From"),
        required=False,
        input_formats=["%H:%M"],
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
    )
    end = forms.TimeField(
        label=_("To"),
        required=False,
        input_formats=["%H:%M"],
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("available") and not (data.get("start") and data.get("end")):
            raise forms.ValidationError(_("An open day needs its hours."))
        return data


WeeklyFormSet = forms.formset_factory(WeeklyWindowForm, extra=2, can_delete=True, max_num=50, validate_max=True)
OverrideFormSet = forms.formset_factory(OverrideForm, extra=1, can_delete=True, max_num=200, validate_max=True)
