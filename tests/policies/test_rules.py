"""The rules engine of policies (issue 16 points 1, 2 and "bad input"): conditions and formulas
are checked when saved, with the reason; what passes evaluates as written, in Decimal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from fugong.policies import rules
from fugong.policies.choices import Size


@pytest.fixture(autouse=True)
def _english():
    """The reasons are compared in English (the Chinese catalogue is tested by the pages)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    "formula, why",
    [
        ("equipment_investment *", "not an arithmetic expression"),
        ("__import__('os').system('id')", "numbers, the enterprise's figures"),
        ("equipment_investment.real", "numbers, the enterprise's figures"),
        ("salary * 0.05", "“salary”"),
        ("monthly_rent / monthly_power_bill", "divide only by a number"),
        ("monthly_rent / 0", "divide only by a number"),
        ("abs(monthly_rent)", "numbers, the enterprise's figures"),
        ("min(monthly_rent)", "numbers, the enterprise's figures"),
        ("monthly_rent ** 2", "numbers, the enterprise's figures"),
        ("'5' * 3", "numbers, the enterprise's figures"),
        ("monthly_rent if is_key else 0", "numbers, the enterprise's figures"),
        ("category * 2", "“category”"),
    ],
)
def test_a_formula_that_cannot_be_evaluated_is_refused_with_the_reason(formula, why):
    with pytest.raises(ValidationError) as caught:
        rules.check_formula(formula)
    assert why in " ".join(caught.value.messages)


def test_a_formula_computes_in_decimal_with_its_cap_and_rounding():
    names = ["pk", "equipment_investment", "monthly_rent"]
    position = {"equipment_investment": 1, "monthly_rent": 2}
    assert rules.check_formula("equipment_investment × 5%") == "equipment_investment × 5%"
    five = rules.compile_formula("equipment_investment × 5%", position)
    assert five((1, Decimal("200000"), None)) == Decimal("10000")
    f = rules.compile_formula("equipment_investment * 0.05", position)
    assert f((1, Decimal("1234567.89"), None)) == Decimal("61728.3945")
    assert rules.money(Decimal("61728.3945"), None) == Decimal("61728.39")
    assert rules.money(Decimal("61728.3945"), Decimal("50000")) == Decimal("50000.00")
    assert rules.money(Decimal("-3"), None) == Decimal("0.00")  # never a negative benefit
    g = rules.compile_formula("min(monthly_rent * 2, 10000) + 0.1", position)
    assert g((1, None, Decimal("4000"))) == Decimal("8000.1")
    assert g((1, None, Decimal("9000"))) == Decimal("10000.1")
    # Chinese punctuation as offices type it
    assert rules.check_formula("min（monthly_rent × 2，10000）") == "min（monthly_rent × 2，10000）"
    assert set(rules.formula_names("monthly_rent * 2 + equipment_investment")) == {
        "monthly_rent",
        "equipment_investment",
    }
    assert names  # the row layout used above


