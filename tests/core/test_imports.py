"""The import engine on an importer of its own (no domain model: rows are written to a list):
the check and commit jobs, keep-good and all-or-nothing, the error file with the original rows
and 原行号/错误原因, the batch's steps on the workflow engine with an audit row each, the job
kinds queued before the engine, and the header mapping remembered per office."""

from __future__ import annotations

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from openpyxl import load_workbook

from fugong.core.errors import NotAllowed
from fugong.core.imports import registry, services
from fugong.core.imports.models import HeaderMapping, ImportBatch, ImportStatus
from fugong.core.imports.registry import Committed, Importer, RowCheck
from fugong.core.jobs import execute, job_start
from fugong.core.models import AuditLog
from fugong.core.tabular import Column

pytestmark = pytest.mark.django_db

WRITTEN: list[dict] = []


class PeopleCheck(RowCheck):
    def __init__(self):
        self.seen: set[str] = set()

    def load(self, keys):
        return {k: {"code": k} for k in keys if k.startswith("OLD")}

    def check(self, row, existing):
        v = row.values
        if not v.get("name"):
            return None, "姓名：不能为空。"
        if v["code"] in self.seen:
            return None, "编号：重复。"
        self.seen.add(v["code"])
        return {"code": v["code"], "name": v["name"], "age": v.get("age")}, ""


class PeopleImporter(Importer):
    kind = "tests.people"
    title = "People"
    columns = [
        Column("code", "编号", required=True, kind="code"),
        Column("name", "姓名", required=True),
        Column("age", "年龄", kind="int"),
    ]
    key = "code"
    url_names = ("", "", "")

    def may_import(self, user) -> bool:
        return user.username != "town01_jmb"

    def office_key(self, user) -> str:
        return "office-a" if user.username.startswith("town01") else "office-b"

    def checker(self, user, options):
        return PeopleCheck()

    def commit(self, *, actor, rows, reason, options, all_or_nothing):
        WRITTEN.extend(rows)
        old = sum(1 for r in rows if r["code"].startswith("OLD"))
        return Committed(created=len(rows) - old, updated=old)


@pytest.fixture(autouse=True)
def people():
    registry.register(PeopleImporter())
    WRITTEN.clear()
    yield


def csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def start(user, content: bytes, mode="all", kind="tests.people") -> ImportBatch:
    batch = services.batch_start(
        kind=kind, user=user, filename="p.csv", content=content, mode=mode, enqueue=False
    )
    execute(batch.check_job_id)
    return ImportBatch.objects.get(pk=batch.pk)


def confirm(user, batch, mode=None) -> ImportBatch:
    batch = services.batch_confirm(user=user, batch=batch, mode=mode, enqueue=False)
    execute(batch.import_job_id)
    return ImportBatch.objects.get(pk=batch.pk)


def test_check_then_commit_with_the_batch_steps_audited(user):
    me = user("town01_cmd")
    batch = start(me, csv("编号,姓名,年龄", "A1,张三,30", "OLD1,李四,", "合计,,30"))
    assert batch.status == ImportStatus.READY and batch.kind == "tests.people"
    assert batch.preview["total"] == 2 and batch.preview["new"] == 1
    assert batch.preview["existing"] == 1 and batch.preview["skipped"] == 1
    assert WRITTEN == []  # the check writes nothing
    batch = confirm(me, batch)
    assert batch.status == ImportStatus.DONE
    assert batch.result == {"created": 1, "updated": 1, "unchanged": 0, "rejected": 0}
    assert [r["name"] for r in WRITTEN] == ["张三", "李四"] and WRITTEN[0]["age"] == 30
    steps = AuditLog.objects.filter(
        content_type=ContentType.objects.get_for_model(ImportBatch), object_id=str(batch.pk)
    ).order_by("pk")
    statuses = [(e.before["status"], e.after["status"]) for e in steps]
    assert statuses == [("checking", "ready"), ("ready", "importing"), ("importing", "done")]
    assert [e.actor_name for e in steps] == ["imports", me.username, "imports"]
    assert batch.revision == 3
    assert "preview" not in steps[0].after  # sample rows stay out of the audit trail


def test_bad_rows_give_an_error_file_and_keep_good_writes_the_others(user):
    me = user("town01_cmd")
    batch = start(me, csv("编号,姓名,年龄", "A1,张三,30", "A2,,40", "A1,重复,"), mode="good")
    assert batch.preview["invalid"] == 2
    sheet = load_workbook(io.BytesIO(batch.error_file.read())).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["编号", "姓名", "年龄", "原行号", "错误原因"]
    assert rows[1][:4] == ["A2", None, "40", 3] and "姓名" in rows[1][4]
    batch = confirm(me, batch)
    assert batch.result["created"] == 1 and batch.result["rejected"] == 2


