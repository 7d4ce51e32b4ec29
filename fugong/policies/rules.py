"""Eligibility and benefit formulas over enterprise data (issue 16 points 1–2).

A benefit's **conditions** are a list of ``{"fact": name, "op": op, "value": value}``; each
names a fact of the enterprise (``FACTS``: its category, industry, size, place, flags, figures)
and a test fitting the fact's kind. Its **formula** is an arithmetic expression over the
numeric facts (``equipment_investment * 0.05``, ``monthly_rent * 2``, ``min(monthly_power_bill
* 0.05, 20000)``, ``50000``), with an optional cap. Both are checked when the benefit is saved
(``check_conditions``, ``check_formula``): an unknown fact, a test that does not fit, a value
of the wrong kind, an expression that is not arithmetic or cannot be evaluated is refused with
the reason, so that matching never meets one it cannot evaluate.

Matching 100,000 enterprises against every benefit has to take seconds, not minutes: the
facts of all enterprises are read once as tuples (``load``), and each benefit is compiled
(``compile_benefit``) into plain functions of such a tuple: no model instance, no query per
enterprise. The formula is parsed with ``ast`` and only numbers, the numeric facts, + - * /,
brackets and ``min``/``max`` are allowed, so compiling it to a function is safe.
"""

from __future__ import annotations

import ast
import datetime
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from fugong.enterprises.choices import Category, Ledger, Tier
from fugong.policies.choices import Size

CHOICE, BOOL, NUMBER, DATE, INDUSTRY, PLACE = (
    "choice",
    "bool",
    "number",
    "date",
    "industry",
    "place",
)

# The tests each kind of fact takes.
OPS: dict[str, tuple[str, ...]] = {
    CHOICE: ("in", "not_in"),
    BOOL: ("is",),
    NUMBER: ("gte", "lte"),
    DATE: ("on_or_before", "on_or_after"),
    INDUSTRY: ("in", "not_in"),
    PLACE: ("in",),
}
OP_LABELS = {
    "in": gettext_lazy("is one of"),
    "not_in": gettext_lazy("is none of"),
    "is": gettext_lazy("is"),
    "gte": gettext_lazy("at least"),
    "lte": gettext_lazy("at most"),
    "on_or_before": gettext_lazy("on or before"),
    "on_or_after": gettext_lazy("on or after"),
}


@dataclass(frozen=True)
class Fact:
    name: str
    label: Promise
    kind: str
    columns: tuple[str, ...]  # Enterprise.values_list lookups the fact is read from
    choices: Any = None  # a TextChoices class for a choice
    unit: Promise | str = ""

    def value(self, values: tuple) -> Any:
        """The fact from its columns' values."""
        if self.name == "size":
            return size_of(*values)
        if self.kind == INDUSTRY:
            return values  # (division code, section code)
        value = values[0]
        if self.kind == BOOL:
            return bool(value)
        return value


FACTS: dict[str, Fact] = {
    f.name: f
    for f in (
        Fact("category", gettext_lazy("statistical category"), CHOICE, ("category",), Category),
        Fact(
            "size",
            gettext_lazy("enterprise size"),
            CHOICE,
            ("employee_count", "revenue_last_year"),
            Size,
        ),
        Fact("tier", gettext_lazy("key tier"), CHOICE, ("tier",), Tier),
        Fact("ledger", gettext_lazy("ledger"), CHOICE, ("ledger",), Ledger),
        Fact(
            "industry",
            gettext_lazy("industry"),
            INDUSTRY,
            ("industry__code", "industry__parent__code"),
        ),
        Fact("place", gettext_lazy("place"), PLACE, ("jurisdiction__path",)),
        Fact("is_key", gettext_lazy("key enterprise"), BOOL, ("is_key",)),
        Fact(
            "epidemic_supplies",
            gettext_lazy("produces epidemic supplies"),
            BOOL,
            ("policy_facts__epidemic_supplies",),
        ),
        Fact(
            "state_property_tenant",
            gettext_lazy("rents state or collective property"),
            BOOL,
            ("policy_facts__state_property_tenant",),
        ),
        Fact(
            "high_energy",
            gettext_lazy("high energy consumption"),
            BOOL,
            ("policy_facts__high_energy",),
        ),
        Fact("has_canteen", gettext_lazy("canteen"), BOOL, ("has_canteen",)),
        Fact("has_dormitory", gettext_lazy("dormitory"), BOOL, ("has_dormitory",)),
        Fact(
            "employee_count",
            gettext_lazy("employees"),
            NUMBER,
            ("employee_count",),
            unit=pgettext_lazy("unit of a count of people", "persons"),
        ),
        Fact(
            "revenue_last_year",
            gettext_lazy("revenue last year"),
            NUMBER,
            ("revenue_last_year",),
            unit=gettext_lazy("10,000 yuan"),
        ),
        Fact(
            "tax_paid_last_year",
            gettext_lazy("tax paid last year"),
            NUMBER,
            ("tax_paid_last_year",),
            unit=gettext_lazy("10,000 yuan"),
        ),
        Fact(
            "equipment_investment",
            gettext_lazy("investment in production equipment"),
            NUMBER,
            ("policy_facts__equipment_investment",),
            unit=gettext_lazy("yuan"),
        ),
        Fact(
            "monthly_rent",
            gettext_lazy("monthly rent"),
            NUMBER,
            ("policy_facts__monthly_rent",),
            unit=gettext_lazy("yuan"),
        ),
        Fact(
            "monthly_power_bill",
            gettext_lazy("monthly electricity bill"),
            NUMBER,
            ("policy_facts__monthly_power_bill",),
            unit=gettext_lazy("yuan"),
        ),
        Fact("resumed_on", gettext_lazy("resumed on"), DATE, ("resumed_on",)),
    )
}
NUMERIC = [name for name, f in FACTS.items() if f.kind == NUMBER]


