"""The enterprise import's commit (``enterprises_upsert``) written for speed: what it stores
and audits is what the rows say, whatever order it writes them in."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from fugong.accounts.models import User, phone_validator
from fugong.accounts.testing import build_county
from fugong.core.audit import history_for
from fugong.core.models import AuditLog
from fugong.enterprises import io, services
from fugong.enterprises.choices import Category
from fugong.enterprises.demo_profiles import credit_code
from fugong.enterprises.models import Enterprise, Industry

pytestmark = pytest.mark.django_db


def test_new_rows_of_many_places_keep_their_ids_in_row_order_and_their_own_values():
    """New rows are written in their places' order (their indexes fill faster), but their
    ids follow the rows and each id holds its own row's values and audit row."""
    county = build_county()
    admin = User.objects.get(username="w_admin")
    places = [county.grid, county.towns[1], county.towns[0], county.grid.parent]
    rng = random.Random(11)
    rows = [
        {
            "name": f"次序{i}号公司",
            "credit_code": credit_code(rng, county.county.code),
            "employee_count": i,
            "jurisdiction": places[i % len(places)],
        }
        for i in range(23)
    ]
    result = services.enterprises_upsert(actor=admin, rows=rows, reason="测试")
    ids = [result.created[row["credit_code"]] for row in rows]
    assert ids == sorted(ids) and len(set(ids)) == len(rows)
    stored = {e.pk: e for e in Enterprise.objects.filter(pk__in=ids)}
    for pk, row in zip(ids, rows, strict=True):
        e = stored[pk]
        assert (e.name, e.credit_code, e.employee_count) == (
            row["name"],
            row["credit_code"],
            row["employee_count"],
        )
        assert e.jurisdiction_id == row["jurisdiction"].pk
    audit = AuditLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Enterprise), object_id__in=map(str, ids)
    )
    assert {(a.object_id, a.after["name"], a.after["employee_count"]) for a in audit} == {
        (str(pk), row["name"], row["employee_count"]) for pk, row in zip(ids, rows, strict=True)
    }


@pytest.mark.parametrize(
    "phone",
    ["13812345678", "0571-88886666", "057188886666", "12812345678", "1381234567",
     "138123456789", "0571-8888", "13812345678\n", "１３８１２３４５６７８", "", "abc"],
)  # fmt: skip
def test_the_rows_phone_check_is_the_validators(phone):
    """``io.check_phone`` (the check's own compiled pattern) accepts and refuses what the
    form's validator does, with its message."""
    try:
        phone_validator(phone)
    except ValidationError as exc:
        with pytest.raises(ValidationError) as refused:
            io.check_phone(phone)
        assert refused.value.messages == exc.messages
    else:
        io.check_phone(phone)


def test_the_derived_category_is_plain_text_and_audited_as_the_choices_value():
    county = build_county()
    admin = User.objects.get(username="w_admin")
    industry = Industry.objects.get(code="34")
    values = {"industry": industry, "revenue_last_year": Decimal(3000)}
    derived = services.derived_fields(values, threshold=None)
    assert type(derived["category"]) is str and derived["category"] == Category.INDUSTRY_ABOVE
    code = credit_code(random.Random(12), county.county.code)
    row = {"name": "派生公司", "credit_code": code, "jurisdiction": county.grid, **values}
    result = services.enterprises_upsert(actor=admin, rows=[row])
    e = Enterprise.objects.get(pk=result.created[code])
    assert e.category == Category.INDUSTRY_ABOVE
    assert history_for(e).first().after["category"] == "industry_above"