def test_all_or_nothing_fails_and_can_be_imported_again_keeping_the_good_rows(user):
    me = user("town01_cmd")
    batch = confirm(me, start(me, csv("编号,姓名", "A1,张三", "A2,")))
    assert batch.status == ImportStatus.FAILED and "第 3 行" in batch.message
    assert WRITTEN == []
    batch = confirm(me, batch, mode="good")
    assert batch.status == ImportStatus.DONE and [r["code"] for r in WRITTEN] == ["A1"]


def test_only_the_uploader_with_the_right_confirms(user):
    me, other = user("town01_cmd"), user("town02_cmd")
    batch = start(me, csv("编号,姓名", "A1,张三"))
    with pytest.raises(NotAllowed):
        services.batch_confirm(user=other, batch=batch, enqueue=False)
    with pytest.raises(ValidationError):  # a done batch is not waiting for confirmation
        services.batch_confirm(user=me, batch=confirm(me, batch), enqueue=False)


def test_jobs_queued_under_the_old_kinds_still_run(user):
    """Jobs queued before the engine carry the enterprise import's kinds."""
    me = user("town01_cmd")
    batch = services.batch_start(
        kind="tests.people", user=me, filename="p.csv", content=csv("编号,姓名", "A1,张三"),
        mode="all", enqueue=False,
    )  # fmt: skip
    old = job_start(
        kind="enterprises.import_check", title="old", user=me, params={"batch": batch.pk}
    )
    ImportBatch.objects.filter(pk=batch.pk).update(check_job=old)
    execute(old.pk)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY
    batch = services.batch_confirm(user=me, batch=batch, enqueue=False)
    ImportBatch.objects.filter(pk=batch.pk).update(
        import_job=job_start(kind="enterprises.import", title="old", user=me, params={"batch": batch.pk})
    )  # fmt: skip
    batch.refresh_from_db()
    execute(batch.import_job_id)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE and len(WRITTEN) == 1


def test_an_unknown_header_is_shown_mapped_and_remembered_for_the_office(user):
    me, colleague, elsewhere = user("town01_cmd"), user("town01_ajb"), user("town02_cmd")
    content = csv("编号,名字,年龄,空列,备用", "A1,张三,30,,x", "A2,李四,31,,")
    batch = start(me, content)
    # The name column is not recognised: the file is refused, the header shown with values.
    assert batch.status == ImportStatus.REJECTED and "姓名" in batch.message
    assert batch.preview["unknown_samples"]["名字"] == ["张三", "李四"]
    assert batch.preview["unknown_samples"]["空列"] == []
    batch = services.batch_map_headers(
        user=me, batch=batch, mapping={"名字": "name", "备用": ""},
        enqueue=False,
    )  # fmt: skip
    execute(batch.check_job_id)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY, batch.message
    assert batch.preview["mapped"] == {"名字": "姓名"} and batch.preview["ignored"] == ["备用"]
    assert batch.preview["unknown_headers"] == ["空列"]
    assert set(HeaderMapping.objects.values_list("scope", "header", "field")) == {
        ("office-a", "名字", "name"),
        ("office-a", "备用", ""),
    }
    # The next file of the same office is read the same way; another office's is not.
    assert start(colleague, content).status == ImportStatus.READY
    assert start(elsewhere, content).status == ImportStatus.REJECTED


def test_a_mapping_can_be_changed_on_a_checked_file(user):
    me = user("town01_cmd")
    batch = start(me, csv("编号,姓名,岁数", "A1,张三,30"))
    assert batch.status == ImportStatus.READY and batch.preview["unknown_headers"] == ["岁数"]
    batch = services.batch_map_headers(user=me, batch=batch, mapping={"岁数": "age"}, enqueue=False)
    assert batch.status == ImportStatus.CHECKING
    execute(batch.check_job_id)
    batch = confirm(me, ImportBatch.objects.get(pk=batch.pk))
    assert WRITTEN[0]["age"] == 30


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="migrating back and forth inside a test: PostgreSQL"
)
def test_the_enterprise_batches_become_the_engines_with_their_audit_history(user):
    """The migration keeps the table and its rows (kind "enterprises"), and the batches'
    content type moves to core so their audit rows follow."""
    from django.db.migrations.executor import MigrationExecutor

    from fugong.core.audit import history_for

    me = user("town01_cmd")
    before = [("core", "0003_document_counter"), ("enterprises", "0007_enterprise_name_place")]
    after = [("core", "0004_importbatch_headermapping"), ("enterprises", "0008_move_importbatch_to_core")]  # fmt: skip
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    batch = old.get_model("enterprises", "ImportBatch").objects.create(
        created_by_id=me.pk, file="imports/x.xlsx", filename="旧台账.xlsx", status="done"
    )
    content_type = old.get_model("contenttypes", "ContentType").objects.get(
        app_label="enterprises", model="importbatch"
    )
    old.get_model("core", "AuditLog").objects.create(
        actor_name="old", action="update", content_type_id=content_type.pk,
        object_id=str(batch.pk), object_repr="旧台账.xlsx", before={}, after={},
    )  # fmt: skip
    with connection.cursor() as cursor:  # the rows' deferred checks, before ALTER TABLE
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    moved = ImportBatch.objects.get(pk=batch.pk)
    assert (moved.kind, moved.filename, moved.revision, moved.options) == (
        "enterprises", "旧台账.xlsx", 0, {},
    )  # fmt: skip
    assert [e.actor_name for e in history_for(moved)] == ["old"]


