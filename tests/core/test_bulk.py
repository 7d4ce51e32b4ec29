"""fugong.core.bulk: what insert_rows writes reads back as the ORM would have written it
(amounts, days, stamps, JSON with Chinese text, SQL NULL for None), and a row the database
refuses stops the load with the database's error, on both databases (PostgreSQL's COPY sends
from a thread: its error must still reach the caller)."""

from __future__ import annotations

import datetime
import random
import threading
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from fugong.accounts.testing import build_county
from fugong.core import bulk
from fugong.core.bulk import insert_rows, new_ids, rows_by_keys
from fugong.core.models import AuditLog
from fugong.enterprises.demo_profiles import credit_code
from fugong.enterprises.models import Enterprise, Industry
from fugong.enterprises.services import UPSERT_FIELDS

pytestmark = pytest.mark.django_db

AUDIT = ["at", "actor_name", "request_id", "action", "content_type_id", "object_id",
         "object_repr", "before", "after", "reason"]  # fmt: skip


def audit_row(n: int, after, *, at=None) -> tuple:
    ct = ContentType.objects.get_for_model(Enterprise).pk
    at = at or timezone.now()
    return (at, "测试", "", "create", ct, str(n), f"企业{n}", None, after, "导入")


def test_json_values_read_back_as_written_and_none_is_sql_null():
    after = {"name": "华东机械（集团）有限公司", "emoji": "🏭", "amount": "12.50", "n": 3,
             "nested": {"list": [1, "二", None]}, "quote": 'a "b" \\ c'}  # fmt: skip
    assert insert_rows(AuditLog, AUDIT, [audit_row(1, after), audit_row(2, None)]) == 2
    rows = {r.object_id: r for r in AuditLog.objects.filter(object_repr__startswith="企业")}
    assert rows["1"].after == after and rows["1"].before is None
    assert rows["2"].after is None
    assert AuditLog.objects.filter(object_id="2", after__isnull=True).exists()  # SQL NULL


def test_amounts_days_and_relations_read_back_as_the_orm_gives_them():
    county = build_county()
    industry = Industry.objects.get(code="34")
    now = timezone.now()
    code = credit_code(random.Random(7), county.county.code)
    values = {f.attname: f.get_default() for f in UPSERT_FIELDS} | {
        "name": "测试企业", "credit_code": code, "jurisdiction_id": county.grid.pk,
        "industry_id": industry.pk, "revenue_last_year": Decimal("1234.50"),
        "resumed_on": datetime.date(2020, 2, 3), "employee_count": 12,
    }  # fmt: skip
    insert_rows(Enterprise, ["created_at", "updated_at", *values], [(now, now, *values.values())])
    stored = Enterprise.objects.get(credit_code=code)
    assert stored.revenue_last_year == Decimal("1234.50")
    assert stored.resumed_on == datetime.date(2020, 2, 3)
    assert stored.jurisdiction == county.grid and stored.industry == industry
    [row] = rows_by_keys(
        Enterprise, "credit_code", [code], ["revenue_last_year", "resumed_on", "jurisdiction_id"]
    )
    assert row == {
        "revenue_last_year": Decimal("1234.50"),
        "resumed_on": datetime.date(2020, 2, 3),
        "jurisdiction_id": county.grid.pk,
    }


def test_a_row_the_database_refuses_stops_the_load_with_its_error_and_writes_nothing():
    taken = AuditLog.objects.create(
        content_type=ContentType.objects.get_for_model(Enterprise), object_id="0", action="create"
    ).pk
    rows = [(taken + 1000 + i, *audit_row(i, {"i": i})) for i in range(3000)]
    rows.append((taken, *audit_row(9999, {"i": "dup"})))  # the id is taken: refused
    before = AuditLog.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(AuditLog, ["id", *AUDIT], rows)
    assert AuditLog.objects.count() == before and not _writers()
    with connection.cursor() as cursor:  # the connection is usable again
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def _writers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "sqlite-writer"]


def test_a_load_of_many_statements_writes_every_row_in_order(monkeypatch):
    """SQLite writes each statement on a thread while the next one's rows are made: every
    row is written, in order, and the thread has ended when insert_rows returns."""
    monkeypatch.setattr(bulk, "BATCH", 7)
    made = []

    def rows():
        for i in range(100):
            made.append(i)
            yield audit_row(i, {"i": i, "名": f"第{i}行"})

    assert insert_rows(AuditLog, AUDIT, rows()) == 100 and made == list(range(100))
    stored = AuditLog.objects.filter(object_repr__startswith="企业").order_by("pk")
    assert [(r.object_id, r.after) for r in stored] == [
        (str(i), {"i": i, "名": f"第{i}行"}) for i in range(100)
    ]
    assert not _writers()


