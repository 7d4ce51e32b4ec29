"""Forms of the inspections app: a checklist of one template version (the acceptance and
every inspection use it), planning an inspection, and the rectification and stop orders."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fugong.core.forms import DateInput, style
from fugong.inspections.checklists import Answer, applies
from fugong.inspections.choices import PLANNED_BY_HAND, CheckValue, InspectionKind, ItemKind

TEXTAREA = forms.Textarea(attrs={"rows": 3})


class ChecklistForm(forms.Form):
    """The checklist of one template version: a field (or two) per item that applies to the
    enterprise, with the inspector's opinion."""

    opinion = forms.CharField(
        label=_("Inspector's opinion"), widget=TEXTAREA, required=False, max_length=4000
    )
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, template, enterprise=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = [i for i in template.items.all() if applies(i, enterprise)]
        for item in self.items:
            key = f"item_{item.pk}"
            if item.kind == ItemKind.CHECK:
                self.fields[key] = forms.ChoiceField(
                    label=item.text,
                    choices=CheckValue.choices,
                    widget=forms.RadioSelect,
                    required=False,
                )
            elif item.kind == ItemKind.NUMBER:
                # As stored (the answers' number): a larger number is a form error.
                self.fields[key] = forms.DecimalField(
                    label=item.text, required=False, max_digits=12, decimal_places=2
                )
            self.fields[f"{key}_text"] = forms.CharField(
                label=_("Note"), required=False, max_length=1000
            )
            if item.kind == ItemKind.PHOTO or item.photo_required:
                self.fields[f"{key}_photo"] = forms.FileField(
                    label=_("Photo"),
                    required=False,
                    widget=forms.ClearableFileInput(
                        attrs={"accept": "image/jpeg,image/png", "capture": "environment"}
                    ),
                )
        style(self)

    def rows(self):
        group = None
        for item in self.items:
            key = f"item_{item.pk}"
            yield {
                "item": item,
                "heading": item.group if item.group != group else "",
                "value": self[key] if key in self.fields else None,
                "text": self[f"{key}_text"],
                "photo": self[f"{key}_photo"] if f"{key}_photo" in self.fields else None,
            }
            group = item.group

    def answers(self) -> dict[int, Answer]:
        result = {}
        for item in self.items:
            key = f"item_{item.pk}"
            result[item.pk] = Answer(
                value=self.cleaned_data.get(key) or "" if item.kind == ItemKind.CHECK else "",
                number=self.cleaned_data.get(key) if item.kind == ItemKind.NUMBER else None,
                text=self.cleaned_data.get(f"{key}_text") or "",
                photo=self.cleaned_data.get(f"{key}_photo"),
            )
        return result

    def error_sentence(self) -> str:
        """The form's errors as one sentence naming each item (e.g. an empty photo)."""
        labels = {
            f"item_{i.pk}{part}": f"{i.position}. {i.text}"
            for i in self.items
            for part in ("", "_text", "_photo")
        }
        return " ".join(
            f"{labels.get(name, '')}: {' '.join(problems)}".lstrip(": ")
            for name, problems in self.errors.items()
        )

    def draft(self) -> dict[str, str]:
        """What was typed, to keep as a saved draft (photos are not kept in a draft)."""
        data = self.data
        keep = [n for n in self.fields if not n.endswith("_photo") and n != "revision"]
        return {name: str(data.get(name, ""))[:4000] for name in keep if data.get(name)}


class PlanForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(k.value, k.label) for k in InspectionKind if k in PLANNED_BY_HAND]
        + [(InspectionKind.SELF_CHECK.value, InspectionKind.SELF_CHECK.label)],
    )
    template = forms.ModelChoiceField(label=_("Checklist"), queryset=None)
    date = forms.DateField(label=_("Date"), widget=DateInput)
    inspector = forms.ModelChoiceField(label=_("Inspector"), queryset=None, required=False)

    def __init__(self, *args, templates, inspectors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates
        self.fields["inspector"].queryset = inspectors
        self.fields["inspector"].label_from_instance = lambda u: u.full_name or u.username
        style(self)


class ReportForm(forms.Form):
    report = forms.CharField(label=_("What was done"), widget=TEXTAREA, max_length=4000)
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)


class StopForm(forms.Form):
    facts = forms.CharField(label=_("Facts found"), widget=TEXTAREA, max_length=4000)
    basis = forms.CharField(label=_("Legal basis"), required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)
