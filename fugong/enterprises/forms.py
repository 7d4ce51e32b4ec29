from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fugong.accounts.choices import Level
from fugong.accounts.models import Jurisdiction, User
from fugong.core.forms import DateInput, html5_widgets
from fugong.core.scope import scoped
from fugong.enterprises import permissions, rules
from fugong.enterprises.choices import Category, Duty, Ledger, Post
from fugong.enterprises.models import Enterprise, Industry, Park

EDITABLE = [
    "name",
    "credit_code",
    "jurisdiction",
    "park",
    "address",
    "legal_representative",
    "contact_name",
    "contact_phone",
    "industry",
    "revenue_last_year",
    "tax_paid_last_year",
    "employee_count",
    "tier",
    "closed_management",
    "has_canteen",
    "has_dormitory",
    "has_commuter_bus",
    "has_isolation_room",
    "ledger",
    "resumed_on",
    "returned_count",
    "remarks",
]
PLACE_LEVELS = [Level.VILLAGE, Level.COMMUNITY, Level.GRID, Level.TOWN, Level.STREET]


class JurisdictionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Jurisdiction) -> str:
        return "\u3000" * max(0, obj.depth - 3) + f"{obj.name} ({obj.code})"


class EnterpriseForm(forms.ModelForm):
    jurisdiction = JurisdictionChoice(queryset=Jurisdiction.objects.none(), label=_("Jurisdiction"))

    class Meta:
        model = Enterprise
        fields = EDITABLE
        widgets = {
            "resumed_on": DateInput(),
            "remarks": forms.TextInput(),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # Places in the user's jurisdictions; a park operator or an enterprise user (who has
        # none) keeps the enterprise's own place or one of its parks' places.
        places = scoped(Jurisdiction.objects.filter(level__in=PLACE_LEVELS), user)
        own = Jurisdiction.objects.filter(
            Q(pk=getattr(self.instance, "jurisdiction_id", None))
            | Q(pk__in=scoped(Park.objects.all(), user).values("jurisdiction_id"))
        )
        self.fields["jurisdiction"].queryset = (places | own).distinct().order_by("path")
        self.fields["park"].queryset = Park.objects.filter(
            Q(pk__in=scoped(Park.objects.all(), user).values("pk"))
            | Q(pk=getattr(self.instance, "park_id", None))
        )
        self.fields["industry"].queryset = Industry.objects.filter(level="division").order_by(
            "code"
        )
        self.fields["credit_code"].help_text = _("18 characters, as on the business licence.")
        for name, field in self.fields.items():
            css = (
                "form-check-input"
                if isinstance(field.widget, forms.CheckboxInput)
                else "form-control"
            )
            if isinstance(field.widget, forms.Select):
                css = "form-select"
            field.widget.attrs.setdefault("class", css)
            if name == "credit_code":
                field.widget.attrs["class"] += " font-monospace"
        # Fields this user's roles may not change are shown, not editable: a browser does not
        # send a disabled field, and Django keeps the stored value for it whatever is posted.
        # (The service refuses such a change from any other path.)
        self.locked_fields = permissions.refused_fields(user, self.fields)
        for name in self.locked_fields:
            self.fields[name].disabled = True
            self.fields[name].required = False
        html5_widgets(self)

    def clean_credit_code(self) -> str:
        return (self.cleaned_data.get("credit_code") or "").strip().upper()

    def clean(self):
        data = super().clean()
        values = {name: getattr(self.instance, name, None) for name in rules.RULE_FIELDS}
        values.update(data)
        changed = set(self.changed_data) if self.instance.pk else set(data)
        for name, message in rules.row_problems(values, changed=changed).items():
            if name not in self.errors:
                self.add_error(name, message)
        return data


class OverrideForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        error_messages={"required": _("Say why you set this by hand.")},
    )


class CategoryOverrideForm(OverrideForm):
    category = forms.ChoiceField(
        label=_("Statistical category"),
        choices=Category.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class KeyOverrideForm(OverrideForm):
    is_key = forms.TypedChoiceField(
        label=_("Key enterprise"),
        choices=[("1", _("Yes")), ("0", _("No"))],
        coerce=lambda v: v == "1",
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class PersonChoice(forms.ModelChoiceField):
    """A person by user name (the select's values, or typed where the list is too long)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "username")
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name} ({obj.username})"


class AssignmentForm(forms.Form):
    user = PersonChoice(
        queryset=User.objects.none(),
        label=_("Person"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    duty = forms.ChoiceField(
        label=_("Duty"), choices=Duty.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    post = forms.ChoiceField(
        label=_("Post"), choices=Post.choices, widget=forms.Select(attrs={"class": "form-select"})
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people


ACTIONS = [
    ("ledger", _("Put in ledger")),
    ("resumed", _("Mark as resumed")),
    ("assign", _("Assign a person")),
]


class BulkActionForm(forms.Form):
    ids = forms.TypedMultipleChoiceField(
        coerce=int, choices=[], error_messages={"required": _("Tick at least one enterprise.")}
    )
    action = forms.ChoiceField(
        choices=ACTIONS, widget=forms.Select(attrs={"class": "form-select form-select-sm w-auto"})
    )
    ledger = forms.ChoiceField(
        choices=[("", "—"), *Ledger.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm w-auto"}),
    )
    resumed_on = forms.DateField(
        required=False,
        widget=DateInput(attrs={"class": "form-control form-control-sm w-auto"}),
    )
    user = PersonChoice(
        queryset=User.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm w-auto"}),
    )
    duty = forms.ChoiceField(
        choices=Duty.choices,
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm w-auto"}),
    )
    post = forms.ChoiceField(
        choices=Post.choices,
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm w-auto"}),
    )

    def __init__(self, *args, people, **kwargs):
        kwargs.setdefault("auto_id", "bulk_%s")  # the filter form above has its own ids
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people
        self.fields["ids"].choices = [
            (v, v) for v in (self.data.getlist("ids") if hasattr(self.data, "getlist") else [])
        ]

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == "ledger" and not data.get("ledger"):
            self.add_error("ledger", _("Choose the ledger to put them in."))
        if action == "resumed" and not data.get("resumed_on"):
            self.add_error("resumed_on", _("Give the date they resumed."))
        if action == "assign" and not data.get("user"):
            self.add_error("user", _("Choose the person to assign."))
        return data
