from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fugong.core.forms import DateInput, style
from fugong.inspections.forms import ChecklistForm
from fugong.resumption.choices import AttachmentKind, Mode
from fugong.resumption.models import APPLICATION_FIELDS, Filing

TEXTAREA = forms.Textarea(attrs={"rows": 3})

# The application form's sections, in the order of seed 004's 备案材料.
SECTIONS = [
    (_("Organisation and measures"), ["leading_group", "disinfection_measures"]),
    (
        _("Supplies in stock"),
        [
            "masks",
            "gloves",
            "protective_suits",
            "thermometers",
            "alcohol_litres",
            "disinfectant_litres",
        ],
    ),  # fmt: skip
    (
        _("Returning staff"),
        [
            "staff_local",
            "staff_city",
            "staff_province",
            "staff_other_province",
            "return_plan",
            "has_isolation_room",
            "isolation_room",
        ],
    ),  # fmt: skip
    (
        _("Resumption plan"),
        ["planned_date", "risk_assessment", "emergency_plan", "production_plan", "has_orders"],
    ),
    (
        _("Canteen, dormitory and commuter bus"),
        [
            "has_canteen",
            "canteen_measures",
            "has_dormitory",
            "dormitory_per_room",
            "dormitory_measures",
            "has_commuter_bus",
            "commuter_bus",
        ],
    ),  # fmt: skip
]


class ApplicationForm(forms.ModelForm):
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)

    class Meta:
        model = Filing
        fields = APPLICATION_FIELDS
        widgets = {
            "planned_date": DateInput(),
            **{
                name: TEXTAREA
                for name in [
                    "leading_group",
                    "disinfection_measures",
                    "return_plan",
                    "risk_assessment",
                    "emergency_plan",
                    "production_plan",
                    "canteen_measures",
                    "dormitory_measures",
                    "commuter_bus",
                ]
            },  # fmt: skip
        }

    def sections(self):
        for title, names in SECTIONS:
            yield title, [self[name] for name in names]

    def application(self) -> dict:
        return {name: self.cleaned_data[name] for name in APPLICATION_FIELDS}


class AttachmentForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)

    kind = forms.ChoiceField(label=_("What it is"), choices=AttachmentKind.choices)
    file = forms.FileField(
        label=_("File"), help_text=_("PDF, Word (.docx), Excel (.xlsx), JPEG or PNG.")
    )


class ActionForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, widget=TEXTAREA, max_length=2000)
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ScheduleForm(forms.Form):
    date = forms.DateField(
        label=_("Date of the on-site acceptance"),
        widget=DateInput(),
    )
    inspector = forms.ModelChoiceField(label=_("Inspector"), queryset=None, required=False)
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, inspectors=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = inspectors
        self.fields["inspector"].label_from_instance = lambda u: u.full_name or u.username
        style(self)


class ConfirmForm(forms.Form):
    date = forms.DateField(label=_("Resumed on"), widget=DateInput())
    returned_count = forms.IntegerField(
        label=_("Staff back at work"),
        min_value=0,
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
    )


class AcceptanceForm(ChecklistForm):
    """The on-site acceptance's checklist (the checklist engine's form)."""


class GroupForm(ApplicationForm):
    tenants = forms.ModelMultipleChoiceField(
        label=_("Tenant enterprises"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    class Meta(ApplicationForm.Meta):
        pass

    def __init__(self, *args, tenants=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tenants"].queryset = tenants
        style(self)


class PolicyForm(forms.Form):
    mode = forms.ChoiceField(label=_("Mode"), choices=Mode.choices)
    effective_from = forms.DateField(label=_("Effective from"), widget=DateInput())
    notice_prefix = forms.CharField(label=_("Notice number prefix"), required=False, max_length=20)
    remarks = forms.CharField(label=_("Remarks"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)


PARAM_LABELS = {
    "days": _("Days of supplies"),
    "masks_per_person_per_day": _("Masks per person per day"),
    "hours": _("Hours before the planned date"),
    "date": _("Earliest resumption date"),
    "early_needs_county": _("Earlier dates allowed with the county's approval"),
    "max_per_room": _("Most people per dormitory room"),
}


class RuleForm(forms.Form):
    """On/off and the parameters of one rule; fields follow the rule's default parameters."""

    enabled = forms.BooleanField(label=_("Enabled"), required=False)

    def __init__(self, *args, defaults: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for name, value in defaults.items():
            label = PARAM_LABELS.get(name, name)
            if isinstance(value, bool):
                field = forms.BooleanField(label=label, required=False)
            elif isinstance(value, int):
                field = forms.IntegerField(label=label, min_value=0, max_value=1000)
            else:  # a date, or nothing
                field = forms.DateField(
                    label=label,
                    required=False,
                    widget=DateInput(),
                )
            self.fields[name] = field
        style(self)

    def params(self) -> dict:
        values = {k: v for k, v in self.cleaned_data.items() if k != "enabled"}
        return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}