def size_of(employees: int | None, revenue: Decimal | None) -> str:
    """企业规模 by the industrial thresholds of 工信部联企业〔2011〕300号 (staff and revenue in
    10,000 yuan, both lower bounds to be met): large 1,000 and 40,000, medium 300 and 2,000,
    small 20 and 300, otherwise micro. The same thresholds serve every trade here (the
    notice has one table per trade; the registry does not keep what would choose between
    them)."""
    staff, income = employees or 0, revenue or 0
    if staff >= 1000 and income >= 40000:
        return Size.LARGE
    if staff >= 300 and income >= 2000:
        return Size.MEDIUM
    if staff >= 20 and income >= 300:
        return Size.SMALL
    return Size.MICRO


# --- the facts of many enterprises, read at once -------------------------------------------


def columns(facts: Iterable[str] | None = None) -> list[str]:
    """Every column the facts read (or only those of ``facts`` and of the place, which
    matching always reads), once each, after the enterprise id."""
    chosen = FACTS.values() if facts is None else [FACTS[n] for n in ("place", *facts)]
    out = ["pk"]
    for fact in chosen:
        out += [c for c in fact.columns if c not in out]
    return out


def facts_used(conditions: list[dict], formula: str) -> set[str]:
    """The facts a benefit's conditions and formula read."""
    return {c["fact"] for c in conditions} | set(formula_names(formula) if formula else ())


def load(enterprises, facts: Iterable[str] | None = None) -> tuple[list[str], Iterator[tuple]]:
    """The columns and the rows (tuples) of the facts of ``enterprises`` (a queryset): all
    of them, or only those of ``facts`` (fewer joins and conversions for a large read)."""
    names = columns(facts)
    return names, enterprises.values_list(*names).order_by().iterator(chunk_size=5000)


def _index(names: list[str], fact: Fact) -> Callable[[tuple], Any]:
    positions = [names.index(c) for c in fact.columns]
    if len(positions) == 1 and fact.name != "size":
        i = positions[0]
        if fact.kind == BOOL:
            return lambda row: bool(row[i])
        return lambda row: row[i]
    return lambda row: fact.value(tuple(row[p] for p in positions))


def _on_row(names: list[str], fact: Fact, test: Callable[[Any], bool]) -> Callable[[tuple], bool]:
    """``test`` of the fact, as a function of a row (one call fewer per row than reading the
    fact with ``_index`` and testing it: matching calls it for every enterprise)."""
    positions = [names.index(c) for c in fact.columns]
    if len(positions) == 1 and fact.name != "size":
        i = positions[0]
        if fact.kind == BOOL:
            return lambda row: test(bool(row[i]))
        return lambda row: test(row[i])
    read = _index(names, fact)
    return lambda row: test(read(row))


# --- conditions ----------------------------------------------------------------------------


def _refuse(message: str, code: str = "invalid") -> None:
    raise ValidationError(message, code=code)


def _number(value: Any) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        number = Decimal("NaN")
    if not number.is_finite():
        _refuse(_("“%(value)s” is not a number.") % {"value": value})
    return number


def _day(value: Any) -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        _refuse(_("“%(value)s” is not a date (write it as 2026-02-10).") % {"value": value})
    raise AssertionError  # unreachable