@pytest.mark.django_db
def test_a_benefit_with_a_missing_figure_is_eligible_without_an_amount():
    names = rules.columns()
    row = [None] * len(names)
    row[names.index("pk")] = 7
    row[names.index("jurisdiction__path")] = "0001.0002."
    row[names.index("policy_facts__state_property_tenant")] = True
    c = rules.compile_benefit(
        [{"fact": "state_property_tenant", "op": "is", "value": True}],
        "monthly_rent * 2",
        None,
        names,
        within="0001.",
    )
    assert c.eligible(tuple(row))
    assert c.amount(tuple(row)) is None
    row[names.index("policy_facts__monthly_rent")] = Decimal("3000.50")
    assert c.amount(tuple(row)) == Decimal("6001.00")
    outside = rules.compile_benefit([], "", None, names, within="0009.")
    assert not outside.eligible(tuple(row))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "condition, why",
    [
        ({"fact": "salary", "op": "gte", "value": 1}, "there is no fact"),
        ({"fact": "category", "op": "gte", "value": 1}, "cannot be tested"),
        ({"fact": "category", "op": "in", "value": ["industry_above", "banks"]}, "banks"),
        ({"fact": "category", "op": "in", "value": []}, "at least one value"),
        ({"fact": "employee_count", "op": "gte", "value": "many"}, "not a number"),
        ({"fact": "employee_count", "op": "gte", "value": "NaN"}, "not a number"),
        ({"fact": "resumed_on", "op": "on_or_before", "value": "2月10日"}, "not a date"),
        ({"fact": "is_key", "op": "is", "value": "yes"}, "yes or no"),
        ({"fact": "industry", "op": "in", "value": ["ZZ"]}, "unknown industry code"),
        ({"fact": "place", "op": "in", "value": [987654]}, "does not exist"),
        ({"fact": "place", "op": "in", "value": ["青溪"]}, "by their number"),
        ("category=industry_above", "must name a fact"),
    ],
)
def test_a_condition_that_cannot_be_evaluated_is_refused_with_the_reason(condition, why):
    with pytest.raises(ValidationError) as caught:
        rules.check_conditions([{"fact": "is_key", "op": "is", "value": True}, condition])
    text = " ".join(caught.value.messages)
    assert why in text
    assert text.startswith("条件2") or text.startswith("Condition 2")


@pytest.mark.django_db
def test_conditions_are_cleaned_and_explained():
    from fugong.accounts.models import Jurisdiction
    from fugong.enterprises.models import Industry

    place = Jurisdiction.objects.order_by("depth", "pk").first()
    division = Industry.objects.filter(level="division").select_related("parent").first()
    cleaned = rules.check_conditions(
        [
            {"fact": "employee_count", "op": "gte", "value": 20},
            {"fact": "resumed_on", "op": "on_or_before", "value": "2026-02-10"},
            {"fact": "place", "op": "in", "value": [str(place.pk)]},
            {"fact": "industry", "op": "in", "value": [division.parent.code.lower()]},
            {"fact": "size", "op": "not_in", "value": ["large"]},
        ]
    )
    assert cleaned[0]["value"] == "20"
    assert cleaned[2]["value"] == [place.pk]
    assert cleaned[3]["value"] == [division.parent.code]
    names = rules.columns()
    row = [None] * len(names)
    row[names.index("employee_count")] = 25
    row[names.index("revenue_last_year")] = Decimal("500")
    row[names.index("jurisdiction__path")] = place.path + "0001."
    row[names.index("industry__code")] = division.code
    row[names.index("industry__parent__code")] = division.parent.code
    reasons = rules.explain(cleaned, tuple(row), names)
    assert [r.met for r in reasons] == [True, False, True, True, True]
    assert reasons[1].actual in ("未知", "not known")
    c = rules.compile_benefit(cleaned, "", None, names)
    assert not c.eligible(tuple(row))  # not resumed yet
    row[names.index("resumed_on")] = __import__("datetime").date(2026, 2, 3)
    assert c.eligible(tuple(row))


def test_the_size_of_an_enterprise():
    assert rules.size_of(1200, Decimal("50000")) == Size.LARGE
    assert rules.size_of(1200, Decimal("3000")) == Size.MEDIUM  # both bounds must be met
    assert rules.size_of(300, Decimal("2000")) == Size.MEDIUM
    assert rules.size_of(25, Decimal("300")) == Size.SMALL
    assert rules.size_of(19, Decimal("100000")) == Size.MICRO
    assert rules.size_of(None, None) == Size.MICRO


def test_numbers_are_shown_as_written():
    fact = rules.FACTS["tax_paid_last_year"]
    assert rules.shown_value(fact, "50").startswith("50 ")
    assert rules.shown_value(fact, "2000").startswith("2,000 ")
    assert rules.shown_value(fact, "50.50").startswith("50.5 ")
    assert rules.shown_value(fact, Decimal("12.00")).startswith("12 ")
