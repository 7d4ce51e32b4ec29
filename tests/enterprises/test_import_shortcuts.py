"""The enterprise importer's shortcuts (issue 11's speed) give what the long way gives: the
few comparisons that pass a row's rules (``rules_pass``), the derived values compared part
by part (``RowChecker.derived_kept``), and only the stored columns a file needs read
(``RowChecker.given``)."""

from __future__ import annotations

import datetime
import itertools
import random
from decimal import Decimal

import pytest

from fugong.enterprises import rules
from fugong.enterprises.choices import Category
from fugong.enterprises.io import RowChecker, rules_pass
from fugong.enterprises.models import Enterprise
from fugong.enterprises.services import derived_fields

TODAY = datetime.date(2026, 3, 1)

PEOPLE = [None, 0, 5, 10, -1, True]
AMOUNTS = [
    None,
    Decimal("0"),
    Decimal("12.5"),
    Decimal("-1"),
    Decimal("1e12"),
    Decimal("999999999999.99"),
    Decimal("NaN"),
    Decimal("Infinity"),
    3,
]
DAYS = [
    None,
    TODAY,
    TODAY + datetime.timedelta(days=1),
    datetime.date(2000, 1, 1),
    datetime.date(1999, 12, 31),
    datetime.datetime(2026, 2, 1, 8, 0),
]


def test_rules_pass_only_rows_the_rules_find_nothing_wrong_with():
    """Whatever is changed: a row ``rules_pass`` lets through has no problem."""
    changes = [
        set(c) for n in range(len(rules.RULE_FIELDS) + 1)
        for c in itertools.combinations(sorted(rules.RULE_FIELDS), n)
    ]  # fmt: skip
    passed = 0
    for employees, returned, revenue, tax, day in itertools.product(
        PEOPLE, PEOPLE, AMOUNTS, AMOUNTS[:4], DAYS
    ):
        values = {
            "employee_count": employees,
            "returned_count": returned,
            "revenue_last_year": revenue,
            "tax_paid_last_year": tax,
            "resumed_on": day,
        }
        if rules_pass(values, TODAY):
            passed += 1
            for changed in changes:
                assert rules.row_problems(values, changed=changed, today=TODAY) == {}, values
    assert passed > 100  # the usual rows do pass


@pytest.fixture
def checker(user):
    return RowChecker(user("admin"))


def _derived_equal(checker: RowChecker, existing: dict, stated: bool) -> bool:
    """What ``unchanged`` compared before: every derived value of the whole row."""
    industry = checker.industries_by_id.get(existing["industry_id"])
    derived = derived_fields(
        {**existing, "industry": industry, "category_stated": stated},
        threshold=checker.thresholds.threshold(existing["jurisdiction_id"]),
    )
    return not any(existing.get(name) != value for name, value in derived.items())


def test_the_derived_values_compared_part_by_part_as_the_whole(checker):
    place = Enterprise.objects.values_list("jurisdiction_id", flat=True).first()
    checker.thresholds.load({place})
    industries = [None, *list(checker.industries_by_id)[:6]]
    rng = random.Random(11)
    agreed = {True: 0, False: 0}
    for _ in range(3000):
        existing = {
            "industry_id": rng.choice(industries),
            "revenue_last_year": rng.choice([None, Decimal("0"), Decimal("100"), Decimal("2500"),
                                             Decimal("30000.5"), Decimal("100.00")]),
            "tax_paid_last_year": rng.choice([None, Decimal("0"), Decimal("49.99"),
                                              Decimal("50"), Decimal("80.25")]),
            "category": rng.choice(["", *Category.values]),
            "category_overridden": rng.random() < 0.2,
            "is_key": rng.random() < 0.5,
            "is_key_overridden": rng.random() < 0.2,
            "jurisdiction_id": place,
        }  # fmt: skip
        if not existing["category_overridden"] and rng.random() < 0.7:
            # Mostly what the derivation gives, as stored by an import.
            existing |= derived_fields(
                {**existing, "industry": checker.industries_by_id.get(existing["industry_id"])},
                threshold=checker.thresholds.threshold(place),
            )
        stated = rng.random() < 0.3
        expected = _derived_equal(checker, existing, stated)
        assert checker.derived_kept(existing, stated) == expected, (existing, stated)
        agreed[expected] += 1
    assert agreed[True] > 100 and agreed[False] > 100


def test_only_the_stored_columns_a_file_needs_are_read(checker):
    assert checker.existing_columns == RowChecker.EXISTING  # not told: all of them
    checker.given({"name", "credit_code", "jurisdiction_code", "park", "has_canteen"})
    read = set(checker.existing_columns)
    assert read == RowChecker.ALWAYS | {"name", "park_id", "has_canteen"}
    assert read <= set(RowChecker.EXISTING)
    code = Enterprise.objects.values_list("credit_code", flat=True).first()
    stored = checker.load([code])[code]
    assert set(stored) == read
    everything = RowChecker(checker.user)
    assert {k: everything.load([code])[code][k] for k in read} == stored


def test_the_industry_of_a_row_is_found_once_per_pair_of_cells_as_check_finds_it(checker):
    divisions = list(checker.industries.by_code.values())[:3]
    texts = [None, "", "99", "zz", *(d.code for d in divisions), *(d.name for d in divisions)]
    texts += [f"{divisions[0].code} {divisions[1].name}", f"{divisions[0].code}{divisions[0].name}"]
    for code_cell, name_cell in itertools.product(texts, texts):
        v = {"industry_code": code_cell, "industry_name": name_cell}
        problems: list[tuple] = []
        industry = checker.check_industry(v, lambda *args, found=problems: found.append(args))
        expected = industry.pk if industry is not None and not problems else None
        assert checker._industry_id(v) == expected, v
        assert checker._industry_id(dict(v)) == expected  # remembered


def test_the_upserts_derived_values_part_by_part_as_the_whole(checker):
    from fugong.enterprises.models import Industry
    from fugong.enterprises.services import _Derivations

    industries = {i.pk: i for i in Industry.objects.select_related("parent")}
    derivations = _Derivations(industries)
    ids = [None, *list(checker.industries_by_id)[:6]]
    rng = random.Random(17)
    for _ in range(3000):
        merged = {
            "industry_id": rng.choice(ids),
            "revenue_last_year": rng.choice([None, Decimal("0"), Decimal("100"),
                                             Decimal("2500"), Decimal("2500.00"), Decimal("30000.5")]),
            "tax_paid_last_year": rng.choice([None, Decimal("0"), Decimal("50"), Decimal("80.25")]),
            "category": rng.choice(["", *Category.values]),
            "category_overridden": rng.random() < 0.2,
            "is_key_overridden": rng.random() < 0.2,
        }  # fmt: skip
        stated = rng.choice([None, True])
        reason = rng.choice([None, "", "手工"])
        threshold = rng.choice([None, Decimal("50"), Decimal("20")])
        assert derivations.of(merged, stated, reason, threshold) == derived_fields(
            {
                **{k: v for k, v in merged.items() if k != "industry_id"},
                "industry": industries.get(merged["industry_id"]),
                "category_stated": stated,
                "category_override_reason": reason,
            },
            threshold=threshold,
        ), merged
