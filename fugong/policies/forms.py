"""Forms of the office's policy pages: a policy, a benefit with its conditions built as rows
of (fact, test, value) instead of JSON, a payment and its reversal. The services check what
the forms cannot (a formula that cannot be evaluated, a condition naming an unknown place)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.accounts.choices import Role
from fugong.accounts.models import Jurisdiction, Office
from fugong.accounts.selectors import active_memberships
from fugong.core.forms import DateInput, style
from fugong.core.scope import scoped
from fugong.policies import rules

TEXTAREA = forms.Textarea(attrs={"rows": 4})
MAX_CONDITIONS = 20
TOWN_DEPTH = 3  # a policy is issued by a town or a higher place


def issuers(user):
    """The places ``user`` may issue policies for: the subtree of each command office down
    to the towns, every such place for the platform administrator."""
    memberships = active_memberships(user)
    qs = Jurisdiction.objects.filter(is_active=True).order_by("path")
    if any(m.role == Role.PLATFORM_ADMIN for m in memberships):
        return qs.filter(depth__lte=TOWN_DEPTH)
    q = Q()
    for m in memberships:
        if m.role == Role.COMMAND and m.jurisdiction is not None:
            q |= Q(
                path__startswith=m.jurisdiction.path,
                depth__lte=max(TOWN_DEPTH, m.jurisdiction.depth),
            )
    return qs.filter(q) if q else qs.none()


class PolicyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    short_name = forms.CharField(
        label=_("Short name"),
        max_length=40,
        required=False,
        help_text=_("As people call it, e.g. 惠八条."),
    )
    document_number = forms.CharField(label=_("Document number"), max_length=60, required=False)
    issuer = forms.ModelChoiceField(label=_("Issued by"), queryset=Jurisdiction.objects.none())
    office = forms.ModelChoiceField(
        label=_("Office reviewing the claims"),
        queryset=Office.objects.none(),
        required=False,
        help_text=_("Without one, the command office of the issuing place reviews them."),
    )
    issued_on = forms.DateField(label=_("Issued on"), required=False, widget=DateInput)
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DateInput)
    summary = forms.CharField(label=_("Summary"), widget=TEXTAREA, required=False, max_length=4000)
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, policy=None, **kwargs):
        super().__init__(*args, **kwargs)
        places = issuers(user)
        if policy is not None:  # its own issuer stays a choice, whoever edits it
            places = Jurisdiction.objects.filter(
                Q(pk__in=places.values("pk")) | Q(pk=policy.issuer_id)
            )
        self.fields["issuer"].queryset = places.order_by("path")
        self.fields["issuer"].label_from_instance = lambda j: "　" * max(j.depth - 1, 0) + j.name
        offices = scoped(Office.objects.filter(is_active=True), user)
        if policy is not None and policy.office_id:
            offices = Office.objects.filter(Q(pk__in=offices.values("pk")) | Q(pk=policy.office_id))
        self.fields["office"].queryset = offices.select_related("jurisdiction").order_by(
            "jurisdiction__path", "name"
        )
        self.fields["office"].label_from_instance = lambda o: f"{o.jurisdiction.name} · {o.name}"
        if policy is not None and policy.status != "draft":
            self.fields["issuer"].disabled = True  # a published policy keeps its issuer
        style(self)

    def clean(self):
        data = super().clean()
        start, end = data.get("issued_on"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The policy cannot end before it is issued."))
        return data

    def fields_for_service(self) -> dict:
        data = self.cleaned_data
        fields = {name: data[name] for name in ("title", "issuer", "office", "issued_on",
                                               "valid_until")}  # fmt: skip
        fields.update(
            {name: data[name].strip() for name in ("short_name", "document_number", "summary")}
        )
        return fields


class BenefitForm(forms.Form):
    """The article itself; its conditions are the rows of ``ConditionRows``."""

    position = forms.IntegerField(label=_("Article number"), min_value=1, max_value=999)
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(
        label=_("Text of the article"), widget=TEXTAREA, required=False, max_length=4000
    )
    formula = forms.CharField(
        label=_("Formula of the amount"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "equipment_investment * 0.05"}),
    )
    cap = forms.DecimalField(
        label=_("Cap (yuan)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    automatic = forms.BooleanField(
        label=_("Granted without application (免申即享)"),
        required=False,
        help_text=_("The platform computes it for every eligible enterprise; the office confirms."),
    )
    needs_attachment = forms.BooleanField(
        label=_("An application needs an attachment"), required=False
    )
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)

    def fields_for_service(self) -> dict:
        data = self.cleaned_data
        return {
            "position": data["position"],
            "title": data["title"].strip(),
            "text": data["text"],
            "formula": data["formula"].strip(),
            "cap": data["cap"],
            "automatic": data["automatic"],
            "needs_attachment": data["needs_attachment"],
        }


def formula_help() -> list[tuple[str, str]]:
    """The names a formula may use, with what each is."""
    out = []
    for name in rules.NUMERIC:
        fact = rules.FACTS[name]
        unit = f" ({fact.unit})" if fact.unit else ""
        out.append((name, f"{fact.label}{unit}"))
    return out


# --- the conditions, as rows ---------------------------------------------------------------

_SPLIT = re.compile(r"[\s,，、;；]+")


@dataclass
class ConditionRow:
    """One row of the conditions as the form shows it: what was chosen or typed (kept as
    typed when the benefit is refused), and the controls fitting the fact."""

    index: int
    fact: str = ""
    op: str = ""
    values: list[str] = field(default_factory=list)  # as typed or chosen
    places: list = field(default_factory=list)  # (id, name) under the issuer

    @property
    def kind(self) -> str:
        fact = rules.FACTS.get(self.fact)
        return fact.kind if fact else ""

    @property
    def unit(self):
        fact = rules.FACTS.get(self.fact)
        return fact.unit if fact else ""

    @property
    def ops(self) -> list[tuple[str, str]]:
        return [(o, rules.OP_LABELS[o]) for o in rules.OPS.get(self.kind, ())]

    @property
    def text(self) -> str:
        return " ".join(self.values)

    @property
    def options(self) -> list[tuple[str, str, bool]]:
        """(value, label, chosen) of a choice or place fact."""
        if self.kind == rules.CHOICE:
            pairs = [(str(v), str(label)) for v, label in rules.FACTS[self.fact].choices.choices]
        elif self.kind == rules.PLACE:
            pairs = [(str(pk), name) for pk, name in self.places]
        elif self.kind == rules.BOOL:
            pairs = [("yes", str(_("yes"))), ("no", str(_("no")))]
        else:
            return []
        return [(v, label, v in self.values) for v, label in pairs]

    def condition(self) -> dict:
        """The condition for ``services.check_benefit`` (which says what is wrong with it)."""
        kind = self.kind
        if kind == rules.BOOL:
            value = {"yes": True, "no": False}.get(self.values[0] if self.values else "")
        elif kind in (rules.NUMBER, rules.DATE):
            value = self.values[0] if self.values else ""
        elif kind == rules.INDUSTRY:
            value = [v for v in _SPLIT.split(" ".join(self.values)) if v]
        else:
            value = list(self.values)
        return {"fact": self.fact, "op": self.op, "value": value}


def facts_choices() -> list[tuple[str, str]]:
    return [(name, str(f.label)) for name, f in rules.FACTS.items()]


def place_choices(issuer) -> list[tuple[int, str]]:
    """The places under the issuer a condition may name (two levels down: towns and
    villages of a county)."""
    if issuer is None:
        return []
    qs = Jurisdiction.objects.filter(
        path__startswith=issuer.path, depth__lte=issuer.depth + 2, is_active=True
    ).order_by("path")
    return [(j.pk, "　" * (j.depth - issuer.depth) + j.name) for j in qs]


class ConditionRows:
    """The rows of (fact, test, value) posted as ``c-<i>-fact``, ``c-<i>-op``,
    ``c-<i>-value`` (several for a choice or a place), ``c-<i>-remove``; ``c-count`` rows."""

    def __init__(self, rows: list[ConditionRow]):
        self.rows = rows

    @classmethod
    def from_conditions(cls, conditions: list[dict], issuer) -> ConditionRows:
        places = place_choices(issuer)
        rows = []
        for i, c in enumerate(conditions or []):
            value = c.get("value")
            if isinstance(value, bool):
                values = ["yes" if value else "no"]
            elif isinstance(value, list):
                values = [str(v) for v in value]
            else:
                values = [str(value)] if value not in (None, "") else []
            if rules.FACTS.get(c.get("fact", "")) and rules.FACTS[c["fact"]].kind == rules.INDUSTRY:
                values = [" ".join(values)]
            rows.append(ConditionRow(i, c.get("fact", ""), c.get("op", ""), values, places))
        return cls(rows)

    @classmethod
    def from_data(cls, data, issuer, *, add: bool = False) -> ConditionRows:
        places = place_choices(issuer)
        try:
            count = min(int(data.get("c-count") or 0), MAX_CONDITIONS)
        except ValueError:
            count = 0
        rows = []
        for i in range(count):
            if data.get(f"c-{i}-remove"):
                continue
            fact = str(data.get(f"c-{i}-fact") or "")
            if fact not in rules.FACTS:
                fact = ""
            op = str(data.get(f"c-{i}-op") or "")
            kind = rules.FACTS[fact].kind if fact else ""
            if op not in rules.OPS.get(kind, ()):
                op = rules.OPS[kind][0] if kind else ""  # the fact was changed: its first test
            values = [str(v)[:200] for v in data.getlist(f"c-{i}-value") if str(v).strip()]
            rows.append(ConditionRow(len(rows), fact, op, values, places))
        if add and len(rows) < MAX_CONDITIONS:
            rows.append(ConditionRow(len(rows), places=places))
        return cls(rows)

    @staticmethod
    def one(data, issuer) -> ConditionRow:
        """One row, for the fact just chosen (the page asks for it with htmx)."""
        try:
            index = max(0, min(int(data.get("row") or 0), MAX_CONDITIONS - 1))
        except ValueError:
            index = 0
        fact = str(data.get(f"c-{index}-fact") or data.get("fact") or "")
        if fact not in rules.FACTS:
            fact = ""
        op = rules.OPS[rules.FACTS[fact].kind][0] if fact else ""
        return ConditionRow(index, fact, op, [], place_choices(issuer))

    def compact(self) -> ConditionRows:
        """Without the rows left empty, numbered as the conditions are (a refusal names
        "condition 2": the second row shown)."""
        kept = [row for row in self.rows if row.fact]
        for i, row in enumerate(kept):
            row.index = i
        return ConditionRows(kept)

    def conditions(self) -> list[dict]:
        """The conditions of the rows that name a fact (a row left empty is no condition)."""
        return [row.condition() for row in self.rows if row.fact]

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


# --- the ledger ----------------------------------------------------------------------------


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), min_value=0, max_digits=14, decimal_places=2
    )
    batch = forms.CharField(label=_("Batch"), max_length=40)
    voucher = forms.CharField(label=_("Voucher number"), max_length=60)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("paid_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        style(self)


class ReversalForm(forms.Form):
    voucher = forms.CharField(label=_("Voucher number of the reversal"), max_length=60)
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)
