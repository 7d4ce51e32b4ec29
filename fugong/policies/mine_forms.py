"""The enterprise's forms: its policy facts (flags and amounts in yuan) and its claim to a
benefit (statement, amount requested, attachments). They only read input; the services
check the rest (``services.facts_save``, ``claim_start``, ``claim_update``,
``claim_attach``)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fugong.core.forms import style
from fugong.policies.models import PolicyFacts
from fugong.policies.services import FILE_TYPES, MAX_FILES

MAX_YUAN = Decimal("999999999999.99")
STALE = _("This page is out of date: reload it and try again.")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept()}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


def accept() -> str:
    return ",".join(f".{kind}" for kind in FILE_TYPES)


def _yuan(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal(0),
        max_value=MAX_YUAN,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )


class ErrorSentence:
    """The form's errors as one sentence a user can act on: each field's label and message."""

    def error_sentence(self) -> str:
        parts = []
        for name, errors in self.errors.items():
            field = self.fields.get(name)
            label = str(field.label) if field is not None and field.label else ""
            parts += [f"{label}：{e}" if label else str(e) for e in errors]
        return "；".join(parts)


class FactsForm(ErrorSentence, forms.ModelForm):
    """What policies ask that the registry does not keep (``PolicyFacts``)."""

    class Meta:
        model = PolicyFacts
        fields = [
            "epidemic_supplies",
            "state_property_tenant",
            "high_energy",
            "equipment_investment",
            "monthly_rent",
            "monthly_power_bill",
        ]
        help_texts = {
            "equipment_investment": _(
                "Production equipment bought for new or converted lines, in yuan."
            ),
            "monthly_rent": _("What one month of rent of your premises costs, in yuan."),
            "monthly_power_bill": _("An ordinary month's electricity bill, in yuan."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("equipment_investment", "monthly_rent", "monthly_power_bill"):
            field = self.fields[name]
            yuan = _yuan(field.label)
            yuan.help_text = field.help_text
            self.fields[name] = yuan
        style(self)


class ClaimForm(ErrorSentence, forms.Form):
    """A claim being filled in. The files are added to those already attached."""

    statement = forms.CharField(
        label=_("Statement"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Why your enterprise qualifies and what the attachments show."),
    )
    requested = _yuan(_("Amount requested (yuan)"))
    files = MultipleFileField(
        label=_("Attachments"),
        required=False,
    )
    revision = forms.IntegerField(
        label="",
        required=False,
        min_value=0,
        widget=forms.HiddenInput,
        error_messages={"invalid": STALE, "min_value": STALE},
    )

    def __init__(self, *args, with_money: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_money:  # a measure without money (欠费不停电): nothing to request
            del self.fields["requested"]
        self.fields["files"].help_text = gettext(
            "Up to %(n)s files in all: PDF, Word (.docx), Excel (.xlsx), JPEG or PNG. Their "
            "content is checked, not their names."
        ) % {"n": MAX_FILES}
        style(self)