def test_rows_that_fail_to_be_made_stop_the_load_with_their_own_error(monkeypatch):
    """An error while the rows are made (a statement being written meanwhile) is the one
    raised; the writer stops, nothing is written and the connection is usable."""
    monkeypatch.setattr(bulk, "BATCH", 5)

    def rows():
        for i in range(30):
            if i == 23:
                raise ValueError("row 23")
            yield audit_row(i, {"i": i})

    before = AuditLog.objects.count()
    with pytest.raises(ValueError, match="row 23"), transaction.atomic():
        insert_rows(AuditLog, AUDIT, rows())
    assert AuditLog.objects.count() == before and not _writers()
    assert insert_rows(AuditLog, AUDIT, [audit_row(1, None)]) == 1


def test_new_ids_come_after_every_id_given_and_rows_insert_with_them():
    """Ids for a bulk insert, taken before it: past every id given (even one whose row was
    deleted), the rows insert with them, and the table's own next id comes after them."""
    ct = ContentType.objects.get_for_model(Enterprise)
    gone = AuditLog.objects.create(content_type=ct, object_id="0", action="create").pk
    AuditLog.objects.filter(pk=gone).delete()
    with transaction.atomic():
        ids = new_ids(AuditLog, 3)
        assert len(set(ids)) == 3 and min(ids) > gone
        insert_rows(AuditLog, ["id", *AUDIT], [(pk, *audit_row(pk, None)) for pk in ids])
        assert sorted(AuditLog.objects.filter(pk__in=ids).values_list("pk", flat=True)) == ids
        later = AuditLog.objects.create(content_type=ct, object_id="1", action="create").pk
        assert later > max(ids)
        assert new_ids(AuditLog, 2)[0] > later
        assert new_ids(AuditLog, 0) == []


def test_days_and_flags_that_repeat_read_back_as_the_orm_gives_them():
    """rows_by_keys converts each distinct stored day or flag once: every row still gets its
    own value, of the ORM's type."""
    county = build_county()
    rng = random.Random(8)
    now = timezone.now()
    days = [datetime.date(2020, 2, 3), None, datetime.date(2020, 2, 3), datetime.date(2021, 5, 6)]
    codes = [credit_code(rng, county.county.code) for _ in days]
    values = {f.attname: f.get_default() for f in UPSERT_FIELDS}
    rows = [
        (now, now, *(values | {"name": f"企业{i}", "credit_code": code,
                               "jurisdiction_id": county.grid.pk, "resumed_on": day,
                               "has_canteen": i % 2 == 0}).values())
        for i, (code, day) in enumerate(zip(codes, days, strict=True))
    ]  # fmt: skip
    insert_rows(Enterprise, ["created_at", "updated_at", *values], rows)
    read = rows_by_keys(
        Enterprise, "credit_code", codes, ["credit_code", "resumed_on", "has_canteen"]
    )
    got = {r["credit_code"]: (r["resumed_on"], r["has_canteen"]) for r in read}
    assert [got[c] for c in codes] == [(d, i % 2 == 0) for i, d in enumerate(days)]
    assert all(type(flag) is bool for _day, flag in got.values())


def test_stamps_in_any_zone_read_back_to_the_microsecond():
    """On PostgreSQL days and stamps go to COPY as their ISO text (converted once a value):
    a stamp in the site's zone, in UTC or with microseconds reads back as the same instant."""
    shanghai = datetime.timezone(datetime.timedelta(hours=8))
    stamps = [
        datetime.datetime(2026, 12, 7, 23, 59, 59, 999999, tzinfo=shanghai),
        datetime.datetime(2026, 12, 7, 15, 59, 59, 999999, tzinfo=datetime.UTC),
        timezone.now(),
    ]
    insert_rows(AuditLog, AUDIT, [audit_row(100 + i, None, at=at) for i, at in enumerate(stamps)])
    read = dict(
        AuditLog.objects.filter(object_repr__startswith="企业").values_list("object_id", "at")
    )
    assert [read[str(100 + i)] for i in range(3)] == stamps
    assert read["100"] == read["101"]  # the same instant, written in two zones


def test_rows_by_keys_finds_text_keys_with_any_character():
    """On PostgreSQL text keys go as one JSON text: quotes, backslashes, commas and Chinese
    in a key still find exactly their rows; keys not stored find nothing."""
    ct = ContentType.objects.get_for_model(Enterprise).pk
    odd = ['a"b', "c\\d", "e,f", "中文", "{g}", " h ", "i'j"]
    insert_rows(
        AuditLog,
        AUDIT,
        [(timezone.now(), "", "", "create", ct, k, "奇", None, None, "") for k in odd],
    )
    found = rows_by_keys(
        AuditLog, "object_id", [*odd, "missing", "a"], ["object_id", "object_repr"]
    )
    assert sorted(r["object_id"] for r in found) == sorted(odd)
