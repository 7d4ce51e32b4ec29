"""Forms of the inspections app: a checklist of one template version (the acceptance and
every inspection use it), planning an inspection, and the rectification and stop orders."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fugong.core.forms import DateInput, style
from fugong.enterprises.models import Assignment
from fugong.inspections.checklists import Answer, applies
from fugong.inspections.choices import PLANNED_BY_HAND, CheckValue, InspectionKind, ItemKind
from fugong.inspections.services import CADRE_BARRED, latest_plan_date

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
            # The browser checks what the engine requires before sending (``required``), so a
            # phone is not refused after a slow upload; the engine still decides.
            needed = {"required": True} if item.required else {}
            if item.kind == ItemKind.CHECK:
                self.fields[key] = forms.ChoiceField(
                    label=item.text,
                    choices=CheckValue.choices,
                    widget=forms.RadioSelect(attrs=needed),
                    required=False,
                )
            elif item.kind == ItemKind.NUMBER:
                # As stored (the answers' number): a larger number is a form error.
                self.fields[key] = forms.DecimalField(
                    label=item.text, required=False, max_digits=12, decimal_places=2,
                    widget=forms.NumberInput(attrs=needed),
                )  # fmt: skip
            self.fields[f"{key}_text"] = forms.CharField(
                label=_("Note"),
                required=False,
                max_length=1000,
                widget=forms.TextInput(attrs=needed if item.kind == ItemKind.TEXT else {}),
            )
            if item.kind == ItemKind.PHOTO or item.photo_required:
                attrs = {"accept": "image/jpeg,image/png", "capture": "environment",
                         "required": True}  # fmt: skip
                if item.kind == ItemKind.CHECK:  # none needed when it does not apply
                    attrs["data-required-unless"] = f"{key}={CheckValue.NOT_APPLICABLE}"
                self.fields[f"{key}_photo"] = forms.FileField(
                    label=_("Photo"), required=False, widget=forms.ClearableFileInput(attrs=attrs)
                )
        style(self)

    def require_opinion(self) -> None:
        """The opinion must be written (an inspection's and the acceptance's)."""
        self.fields["opinion"].widget.attrs["required"] = True

    def photo_not_needed(self, item_ids) -> None:
        """The photos of these items are kept from an earlier attempt: none must be chosen."""
        for pk in item_ids:
            field = self.fields.get(f"item_{pk}_photo")
            if field is not None:
                field.widget.attrs.pop("required", None)
                field.widget.attrs.pop("data-required-unless", None)

    def rows(self):
        group = None
        problems = getattr(self, "item_problems", {})
        chosen = getattr(self, "photos_to_choose", set())
        kept = getattr(self, "photos_kept", set())
        for item in self.items:
            key = f"item_{item.pk}"
            yield {
                "item": item,
                "heading": item.group if item.group != group else "",
                "value": self[key] if key in self.fields else None,
                "text": self[f"{key}_text"],
                "photo": self[f"{key}_photo"] if f"{key}_photo" in self.fields else None,
                "problems": problems.get(item.pk, []),
                "choose_again": item.pk in chosen,
                "photo_kept": item.pk in kept,
            }
            group = item.group

    def mark_problems(self, problems: list[str]) -> None:
        """Put the engine's problems (each starts with its item's position and text) and the
        form's own errors on their items, so each is marked where it is answered."""
        self.item_problems: dict[int, list[str]] = {}
        for item in self.items:
            label = f"{item.position}. {item.text}"
            found = [p[len(label) :].lstrip(":： ") for p in problems if p.startswith(label)]
            if found:
                self.item_problems[item.pk] = found
        for name, errors in self.errors.items():
            if name.startswith("item_"):
                self.item_problems.setdefault(int(name.split("_")[1]), []).extend(errors)

    def photos_chosen(self) -> set[int]:
        """The items a photo was sent for (a refused form loses them: the browser cannot keep
        a chosen file)."""
        return {
            item.pk for item in self.items if self.files and self.files.get(f"item_{item.pk}_photo")
        }

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

    def __init__(self, *args, templates, inspectors, enterprise=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprise = enterprise
        self.fields["template"].queryset = templates
        self.fields["date"].widget.attrs["max"] = latest_plan_date().isoformat()
        # A 包保 cadre is not offered for the kinds she may not inspect (services say why).
        cadres = set(
            Assignment.objects.filter(enterprise=enterprise).values_list("user_id", flat=True)
        ) if enterprise is not None else set()  # fmt: skip
        if self.is_bound and self.data.get("kind") in CADRE_BARRED and cadres:
            inspectors = inspectors.exclude(pk__in=cadres)
        self.fields["inspector"].queryset = inspectors
        self.fields["inspector"].label_from_instance = lambda u: (
            (u.full_name or u.username)
            + (str(_(" (包保 cadre: not for unannounced inspections)")) if u.pk in cadres else "")
        )
        style(self)

    def clean_date(self):
        date = self.cleaned_data["date"]
        latest = latest_plan_date()
        if date > latest:
            raise forms.ValidationError(
                _("Choose a day within a year from today (%(date)s at the latest).")
                % {"date": latest.isoformat()}
            )
        return date

    def mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def error_sentence(self) -> str:
        """Every error, each after the label of its field (the page also shows it there)."""
        return " ".join(
            f"{self.fields[name].label}: {' '.join(errors)}" if name in self.fields
            else " ".join(errors)
            for name, errors in self.errors.items()
        )  # fmt: skip


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
