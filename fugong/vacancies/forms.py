"""The vacancy form (an enterprise's own, or the bureau's for an enterprise in its place) and
the government list's filters. The form reads input; ``services.clean_values`` checks the
rules (a refusal is shown beside the form with everything typed kept)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fugong.accounts.models import Jurisdiction
from fugong.core.forms import DateInput, style
from fugong.vacancies import services
from fugong.vacancies.choices import Education, VacancyStatus

TEXTAREA = forms.Textarea(attrs={"rows": 3})


def _number(label, high, *, required=False, help_text="", low=0):
    return forms.IntegerField(
        label=label, required=required, min_value=low, max_value=high, help_text=help_text
    )


NUL_MESSAGE = _("The text contains a character that is not allowed (a null character); type it again.")  # fmt: skip


class VacancyForm(forms.Form):
    post = forms.CharField(
        label=_("Post"), max_length=60,
        widget=forms.TextInput(attrs={"placeholder": "普工、电焊工、数控操作工"}),
    )  # fmt: skip
    headcount = _number(_("People needed"), services.MAX_HEADCOUNT, required=True, low=1)
    filled = _number(_("Filled so far"), services.MAX_HEADCOUNT)
    pay_min = _number(_("Pay from (yuan/month)"), services.MAX_PAY,
                      help_text=_("Leave both empty for 面议 (pay by agreement)."))  # fmt: skip
    pay_max = _number(_("Pay up to (yuan/month)"), services.MAX_PAY)
    place = forms.ModelChoiceField(
        label=_("Place of work"), queryset=Jurisdiction.objects.none(), required=False,
        help_text=_("Empty: the enterprise's own place."),
    )  # fmt: skip
    address = forms.CharField(label=_("Address of work"), max_length=200, required=False)
    education = forms.ChoiceField(
        label=_("Education"), required=False,
        choices=[("", _("No requirement")), *Education.choices],
    )  # fmt: skip
    age_min = _number(_("Age from"), 99)
    age_max = _number(_("Age up to"), 99)
    skills = forms.CharField(
        label=_("Skills and other requirements"), widget=TEXTAREA, required=False, max_length=2000
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=60, required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone (published)"), max_length=20, required=False,
        help_text=_("Shown on the public job board to people who apply; leave it empty to publish none."),
    )  # fmt: skip
    expires_on = forms.DateField(
        label=_("Open until"), required=False, widget=DateInput,
        help_text=_("Empty: %(n)s days from today.") % {"n": services.DEFAULT_DAYS},
    )  # fmt: skip
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, enterprise=None, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.error_messages["null_characters_not_allowed"] = NUL_MESSAGE
        if enterprise is not None:
            county = enterprise.jurisdiction.path.split("/")[:4]
            root = "/".join(county) + "/" if len(county) == 4 else enterprise.jurisdiction.path
            places = Jurisdiction.objects.filter(
                is_active=True, path__startswith=root, depth__gte=2, depth__lte=4
            ).order_by("path")
            self.fields["place"].queryset = places
            self.fields["place"].label_from_instance = lambda j: "　" * max(j.depth - 2, 0) + j.name
        style(self)

    def clean(self):
        data = super().clean()
        for low, high, message in (
            ("pay_min", "pay_max", _("The lower end is above the upper end.")),
            ("age_min", "age_max", _("The lower end is above the upper end.")),
        ):
            if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
                self.add_error(high, message)
        if (
            data.get("filled") is not None
            and data.get("headcount") is not None
            and data["filled"] > data["headcount"]
        ):
            self.add_error("filled", _("More than the people needed."))
        return data

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("revision", None)
        if data.get("filled") is None:
            if self.initial.get("filled") is not None:
                data.pop("filled")  # left empty when editing: the stored number is kept
            else:
                data["filled"] = 0
        return data


class FilterForm(forms.Form):
    """The government list's filters (all optional; a bad value is ignored, never a 500)."""

    q = forms.CharField(label=_("Post or enterprise"), max_length=60, required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    place = forms.TypedChoiceField(label=_("Place"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[
            ("", _("Any status")),
            ("open", pgettext_lazy("vacancy filter", "Open (published, not expired)")),
            ("expired", pgettext_lazy("vacancy filter", "Published but expired")),
            (VacancyStatus.DRAFT, VacancyStatus.DRAFT.label),
            (VacancyStatus.PUBLISHED, pgettext_lazy("vacancy filter", "Published (expired too)")),
            (VacancyStatus.CLOSED, VacancyStatus.CLOSED.label),
        ],
    )  # fmt: skip

    def __init__(self, *args, industries, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["industry"].choices = [("", _("Any industry")), *industries]
        self.fields["place"].choices = [("", _("Anywhere")), *places]
        style(self)
