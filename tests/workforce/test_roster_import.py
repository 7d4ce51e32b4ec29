"""The roster through the import engine (issue 13 point 1): a roster xlsx as enterprises keep
it goes onto the enterprise's roster, matched by ID number (one identity across enterprises),
checked by the form's rules; the rows set aside and the stored preview hold no ID number or
phone in clear; a second import of the same file changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from openpyxl import Workbook
from stdnum.cn import ric

from fugong.core.imports import services as imports
from fugong.core.imports.models import ImportStatus
from fugong.core.jobs import execute
from fugong.core.models import AuditLog
from fugong.core.testing import run_import, world_fixtures
from fugong.resumption.testing import add_cast, build_casts
from fugong.workforce.importer import KIND
from fugong.workforce.models import Employee, Person

_built, world = world_fixtures(build_casts, scope="module")

HEADER = [
    "序号",
    "姓名",
    "身份证号码",
    "联系电话",
    "来源地",
    "计划返岗日期",
    "交通方式",
    "在岗状态",
]


def number(i: int, born: str = "19850301") -> str:
    body = f"420106{born}{i:03d}"
    return body + ric.calc_check_digit(body + "0")


def roster_xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["某某有限公司复工人员花名册"])
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(user, enterprise, content: bytes, *, mode="all", confirm=True):
    return run_import(
        KIND, user, content, place=enterprise.pk, mode=mode, confirm=confirm, filename="花名册.xlsx"
    )


def enterprise_of(cast):
    return cast.enterprise.memberships.get().enterprise


def test_a_roster_file_is_imported_and_again_changes_nothing(world):
    c = add_cast(world, "approval", "import_roster")
    rows = [
        [1, "陈一", number(1), "13800001111", "省外", "2026-12-20", "包车", "未返岗"],
        [2, "陈二", number(2), "13800002222", "本地", "2026-12-10", "自驾", "在岗"],
        [3, "陈三", number(3), "", "重点地区", "", "火车", "隔离观察"],
    ]
    batch = run(c.enterprise, enterprise_of(c), roster_xlsx(rows))
    assert batch.status == ImportStatus.DONE, batch.message
    assert batch.result["created"] == 3
    staff = {e.person.name: e for e in Employee.objects.filter(enterprise=enterprise_of(c))}
    assert staff["陈一"].origin == "out_of_province" and staff["陈一"].transport == "charter_bus"
    assert str(staff["陈一"].planned_return) == "2026-12-20"
    assert staff["陈三"].work_status == "observing" and staff["陈三"].phone == ""
    assert staff["陈二"].person.id_number == number(2)
    # Nothing in clear in the stored preview, the rows set aside or the audit log.
    preview = str(batch.preview)
    assert number(1) not in preview and "13800001111" not in preview
    logged = " ".join(
        f"{r.before} {r.after}" for r in AuditLog.objects.filter(content_type__model="employee")
    )
    assert number(1) not in logged and "13800001111" not in logged
    again = run(c.enterprise, enterprise_of(c), roster_xlsx(rows))
    assert again.status == ImportStatus.DONE, again.message
    assert again.result["created"] == 0 and again.result["updated"] == 0
    assert Employee.objects.filter(enterprise=enterprise_of(c)).count() == 3


def test_bad_rows_are_refused_with_reasons_and_good_ones_kept_on_request(world):
    c = add_cast(world, "approval", "import_roster_bad")
    bad_check = number(4)[:-1] + ("0" if number(4)[-1] != "0" else "1")
    rows = [
        [1, "李一", number(5), "13800005555", "省外", "", "", ""],
        [2, "李二", bad_check, "", "本地", "", "", ""],  # wrong check digit
        [3, "李三", number(5), "", "本地", "", "", ""],  # the same number twice
        [4, "李四", number(6), "", "火星", "", "", ""],  # no such origin
        [5, "李五", number(7), "", "", "", "", ""],  # no origin for a new person
    ]
    batch = run(c.enterprise, enterprise_of(c), roster_xlsx(rows), confirm=False)
    assert batch.preview["valid"] == 1 and batch.preview["invalid"] == 4
    messages = " ".join(e["message"] for e in batch.preview["errors"])
    assert "校验位" in messages and "row 2" not in messages
    assert "火星" in messages and "来源地" in messages
    assert bad_check not in str(batch.preview)  # the refused number is masked too
    batch = imports.batch_confirm(user=c.enterprise, batch=batch, mode="good", enqueue=False)
    execute(batch.import_job_id)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE, batch.message
    assert list(
        Employee.objects.filter(enterprise=enterprise_of(c)).values_list("person__name", flat=True)
    ) == ["李一"]


def test_one_identity_across_enterprises_and_a_name_conflict_is_refused(world):
    a, b = add_cast(world, "approval", "import_a"), add_cast(world, "record", "import_b")
    run(a.enterprise, enterprise_of(a), roster_xlsx([[1, "王一", number(8), "", "省外"]]))
    run(b.enterprise, enterprise_of(b), roster_xlsx([[1, "王一", number(8), "", "本地"]]))
    assert Person.objects.filter(name="王一").count() == 1
    assert Employee.objects.filter(person__name="王一").count() == 2
    batch = run(
        b.enterprise,
        enterprise_of(b),
        roster_xlsx([[1, "王二", number(8), "", "本地"]]),
        confirm=False,
    )
    assert batch.preview["invalid"] == 1
    assert "王一" not in str(batch.preview)  # the name on file is not told


def test_only_an_enterprises_own_users_import_its_roster(world):
    a, b = add_cast(world, "approval", "import_own_a"), add_cast(world, "approval", "import_own_b")
    from fugong.workforce.importer import RosterImporter

    importer = RosterImporter()
    assert importer.may_import(a.enterprise) and not importer.may_import(a.town_cmd)
    assert [pk for pk, _name in importer.places(a.enterprise)] == [enterprise_of(a).pk]
    with pytest.raises(ValidationError):  # another enterprise's roster is not the user's
        run(a.enterprise, enterprise_of(b), roster_xlsx([[1, "赵一", number(9), "", "本地"]]))
    assert not Employee.objects.filter(enterprise=enterprise_of(b)).exists()


def test_the_rows_set_aside_hold_no_id_number_in_clear(world):
    c = add_cast(world, "approval", "import_aside")
    batch = run(
        c.enterprise,
        enterprise_of(c),
        roster_xlsx([[1, "孙一", number(10), "13800001010", "本地"]]),
        confirm=False,
    )
    data = batch.checked_file.read()
    assert number(10).encode() not in data and b"13800001010" not in data
    with connection.cursor() as cursor:  # nor the batch row
        cursor.execute("SELECT preview FROM enterprises_importbatch WHERE id = %s", [batch.pk])
        assert number(10) not in str(cursor.fetchone())


def test_an_exported_roster_imports_back_unchanged(world, client):
    from fugong.core.models import Job

    c = add_cast(world, "approval", "export_roster")
    rows = [
        [1, "钱一", number(20), "13800002020", "省外", "2026-12-20", "包车", "未返岗"],
        [2, "钱二", number(21), "", "本地", "", "", "在岗"],
    ]
    run(c.enterprise, enterprise_of(c), roster_xlsx(rows))
    client.force_login(c.enterprise)
    answer = client.post("/workforce/export/")
    assert answer.status_code == 302
    job = Job.objects.filter(created_by=c.enterprise, kind="workforce.export").latest("pk")
    if job.status != "succeeded":  # the test task backend runs it at once; else run it here
        execute(job.pk)
        job.refresh_from_db()
    assert job.status == "succeeded", job.error
    content = job.result_file.read()
    again = run(c.enterprise, enterprise_of(c), content)
    assert again.status == ImportStatus.DONE, again.message
    assert again.result["created"] == 0 and again.result["updated"] == 0
    assert again.result["unchanged"] == 2
    # Another enterprise cannot export this one's roster.
    other = add_cast(world, "approval", "export_roster_other")
    client.force_login(other.enterprise)
    client.post("/workforce/export/", {"enterprise": enterprise_of(c).pk})
    assert not Job.objects.filter(created_by=other.enterprise, kind="workforce.export").exists()


def _assessed(employee) -> tuple:
    """What ``rules.apply`` says of the entry now (on a copy: the entry is not changed)."""
    from fugong.workforce import rules

    copy = Employee.objects.select_related("enterprise__jurisdiction").get(pk=employee.pk)
    copy.measure, copy.may_work_from, copy.measure_reason = "", None, ""
    rules.apply([copy], rules.RuleBook())
    return copy.measure, copy.may_work_from, copy.measure_reason


def test_an_import_writes_the_assessment_and_changes_entries_found_by_their_hash(
    world, county_rules
):
    from fugong.core.crypto import lookup_hash
    from fugong.workforce.services import PHONE_PURPOSE

    c = add_cast(world, "approval", "import_assessed")
    rows = [
        [1, "周一", number(30), "", "省外", "", "", ""],
        [2, "周二", number(31), "13800003131", "本地", "", "", ""],
        [3, "周三", number(32), "", "省内", "2026-12-20", "", ""],
    ]
    batch = run(c.enterprise, enterprise_of(c), roster_xlsx(rows))
    assert batch.result["created"] == 3, batch.message
    staff = {e.person.name: e for e in Employee.objects.filter(enterprise=enterprise_of(c))}
    assert staff["周一"].measure == "defer" and staff["周三"].measure == "isolate"
    for employee in staff.values():
        assert (employee.measure, employee.may_work_from, employee.measure_reason) == (
            _assessed(employee)
        )
    assert staff["周二"].phone_hash == lookup_hash("13800003131", PHONE_PURPOSE)
    # Again with a phone and an origin changed: two entries updated, one unchanged.
    rows[0][4] = "本地"
    rows[1][3] = "13900003131"
    again = run(c.enterprise, enterprise_of(c), roster_xlsx(rows))
    assert again.status == ImportStatus.DONE, again.message
    assert (again.result["created"], again.result["updated"]) == (0, 2)
    assert again.result["unchanged"] == 1
    staff = {e.person.name: e for e in Employee.objects.filter(enterprise=enterprise_of(c))}
    assert staff["周一"].measure == "none" and staff["周一"].origin == "local"
    assert staff["周一"].measure_reason == _assessed(staff["周一"])[2]
    assert staff["周二"].phone == "13900003131"
    assert staff["周二"].phone_hash == lookup_hash("13900003131", PHONE_PURPOSE)
    assert Person.objects.filter(name__in=["周一", "周二", "周三"]).count() == 3
    updates = AuditLog.objects.filter(
        content_type__model="employee", action="update", object_id=str(staff["周一"].pk)
    )
    assert [(u.before["origin"], u.after["origin"]) for u in updates] == [
        ("out_of_province", "local")
    ]
    assert updates[0].after["measure"] == "none"
    logged = " ".join(
        f"{r.before} {r.after}" for r in AuditLog.objects.filter(content_type__model="employee")
    )
    assert "3131" not in logged  # neither phone, in clear or as a hash's source


def test_a_number_registered_meanwhile_under_another_name_is_refused_at_the_commit(world):
    from fugong.workforce.services import person_for

    c = add_cast(world, "approval", "import_meanwhile")
    rows = [[1, "吴一", number(40), "", "本地"], [2, "吴二", number(41), "", "本地"]]
    checked = run(c.enterprise, enterprise_of(c), roster_xlsx(rows), confirm=False)
    person_for(name="吴三", id_number=number(40))  # another enterprise's roster, meanwhile
    batch = imports.batch_confirm(user=c.enterprise, batch=checked, enqueue=False)
    execute(batch.import_job_id)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED and "1" in batch.message
    assert not Employee.objects.filter(enterprise=enterprise_of(c)).exists()
    batch = imports.batch_confirm(user=c.enterprise, batch=batch, mode="good", enqueue=False)
    execute(batch.import_job_id)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE, batch.message
    assert batch.result["created"] == 1 and batch.result["rejected"] == 1
    assert list(
        Employee.objects.filter(enterprise=enterprise_of(c)).values_list("person__name", flat=True)
    ) == ["吴二"]
    assert Person.objects.get(name="吴三").id_number == number(40)


def test_rows_set_aside_before_the_hashes_are_still_written(world):
    """A batch checked by the version that set rows aside with only the ID number and phone
    encrypted (no hashes) and committed after an upgrade."""
    from fugong.core.crypto import encrypt
    from fugong.workforce.importer import RosterImporter
    from fugong.workforce.services import employees_upsert

    c = add_cast(world, "approval", "import_older")
    stored = {"name": "郑一", "id_number": encrypt(number(50)), "phone": encrypt("13800005050")}
    row = RosterImporter().restored(stored | {"origin": "local"})
    assert row["id_number"] == number(50) and row["phone"] == "13800005050"
    done = employees_upsert(
        actor=c.enterprise, enterprise=enterprise_of(c), rows=[row], reason="test"
    )
    assert done.created == 1
    employee = Employee.objects.get(enterprise=enterprise_of(c))
    assert employee.person.id_number == number(50) and employee.phone == "13800005050"


def test_the_sealer_seals_as_encrypt_does():
    from fugong.core.crypto import decrypt, encrypt
    from fugong.workforce.services import sealer

    seal = sealer()
    first, second = seal(number(60)), seal(number(60))
    assert first != second  # a fresh nonce each time
    assert decrypt(first) == decrypt(second) == number(60)
    assert first.split(".")[:2] == encrypt(number(60)).split(".")[:2]
    assert len(first) == len(encrypt(number(60)))


def test_a_new_entrys_audit_row_is_what_snapshot_values_gives():
    import datetime

    from django.utils import timezone

    from fugong.core.audit import snapshot_values
    from fugong.workforce.services import _made_snapshots

    now = timezone.now()
    base = {f.attname: f.get_default() for f in Employee._meta.concrete_fields}
    rows = [
        base | {"id": 1, "created_at": now, "updated_at": now, "enterprise_id": 2, "person_id": 3,
                "origin": "local", "measure": "none", "measure_reason": "没有适用的规则。",
                "may_work_from": datetime.date(2026, 12, 7), "phone": "v1.x", "phone_hash": "ab"},
        base | {"id": 4, "created_at": now, "updated_at": now, "enterprise_id": 2, "person_id": 5,
                "origin": "city", "travel_14d": "武汉 13812345678", "transit_hours": 0,
                "planned_return": datetime.date(2026, 12, 20), "dormitory": "3-101",
                "work_status": "at_work"},
    ]  # fmt: skip
    made = list(_made_snapshots([("n", r) for r in rows], now))
    assert made == [snapshot_values(Employee, r, skip_empty=True) for r in rows]
    assert "13812345678" not in str(made) and "phone" not in made[0]


def test_a_person_made_meanwhile_by_another_import_is_read_again(world, monkeypatch):
    """The upsert reads the people on file, then inserts the others: a person inserted in
    between (another import) makes the insert fail; it reads them again and goes on."""
    from fugong.workforce import services

    c = add_cast(world, "approval", "import_race")
    services.person_for(name="冯一", id_number=number(70))
    real = services.rows_by_keys
    calls = []

    def stale(model, key, keys, columns):  # the first read misses the person made meanwhile
        calls.append(model)
        if model is Person and calls.count(Person) == 1:
            return []
        return real(model, key, keys, columns)

    monkeypatch.setattr(services, "rows_by_keys", stale)
    rows = [
        {"name": "冯一", "id_number": number(70), "origin": "local"},
        {"name": "冯二", "id_number": number(71), "origin": "local"},
    ]
    done = services.employees_upsert(
        actor=c.enterprise, enterprise=enterprise_of(c), rows=rows, reason="test"
    )
    assert (done.created, done.refused) == (2, [])
    assert calls.count(Person) == 2
    assert Person.objects.filter(name__in=["冯一", "冯二"]).count() == 2
    assert Employee.objects.filter(enterprise=enterprise_of(c)).count() == 2


def test_an_upsert_larger_than_a_statement_writes_every_row_and_the_count_follows(world):
    """More entries than one SQLite statement takes (core.bulk.insert_rows writes many rows a
    statement, inside the upsert's savepoint, into a table whose triggers keep the staff
    count): every person, entry and audit row is written and the count equals a recount."""
    from fugong.workforce.models import COUNTED_STATUSES, StaffCount
    from fugong.workforce.services import employees_upsert

    c = add_cast(world, "approval", "import_large")
    enterprise = enterprise_of(c)
    statuses = ["at_work", "not_returned", "observing"]
    rows = [
        {"name": f"卫{i}", "id_number": number(i % 1000, born=f"1991{1 + i // 1000:02d}01"),
         "phone": f"139{i:08d}", "origin": "local", "work_status": statuses[i % 3]}
        for i in range(4100)
    ]  # fmt: skip
    done = employees_upsert(actor=c.enterprise, enterprise=enterprise, rows=rows, reason="test")
    assert (done.created, done.refused) == (4100, [])
    staff = Employee.objects.filter(enterprise=enterprise)
    assert staff.count() == 4100
    assert Person.objects.filter(name__startswith="卫").count() == 4100
    assert {e.person.name: e.phone for e in staff.select_related("person")} == {
        r["name"]: r["phone"] for r in rows
    }
    from django.contrib.contenttypes.models import ContentType

    entries = AuditLog.objects.filter(content_type=ContentType.objects.get_for_model(Employee))
    assert entries.filter(object_id__in=[str(e.pk) for e in staff]).count() == 4100
    expected = staff.filter(work_status__in=COUNTED_STATUSES).count()
    assert expected == 2733  # at work or observing: two of every three
    assert StaffCount.objects.get(enterprise=enterprise).expected == expected