def check_conditions(conditions: Any) -> list[dict]:
    """The conditions cleaned (values in their canonical form), or ValidationError naming
    every one that cannot be evaluated and why (all at once, not one per save)."""
    from fugong.accounts.models import Jurisdiction

    if not isinstance(conditions, list):
        _refuse(_("The conditions must be a list."))
    cleaned, problems = [], []
    for n, condition in enumerate(conditions, 1):
        try:
            cleaned.append(_check_condition(condition, Jurisdiction))
        except ValidationError as exc:
            problems.append(_("Condition %(n)s: ") % {"n": n} + " ".join(exc.messages))
    if problems:
        raise ValidationError(problems, code="invalid")
    return cleaned


def _check_condition(condition: Any, Jurisdiction) -> dict:  # noqa: N803
    if not isinstance(condition, dict):
        _refuse(_("it must name a fact, a test and a value."))
    fact = FACTS.get(str(condition.get("fact", "")))
    if fact is None:
        _refuse(
            _("there is no fact “%(fact)s”; use one of %(facts)s.")
            % {"fact": condition.get("fact", ""), "facts": "、".join(FACTS)}
        )
    op = condition.get("op")
    if op not in OPS[fact.kind]:
        _refuse(
            _("“%(fact)s” cannot be tested with “%(op)s”; it takes %(ops)s.")
            % {
                "fact": fact.label,
                "op": op,
                "ops": "、".join(str(OP_LABELS[o]) for o in OPS[fact.kind]),
            }
        )
    try:
        value = _clean_value(fact, op, condition.get("value"), Jurisdiction)
    except ValidationError as exc:
        _refuse(f"{fact.label}: " + " ".join(exc.messages))
    return {"fact": fact.name, "op": op, "value": value}


def _clean_value(fact: Fact, op: str, value: Any, Jurisdiction) -> Any:
    if fact.kind == BOOL:
        if not isinstance(value, bool):
            _refuse(_("the value must be yes or no."))
        return value
    if fact.kind == NUMBER:
        return str(_number(value))
    if fact.kind == DATE:
        return _day(value).isoformat()
    values = value if isinstance(value, list) else [value]
    values = [str(v).strip() for v in values if str(v).strip()]
    if not values:
        _refuse(_("give at least one value."))
    if fact.kind == CHOICE:
        known = set(fact.choices.values)
        wrong = [v for v in values if v not in known]
        if wrong:
            _refuse(_("unknown value %(values)s.") % {"values": "、".join(wrong)})
    elif fact.kind == INDUSTRY:
        from fugong.enterprises.models import Industry

        values = [v.upper() for v in values]
        known = set(Industry.objects.filter(code__in=values).values_list("code", flat=True))
        wrong = [v for v in values if v not in known]
        if wrong:
            _refuse(_("unknown industry code %(values)s.") % {"values": "、".join(wrong)})
    elif fact.kind == PLACE:
        try:
            ids = [int(v) for v in values]
        except ValueError:
            _refuse(_("places are given by their number."))
        known = set(Jurisdiction.objects.filter(pk__in=ids).values_list("pk", flat=True))
        if len(known) != len(set(ids)):
            _refuse(_("a place given does not exist."))
        return sorted(set(ids))
    return values


def _test(fact: Fact, op: str, value: Any, paths: dict[int, str]) -> Callable[[Any], bool]:
    """A function of the fact's value: is the condition met?"""
    if fact.kind == BOOL:
        return lambda v: v is value
    if fact.kind == NUMBER:
        bound = Decimal(value)
        if op == "gte":
            return lambda v: v is not None and v >= bound
        return lambda v: v is not None and v <= bound
    if fact.kind == DATE:
        day = datetime.date.fromisoformat(value)
        if op == "on_or_before":
            return lambda v: v is not None and v <= day
        return lambda v: v is not None and v >= day
    if fact.kind == PLACE:
        prefixes = tuple(paths[i] for i in value if i in paths) or ("\0",)
        return lambda v: v is not None and v.startswith(prefixes)
    wanted = frozenset(value)
    if fact.kind == INDUSTRY:
        if op == "in":
            return lambda v: v[0] in wanted or v[1] in wanted
        return lambda v: v[0] not in wanted and v[1] not in wanted
    if op == "in":
        return lambda v: v in wanted
    return lambda v: v not in wanted


def _paths(conditions: Iterable[dict]) -> dict[int, str]:
    from fugong.accounts.models import Jurisdiction

    ids = {i for c in conditions if FACTS[c["fact"]].kind == PLACE for i in c["value"]}
    return dict(Jurisdiction.objects.filter(pk__in=ids).values_list("pk", "path")) if ids else {}


