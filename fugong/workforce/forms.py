"""The roster's form: the same checks as the services (and the importer, to come)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fugong.accounts.models import phone_validator
from fugong.core.forms import html5_widgets
from fugong.workforce.choices import Measure, Origin, RiskLevel, Transport, WorkStatus


class EmployeeForm(forms.Form):
    name = forms.CharField(label=_("Person's name"), max_length=60)
    id_number = forms.CharField(label=_("ID number"), max_length=20)
    phone = forms.CharField(
        label=_("Phone"), max_length=20, required=False, validators=[phone_validator]
    )
    origin = forms.ChoiceField(label=_("Comes back from"), choices=Origin.choices)
    travel_14d = forms.CharField(
        label=_("Travel in the last 14 days"), max_length=300, required=False
    )
    planned_return = forms.DateField(label=_("Planned return date"), required=False)
    transport = forms.ChoiceField(
        label=_("Transport"), choices=[("", "---------"), *Transport.choices], required=False
    )
    transit_hours = forms.IntegerField(
        label=_("Hours in transit"), min_value=0, max_value=240, required=False
    )
    dormitory = forms.CharField(label=_("Dormitory room"), max_length=40, required=False)
    work_status = forms.ChoiceField(
        label=_("Work status"), choices=WorkStatus.choices, initial=WorkStatus.NOT_RETURNED
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # the identity is not changed here
            del self.fields["name"]
            del self.fields["id_number"]
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select")
            else:
                field.widget.attrs.setdefault("class", "form-control")
        html5_widgets(self)


class OriginRuleForm(forms.Form):
    origin = forms.ChoiceField(label=_("Comes back from"), choices=Origin.choices)
    measure = forms.ChoiceField(label=_("Measure"), choices=Measure.choices)
    days = forms.IntegerField(label=_("Days"), min_value=0, max_value=60, initial=14)
    needs_approval = forms.BooleanField(
        label=_("The grid chief approves the return"), required=False
    )
    binding = forms.BooleanField(
        label=_("Places below may not be stricter (不得层层加码)"), required=False
    )
    effective_from = forms.DateField(label=_("Effective from"))
    basis = forms.CharField(label=_("Basis (document)"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select")
            else:
                field.widget.attrs.setdefault("class", "form-control")
        html5_widgets(self)


class RegionRiskForm(forms.Form):
    region = forms.RegexField(
        label=_("Region code"),
        regex=r"^(\d{2}|\d{4}|\d{6})$",
        error_messages={"invalid": _("A region code has 2, 4 or 6 digits.")},
    )
    name = forms.CharField(label=_("Region"), max_length=60)
    level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices)
    effective_from = forms.DateField(label=_("Effective from"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )
        html5_widgets(self)