def test_a_column_with_data_but_no_header_is_shown_by_position_and_can_be_mapped(user):
    me = user("town01_cmd")
    batch = start(me, csv("编号,姓名,", "A1,张三,30", "A2,李四,31"))
    assert batch.preview["unknown_headers"] == ["第3列（无表头）"]
    assert batch.preview["unknown_samples"]["第3列（无表头）"] == ["30", "31"]
    batch = services.batch_map_headers(
        user=me, batch=batch, mapping={"第3列（无表头）": "age"}, enqueue=False
    )
    execute(batch.check_job_id)
    batch = confirm(me, ImportBatch.objects.get(pk=batch.pk))
    assert [r["age"] for r in WRITTEN] == [30, 31]


def test_a_mapping_that_cannot_apply_is_refused_naming_the_headers_and_nothing_is_saved(user):
    me = user("town01_cmd")
    batch = start(me, csv("编号,姓名,名字,岁数,年纪", "A1,张三,三,30,30"))
    with pytest.raises(ValidationError) as own:  # the file has 姓名 under its own header
        services.batch_map_headers(user=me, batch=batch, mapping={"名字": "name"}, enqueue=False)
    assert "“名字”" in own.value.messages[0] and "“姓名”" in own.value.messages[0]
    with pytest.raises(ValidationError) as twice:
        services.batch_map_headers(
            user=me, batch=batch, mapping={"岁数": "age", "年纪": "age"}, enqueue=False
        )
    assert "“岁数”、“年纪”" in twice.value.messages[0] and "“年龄”" in twice.value.messages[0]
    assert not HeaderMapping.objects.exists()
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.READY
    # One of them is fine; then the other one is refused against the first.
    batch = services.batch_map_headers(user=me, batch=batch, mapping={"岁数": "age"}, enqueue=False)
    execute(batch.check_job_id)
    batch = ImportBatch.objects.get(pk=batch.pk)
    with pytest.raises(ValidationError):
        services.batch_map_headers(user=me, batch=batch, mapping={"年纪": "age"}, enqueue=False)
    assert services.recognised_fields("tests.people", batch.preview) == {"code", "name"}


def test_a_header_longer_than_shown_is_mapped_by_its_whole_text(user):
    """Issue 11: a header is shown cut to 60 characters; its mapping is keyed by the whole
    header, so the next file finds it, and two long headers alike at the start stay apart."""
    me = user("town01_cmd")
    first, second = "年龄情况说明" * 20 + "甲", "年龄情况说明" * 20 + "乙"
    content = csv(f"编号,姓名,{first},{second}", "A1,张三,30,x")
    batch = start(me, content)
    keys = [c["key"] for c in batch.preview["choices"]]
    assert len(set(keys)) == 2 and all(len(k) <= 100 for k in keys)
    assert batch.preview["unknown_headers"] == [first[:60], second[:60]]
    batch = services.batch_map_headers(
        user=me, batch=batch, mapping={keys[0]: "age", keys[1]: ""}, enqueue=False
    )
    execute(batch.check_job_id)
    again = start(me, content)  # the office's next upload
    assert again.preview["mapped"] == {first[:60]: "年龄"}
    assert again.preview["ignored"] == [second[:60]] and again.preview["unknown_headers"] == []
    assert [c["field"] for c in again.preview["choices"]] == ["age", ""]
    confirm(me, again)
    assert WRITTEN[0]["age"] == 30