# --- formulas ------------------------------------------------------------------------------

_FUNCTIONS = {"min", "max"}
_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div)


def _label_names() -> list[tuple[str, str]]:
    """(label, name) of each numeric fact in Chinese and English, longest label first: a
    formula may be written with the labels the pages show (生产设备投入 * 5%)."""
    from django.utils import translation

    pairs = set()
    for language in ("zh-hans", "en"):
        with translation.override(language):
            pairs |= {(str(FACTS[n].label), n) for n in NUMERIC}
    return sorted(pairs, key=lambda p: -len(p[0]))


def _formula_tree(formula: str) -> ast.Expression:
    text = formula
    for label, name in _label_names():
        # A Chinese label or an English phrase; a one-word English label could be part of
        # a name ("employees" of employee_count is not), so those are left to the name.
        if not label.isascii() or " " in label:
            text = text.replace(label, f" {name} ")
    text = text.replace("×", "*").replace("÷", "/").replace("（", "(").replace("）", ")")
    text = text.replace("，", ",")
    # 5% as offices write it: a number over 100.
    text = re.sub(r"(\d+(?:\.\d+)?)\s*[%％]", r"(\1/100)", text)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        _refuse(
            _("The formula “%(formula)s” is not an arithmetic expression.") % {"formula": formula}
        )
    for node in ast.walk(tree):
        if isinstance(node, (ast.Expression, ast.Load, *_OPERATORS, ast.USub, ast.UAdd)):
            continue
        if isinstance(node, ast.BinOp) and isinstance(node.op, _OPERATORS):
            if isinstance(node.op, ast.Div) and not (
                isinstance(node.right, ast.Constant) and node.right.value
            ):
                _refuse(_("The formula may divide only by a number other than 0."))
            continue
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            continue
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            continue
        if isinstance(node, ast.Name):
            if node.id in _FUNCTIONS:
                continue
            if node.id not in NUMERIC:
                _refuse(
                    _(
                        "The formula uses “%(name)s”, which is not a figure of the enterprise; use %(names)s."
                    )
                    % {"name": node.id, "names": "、".join(NUMERIC)}
                )
            continue
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _FUNCTIONS
            and len(node.args) >= 2
            and not node.keywords
        ):
            continue
        _refuse(
            _(
                "The formula may use numbers, the enterprise's figures, + - * /, brackets, min and max only."
            )
        )
    return tree


class _ToDecimal(ast.NodeTransformer):
    """Numbers as Decimal (money is not a float) and facts as items of the row tuple."""

    def __init__(self, position: dict[str, int]):
        self.position = position

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return ast.Call(ast.Name("D", ast.Load()), [ast.Constant(repr(node.value))], [])

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in _FUNCTIONS:
            return node
        return ast.Subscript(
            ast.Name("row", ast.Load()), ast.Constant(self.position[node.id]), ast.Load()
        )


def formula_names(formula: str) -> list[str]:
    """The facts a formula uses, in order."""
    tree = _formula_tree(formula)
    seen: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in NUMERIC and node.id not in seen:
            seen.append(node.id)
    return seen


def compile_formula(formula: str, position: dict[str, int]) -> Callable[[tuple], Decimal]:
    """A function of a row of facts; it raises TypeError when a fact it uses is missing."""
    tree = _ToDecimal(position).visit(_formula_tree(formula))
    function = ast.Expression(
        ast.Lambda(ast.arguments([], [ast.arg("row")], None, [], [], None, []), tree.body)
    )
    code = compile(ast.fix_missing_locations(function), "<formula>", "eval")
    return eval(code, {"__builtins__": {}, "D": Decimal, "min": min, "max": max})  # noqa: S307


LIMIT = Decimal("1e12")  # yuan: no benefit reaches a trillion (the amount columns' range)


def check_formula(formula: str, cap: Decimal | None = None) -> str:
    """The formula as given, or ValidationError: not arithmetic, unknown fact, or an error
    when evaluated on sample figures."""
    formula = (formula or "").strip()
    if not formula:
        return ""
    if len(formula) > 300:
        _refuse(_("The formula is longer than 300 characters."))
    names = formula_names(formula)
    position = {name: i for i, name in enumerate(names)}
    function = compile_formula(formula, position)
    for sample in (Decimal(1), Decimal("123456.78")):
        try:
            result = function(tuple(sample for _n in names))
        except (ArithmeticError, TypeError, ValueError) as exc:
            _refuse(_("The formula cannot be evaluated: %(error)s") % {"error": exc})
        if not isinstance(result, Decimal) or not result.is_finite():
            _refuse(_("The formula does not give an amount."))
        if abs(result) >= LIMIT and sample == 1:
            _refuse(
                _(
                    "The formula gives %(amount)s yuan for figures of 1: far beyond any benefit; check its numbers."
                )
                % {"amount": f"{result:.2E}"}
            )
    if cap is not None and cap < 0:
        _refuse(_("The cap cannot be negative."))
    return formula


