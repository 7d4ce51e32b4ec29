"""The form of a random draw (双随机): the place and the filter of the candidates, how many
to draw, the inspector pool (whole offices, single people, or both) and the inspections'
checklist and date."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.core.forms import DateInput, style
from fugong.enterprises.choices import Category
from fugong.enterprises.models import Industry
from fugong.inspections import draws


class DrawForm(forms.Form):
    place = forms.ModelChoiceField(label=_("Place"), queryset=None)
    template = forms.ModelChoiceField(label=_("Checklist"), queryset=None)
    date = forms.DateField(label=_("Inspection date"), widget=DateInput)
    count = forms.IntegerField(
        label=_("Enterprises to draw"), min_value=1, max_value=draws.MAX_TARGETS
    )
    categories = forms.MultipleChoiceField(
        label=_("Categories"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every category."),
    )
    industries = forms.MultipleChoiceField(
        label=_("Industry sections"),
        choices=(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("None chosen: every industry."),
    )
    key = forms.ChoiceField(
        label=_("Key enterprises"),
        choices=[
            (draws.KEY_ANY, _("Key or not")),
            (draws.KEY_ONLY, _("Key enterprises only")),
            (draws.KEY_NOT, _("Other enterprises only")),
        ],
        required=False,
    )
    resumed_only = forms.BooleanField(label=_("Resumed enterprises only"), required=False)
    with_canteen = forms.BooleanField(label=_("With a canteen only"), required=False)
    with_dormitory = forms.BooleanField(label=_("With a dormitory only"), required=False)
    min_employees = forms.IntegerField(
        label=_("At least this many employees"), min_value=0, required=False
    )
    skip_inspected_days = forms.IntegerField(
        label=_("Leave out those inspected in the last days"),
        min_value=0,
        max_value=3650,
        required=False,
        help_text=_("0: leave none out."),
    )
    pool_offices = forms.ModelMultipleChoiceField(
        label=_("Inspectors: whole offices"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    inspectors = forms.ModelMultipleChoiceField(
        label=_("Inspectors: people"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Added to the people of the offices ticked."),
    )

    def __init__(self, *args, actor, **kwargs):
        kwargs.setdefault(
            "initial",
            {"date": timezone.localdate(), "per_target": draws.min_per_target(), "count": 5},
        )
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["place"].queryset = draws.draw_places(actor)
        self.fields["template"].queryset = draws.templates()
        self.fields["per_target"] = forms.IntegerField(
            label=_("Inspectors per enterprise"),
            min_value=draws.min_per_target(),
            max_value=draws.MAX_PER_TARGET,
        )
        self.order_fields(["place", "template", "date", "count", "per_target"])
        self.fields["industries"].choices = [
            (i.code, str(i)) for i in Industry.objects.filter(level="section").order_by("code")
        ]
        self.fields["pool_offices"].queryset = draws.pool_offices(actor)
        self.fields["pool_offices"].label_from_instance = lambda o: (
            f"{o.jurisdiction.name} · {o.name}"
        )
        self.fields["inspectors"].queryset = draws.pool_users(actor)
        self.fields["inspectors"].label_from_instance = lambda u: u.full_name or u.username
        style(self)

    def clean(self):
        data = super().clean()
        people = set(data.get("inspectors") or ())
        offices = data.get("pool_offices") or ()
        if offices:
            people |= set(draws.office_members(offices))
        if not people and not self.errors:
            raise forms.ValidationError(_("Choose the inspectors: offices, people or both."))
        data["pool"] = sorted(people, key=lambda u: u.pk)
        return data

    def criteria(self) -> draws.Criteria:
        data = self.cleaned_data
        return draws.Criteria(
            categories=tuple(data.get("categories") or ()),
            industries=tuple(data.get("industries") or ()),
            key=data.get("key") or draws.KEY_ANY,
            resumed_only=bool(data.get("resumed_only")),
            min_employees=data.get("min_employees") or 0,
            skip_inspected_days=data.get("skip_inspected_days") or 0,
            with_canteen=bool(data.get("with_canteen")),
            with_dormitory=bool(data.get("with_dormitory")),
        )