@pytest.mark.parametrize(
    "mapping", [{"不在文件里": "name"}, {"名字": "no_such_field"}, {"名字": "name", "x": ""}]
)
def test_a_mapping_of_a_header_or_field_the_page_does_not_show_is_refused_naming_it(user, mapping):
    me = user("town01_cmd")
    batch = start(me, csv("编号,名字,年龄", "A1,张三,30"))
    with pytest.raises(ValidationError) as refused:
        services.batch_map_headers(user=me, batch=batch, mapping=mapping, enqueue=False)
    assert next(iter(mapping)) in " ".join(refused.value.messages) or "x" in str(refused.value)
    assert not HeaderMapping.objects.exists()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.REJECTED and batch.preview  # the preview is kept


def test_a_mapping_made_by_an_administrator_is_the_uploaders_office_and_audited(user):
    me, admin = user("town01_cmd"), user("admin")
    batch = start(me, csv("编号,名字,年龄", "A1,张三,30"))
    before = AuditLog.objects.count()
    batch = services.batch_map_headers(
        user=admin, batch=batch, mapping={"名字": "name"}, enqueue=False
    )
    execute(batch.check_job_id)
    assert list(HeaderMapping.objects.values_list("scope", "header", "field")) == [
        ("office-a", "名字", "name")
    ]
    logged = AuditLog.objects.filter(content_type__model="headermapping")
    assert [e.actor_id for e in logged] == [admin.pk] and AuditLog.objects.count() > before
    batch.refresh_from_db()
    services.batch_map_headers(user=admin, batch=batch, mapping={"名字": None}, enqueue=False)
    assert not HeaderMapping.objects.exists()
    assert AuditLog.objects.filter(content_type__model="headermapping").count() == 2


def test_a_long_file_name_still_makes_a_job_name_that_fits(user):
    batch = start(user("town01_cmd"), csv("编号,姓名,年龄", "A1,张三,30"))
    batch.filename = "长" * 200
    assert len(services.job_title("Check of %(file)s", batch)) == 200


# The rows a check sets aside: signed frames of plain values (fugong.core.imports.checked).


def test_checked_rows_keep_amounts_and_dates_and_come_back_in_order():
    import datetime
    from decimal import Decimal

    from fugong.core.imports import checked

    out = io.BytesIO()
    frames = checked.write(out, 7)
    rows = [{"code": f"A{i}", "amount": Decimal("1.50"), "day": datetime.date(2020, 2, 3)}
            for i in range(3)]  # fmt: skip
    frames.chunk(rows[:2])
    frames.chunk([])  # nothing: no frame
    frames.chunk(rows[2:])
    assert list(checked.read(io.BytesIO(out.getvalue()), 7)) == [rows[:2], rows[2:]]
    assert out.getvalue().startswith(checked.MAGIC)  # the format is named before any frame


@pytest.mark.parametrize("damage", ["altered", "other batch", "cut", "not ours", "a class"])
def test_a_checked_file_altered_or_not_this_batchs_is_refused_before_it_is_unpickled(damage):
    import pickle
    import struct

    from fugong.core.imports import checked

    out = io.BytesIO()
    checked.write(out, 7).chunk([{"code": "A1", "name": "张三"}])
    data, batch = out.getvalue(), 7
    if damage == "altered":
        data = data.replace("张三".encode(), "李四".encode())
    elif damage == "other batch":
        batch = 8
    elif damage == "cut":
        data = data[:-3]
    elif damage == "not ours":
        data = b'{"code": "A1"}\n'
    else:  # a frame correctly signed (a leaked key) that names a class to build
        payload = pickle.dumps([{"x": ValueError("boom")}])
        sign = checked._signer(7)
        data = checked.MAGIC + struct.pack(">32sQ", sign(payload), len(payload)) + payload
    with pytest.raises(checked.CheckedFileError):
        list(checked.read(io.BytesIO(data), batch))


def test_an_import_whose_checked_rows_were_altered_writes_nothing_and_asks_for_a_check(user):
    from django.core.files.base import ContentFile

    me = user("town01_cmd")
    batch = start(me, csv("编号,姓名,年龄", "A1,张三,30"))
    with batch.checked_file.open("rb") as stored:
        data = stored.read()
    batch.checked_file.save(
        "forged.bin", ContentFile(data.replace("张三".encode(), "王五".encode()))
    )
    batch = confirm(me, batch)
    assert batch.status == ImportStatus.FAILED and WRITTEN == []
    assert "check the file again" in batch.import_job.error or "重新检查" in batch.import_job.error
    # Offered a new check of its file, not an import of the refused rows again.
    assert not batch.checked_file and batch.file
    assert not services.can_import_again(batch) and services.can_recheck(batch)