CENT = Decimal("0.01")


def money(value: Decimal, cap: Decimal | None) -> Decimal:
    amount = max(value, Decimal(0))
    if cap is not None:
        amount = min(amount, cap)
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


# --- one benefit, compiled -----------------------------------------------------------------


@dataclass
class Compiled:
    """A benefit as functions of a row of facts (``names`` its columns)."""

    tests: list[tuple[dict, Callable[[tuple], bool]]]
    amount: Callable[[tuple], Decimal | None] | None

    def eligible(self, row: tuple) -> bool:
        return all(test(row) for _condition, test in self.tests)


def compile_benefit(
    conditions: list[dict],
    formula: str,
    cap: Decimal | None,
    names: list[str],
    *,
    within: str | None = None,
) -> Compiled:
    """``within``: the path of the issuing place; only its enterprises are eligible."""
    paths = _paths(conditions)
    tests = []
    if within is not None:
        column = names.index("jurisdiction__path")
        tests.append(
            ({"fact": "place", "op": "within"}, lambda row: row[column].startswith(within))
        )
    for condition in conditions:
        fact = FACTS[condition["fact"]]
        test = _test(fact, condition["op"], condition["value"], paths)
        tests.append((condition, _on_row(names, fact, test)))
    amount = None
    if formula:
        used = formula_names(formula)
        readers = [_index(names, FACTS[n]) for n in used]
        function = compile_formula(formula, {n: i for i, n in enumerate(used)})

        def amount(row: tuple) -> Decimal | None:
            values = tuple([read(row) for read in readers])
            if None in values:
                return None  # a figure the formula needs is not known
            try:
                return money(function(values), cap)
            except ArithmeticError:
                return None

    return Compiled(tests, amount)


# --- why: each condition met or not, in words ----------------------------------------------


def shown_value(fact: Fact, value: Any, places: dict[int, str] | None = None) -> str:
    if value is None or value == "":
        return _("not known")
    if fact.kind == BOOL:
        return _("yes") if value else _("no")
    if fact.kind == CHOICE:
        labels = dict(fact.choices.choices)
        if isinstance(value, list):
            return "、".join(str(labels.get(v, v)) for v in value)
        return str(labels.get(value, value))
    if fact.kind == INDUSTRY:
        if isinstance(value, tuple):
            return "/".join(v for v in value if v) or _("not known")
        return "、".join(value)
    if fact.kind == PLACE:
        if isinstance(value, list):
            return "、".join((places or {}).get(i, str(i)) for i in value)
        return str(value)
    if fact.kind == NUMBER:
        text = f"{Decimal(value):,f}"
        if "." in text:  # 50.50 -> 50.5, 50.00 -> 50; never 50 -> 5
            text = text.rstrip("0").rstrip(".")
        return text + (f" {fact.unit}" if fact.unit else "")
    return str(value)


@dataclass(frozen=True)
class Reason:
    """One condition of a benefit for one enterprise."""

    text: str  # the condition in words: "统计类别 属于 规上工业"
    actual: str  # the enterprise's value
    met: bool


def condition_text(condition: dict, places: dict[int, str] | None = None) -> str:
    fact = FACTS[condition["fact"]]
    shown = shown_value(fact, condition["value"], places)
    return f"{fact.label} {OP_LABELS[condition['op']]} {shown}"


def explain(conditions: list[dict], row: tuple, names: list[str]) -> list[Reason]:
    """Each condition, the enterprise's value and whether it is met."""
    from fugong.accounts.models import Jurisdiction

    paths = _paths(conditions)
    places = (
        dict(Jurisdiction.objects.filter(pk__in=paths).values_list("pk", "name")) if paths else {}
    )
    out = []
    for condition in conditions:
        fact = FACTS[condition["fact"]]
        value = _index(names, fact)(row)
        met = _test(fact, condition["op"], condition["value"], paths)(value)
        if fact.kind == PLACE:
            actual = Jurisdiction.objects.filter(path=value).values_list("name", flat=True).first()
        else:
            actual = shown_value(fact, value)
        out.append(Reason(condition_text(condition, places), actual or _("not known"), met))
    return out
