"""Importing the ledgers offices already keep: formats, headers, preview, modes, upsert,
error file, scope, and the export → import round trip."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from openpyxl import Workbook, load_workbook
from stdnum.cn import uscc

from fugong.accounts.models import Jurisdiction
from fugong.core.imports import checked
from fugong.core.jobs import execute
from fugong.core.models import AuditLog, Job, JobStatus
from fugong.core.testing import run_import
from fugong.enterprises import io as enterprise_io
from fugong.enterprises.choices import Category, Ledger
from fugong.enterprises.models import Enterprise, ImportStatus
from fugong.stats.testing import tally_sums

pytestmark = pytest.mark.django_db

HEADER = [
    "企业名称",
    "统一社会信用代码",
    "辖区代码",
    "联系电话",
    "行业代码",
    "员工人数",
    "上年营业收入(万元)",
    "台账类别",
    "复工日期",
]


def code(n: int, area: str = "339821") -> str:
    body = f"91{area}{n:09d}"
    return body + uscc.calc_check_digit(body)


def grid(town_index: int = 0) -> Jurisdiction:
    town = Jurisdiction.objects.filter(level__in=["town", "street"]).order_by("code")[town_index]
    return (
        Jurisdiction.objects.filter(level="grid", path__startswith=town.path)
        .order_by("code")
        .first()
    )


def xlsx(
    rows: list[list], *, title: str | None = "城关街道企业复工复产台账", header=HEADER
) -> bytes:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
        ws.append(["填报日期：2026年2月20日"])
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def good_rows(n: int = 3, start: int = 1) -> list[list]:
    g = grid().code
    return [
        [
            f"测试导入企业{i}有限公司",
            code(i),
            g,
            "13800000000",
            "34",
            20 + i,
            2500,
            "节后可生产",
            "2026-02-25",
        ]
        for i in range(start, start + n)
    ]


def enterprise_audit_rows() -> int:
    """Audit rows of enterprises (the batches' own steps are audited too)."""
    return AuditLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Enterprise)
    ).count()


def exported(client, capture_on_commit) -> bytes:
    """The signed-in user's whole ledger as the export page gives it (its job run at once)."""
    with capture_on_commit(execute=True):
        client.post("/enterprises/export/", {"query": ""})
    job = Job.objects.latest("pk")
    return b"".join(client.get(f"/jobs/{job.pk}/download/").streaming_content)


def run(user, content: bytes, *, filename="台账.xlsx", mode="all", confirm=True):
    return run_import(
        enterprise_io.KIND, user, content, filename=filename, mode=mode, confirm=confirm
    )


def test_xlsx_with_title_rows_is_imported_with_derivations(user):
    me = user("town01_cmd")
    batch = run(me, xlsx(good_rows()))
    assert batch.status == ImportStatus.DONE, batch.message
    assert batch.result == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 0}
    e = Enterprise.objects.get(credit_code=code(1))
    assert e.jurisdiction == grid() and e.industry.code == "34" and e.employee_count == 21
    assert e.category == Category.INDUSTRY_ABOVE and not e.category_overridden  # 2500 ≥ 2000 万元
    assert e.ledger == Ledger.CAN_RESUME and str(e.resumed_on) == "2026-02-25"
    assert AuditLog.objects.filter(object_id=str(e.pk), action="create").exists()


def test_preview_writes_nothing(user):
    batch = run(user("town01_cmd"), xlsx(good_rows()), confirm=False)
    assert batch.status == ImportStatus.READY
    assert (
        batch.preview["total"] == 3 and batch.preview["new"] == 3 and batch.preview["invalid"] == 0
    )
    assert not Enterprise.objects.filter(credit_code=code(1)).exists()


def test_importing_the_same_file_twice_changes_nothing(user):
    me = user("town01_cmd")
    content = xlsx(good_rows())
    run(me, content)
    logged = enterprise_audit_rows()
    second = run(me, content)
    assert second.result == {"created": 0, "updated": 0, "unchanged": 3, "rejected": 0}
    assert enterprise_audit_rows() == logged


def test_update_by_credit_code_changes_only_what_differs(user):
    me = user("town01_cmd")
    run(me, xlsx(good_rows()))
    rows = good_rows()
    rows[0][5] = 99
    batch = run(me, xlsx(rows))
    assert batch.result["updated"] == 1 and batch.result["unchanged"] == 2
    entry = AuditLog.objects.filter(
        object_id=str(Enterprise.objects.get(credit_code=code(1)).pk)
    ).first()
    assert ("employee_count", 21, 99) in entry.changes()


def test_all_or_nothing_leaves_nothing_behind(user):
    rows = [*good_rows(), ["坏企业", "91339821000000000X", grid().code, "123", "34", 5, 10, "", ""]]
    batch = run(user("town01_cmd"), xlsx(rows), mode="all")
    assert batch.status == ImportStatus.FAILED
    assert "nothing" in batch.message.lower() or "没有" in batch.message or batch.import_job.error
    assert not Enterprise.objects.filter(credit_code__in=[code(1), code(2), code(3)]).exists()


def test_keep_good_rows_writes_them_and_returns_the_bad_ones(user):
    bad = ["坏企业", "91339821000000000X", grid().code, "123", "34", 5, 10, "", ""]
    batch = run(user("town01_cmd"), xlsx([*good_rows(), bad]), mode="good")
    assert batch.status == ImportStatus.DONE
    assert batch.result["created"] == 3 and batch.result["rejected"] == 1
    sheet = load_workbook(batch.error_file.open("rb")).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][: len(HEADER)] == tuple(HEADER) and rows[0][-1] == "错误原因"
    assert rows[1][0] == "坏企业" and rows[1][1] == "91339821000000000X"
    reason = rows[1][-1]
    assert "统一社会信用代码" in reason and "联系电话" in reason  # every bad column is named


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        (["", code(50), "339821001001001", "", "", "", "", "", ""], "企业名称"),
        (["X公司", "", "339821001001001", "", "", "", "", "", ""], "统一社会信用代码"),
        (["X公司", code(51), "999999999999999", "", "", "", "", "", ""], "辖区代码"),
        (["X公司", code(52), "", "", "", "", "", "", ""], "辖区代码"),
        (["X公司", code(53), "339821001001001", "", "ZZ", "", "", "", ""], "行业代码"),
        (["X公司", code(54), "339821001001001", "", "", "abc", "", "", ""], "员工人数"),
        (["X公司", code(55), "339821001001001", "", "", "", "", "随便", ""], "台账类别"),
        (["X公司", code(56), "339821001001001", "", "", "", "", "", "2099-01-01"], "复工日期"),
    ],
)
def test_each_rejected_row_names_the_column(user, cells, column):
    batch = run(user("town01_cmd"), xlsx([cells]), confirm=False)
    assert batch.preview["invalid"] == 1, batch.preview
    assert column in batch.preview["errors"][0]["message"]


def test_duplicate_code_in_one_file_is_rejected(user):
    rows = good_rows(1) + good_rows(1)
    batch = run(user("town01_cmd"), xlsx(rows), confirm=False)
    assert batch.preview["invalid"] == 1
    message = batch.preview["errors"][0]["message"]
    assert "统一社会信用代码" in message and "4" in message  # points at the first row (sheet row 4)


def test_a_town_cannot_import_into_another_town(user):
    rows = good_rows(1)
    rows[0][2] = grid(1).code  # town02's grid
    batch = run(user("town01_cmd"), xlsx(rows), confirm=False)
    assert batch.preview["invalid"] == 1 and "辖区代码" in batch.preview["errors"][0]["message"]


def test_a_town_cannot_change_another_towns_enterprise(user):
    other = Enterprise.objects.filter(
        jurisdiction__path__startswith=grid(1).parent.parent.path
    ).first()
    rows = [[other.name, other.credit_code, "", "", "", 1, "", "", ""]]
    batch = run(user("town01_cmd"), xlsx(rows), confirm=False)
    assert batch.preview["invalid"] == 1
    assert "统一社会信用代码" in batch.preview["errors"][0]["message"]


def test_synonyms_full_width_and_date_serials(user):
    header = [
        "单位名称",
        "社会信用代码",
        "网格代码",
        "手机",
        "所属行业",
        "职工人数",
        "营业收入（万元）",
        "复工时间",
    ]
    g = grid().code
    full_width_code = code(60).translate(
        str.maketrans(
            "0123456789ABCDEFGHJKLMNPQRTUWXY",
            "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ",
        )
    )
    rows = [
        [
            " 全角　测试公司 ",
            full_width_code,
            g,
            13800000001.0,
            "通用设备制造业",
            "１２０",
            "1,500",
            46077,
        ]
    ]
    batch = run(user("town01_cmd"), xlsx(rows, header=header))
    assert batch.status == ImportStatus.DONE, (batch.message, batch.preview.get("errors"))
    e = Enterprise.objects.get(credit_code=code(60))
    assert (
        e.name == "全角 测试公司" and e.contact_phone == "13800000001" and e.employee_count == 120
    )
    assert e.revenue_last_year == Decimal("1500.00") and e.industry.code == "34"
    assert e.category == Category.INDUSTRY_BELOW
    assert str(e.resumed_on) == "2026-02-24"  # Excel serial 46077


def csv_bytes(encoding: str, delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(["某镇企业台账"])
    writer.writerow(HEADER)
    writer.writerows(good_rows(2, start=70))
    return out.getvalue().encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_utf8_and_gbk(user, encoding):
    batch = run(user("town01_cmd"), csv_bytes(encoding), filename="台账.csv")
    assert batch.status == ImportStatus.DONE, batch.message
    assert Enterprise.objects.get(credit_code=code(70)).name == "测试导入企业70有限公司"


def test_legacy_xls(user):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("台账")
    sheet.write(0, 0, "XX镇企业复工复产台账")
    for col, text in enumerate(HEADER):
        sheet.write(1, col, text)
    for r, row in enumerate(good_rows(2, start=80), start=2):
        for col, value in enumerate(row):
            sheet.write(r, col, value)
    out = io.BytesIO()
    book.save(out)
    batch = run(user("town01_cmd"), out.getvalue(), filename="旧台账.xls")
    assert batch.status == ImportStatus.DONE, batch.message
    assert Enterprise.objects.filter(credit_code__in=[code(80), code(81)]).count() == 2


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (b"%PDF-1.4 not a sheet", "x.xlsx"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "x.csv"),
        ("姓名,年龄\n张三,30\n".encode(), "x.csv"),  # no recognisable header
    ],
)
def test_files_that_cannot_be_imported_get_one_clear_message(user, content, filename):
    batch = run(user("town01_cmd"), content, filename=filename, confirm=False)
    assert batch.status == ImportStatus.REJECTED and batch.message


def test_empty_and_oversized_files_are_refused_at_upload(user, settings):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        enterprise_io.import_start(
            user=user("town01_cmd"), filename="x.xlsx", content=b"", mode="all"
        )
    settings.FUGONG_MAX_UPLOAD_MB = 1
    with pytest.raises(ValidationError, match="1 MB"):
        enterprise_io.import_start(
            user=user("town01_cmd"), filename="x.xlsx", content=b"x" * (1024 * 1024 + 1), mode="all"
        )


def test_export_then_import_round_trip_changes_nothing(
    client, login, django_capture_on_commit_callbacks
):
    me = login("town01_cmd")
    content = exported(client, django_capture_on_commit_callbacks)
    logged = enterprise_audit_rows()
    batch = run(me, content, filename="export.xlsx")
    assert batch.status == ImportStatus.DONE, (batch.message, batch.preview.get("errors"))
    assert batch.result["created"] == 0 and batch.result["updated"] == 0
    assert (
        batch.result["unchanged"]
        == Enterprise.objects.filter(
            jurisdiction__path__startswith=grid().parent.parent.path
        ).count()
    )
    assert enterprise_audit_rows() == logged


def test_command_line_import(tmp_path, user, capsys):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(xlsx(good_rows(2, start=90)))
    call_command("import", "enterprises", str(path), "--user", "town01_cmd")
    out = capsys.readouterr().out  # in the active language, every line
    assert "共 2 行：正确 2 行，有误 0 行；新增 2 家，已登记 0 家。" in out
    assert "新增 2 家，更新 0 家，无变化 0 家，退回 0 行。" in out
    path.write_bytes(xlsx(good_rows(2, start=90) + [["", "坏代码"]]))
    with translation.override("en"):
        call_command("import", "enterprises", str(path), "--user", "town01_cmd", "--mode", "good")
    out = capsys.readouterr().out
    assert "3 rows: 2 good, 1 with errors; 0 new, 2 already registered." in out
    assert "0 new, 0 updated, 2 unchanged, 1 row rejected." in out
    assert Enterprise.objects.filter(credit_code=code(90)).exists()
    with pytest.raises(CommandError):
        call_command("import", "enterprises", str(tmp_path / "nope.xlsx"), "--user", "town01_cmd")
    # A ledger without a place column, into a place of the user's.
    path.write_bytes(xlsx(without_place(good_rows(1, start=92)), header=NO_PLACE))
    call_command("import", "enterprises", str(path), "--user", "town01_cmd", "--place", grid().code)
    assert Enterprise.objects.get(credit_code=code(92)).jurisdiction == grid()
    with pytest.raises(CommandError):
        call_command(
            "import", "enterprises", str(path), "--user", "town01_cmd", "--place", grid(1).code
        )


def test_upload_page_preview_and_confirm(client, login, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login("town01_cmd")
    upload = SimpleUploadedFile("台账.xlsx", xlsx(good_rows(2, start=95)))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/enterprises/import/", {"file": upload, "mode": "all"})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert 'data-status="ready"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"], {"mode": "all"})
    assert 'data-status="done"' in client.get(response["Location"]).content.decode()
    assert Enterprise.objects.filter(credit_code=code(95)).exists()


def test_roles_without_import_rights_cannot_upload(client, login):
    login("town01_jmb")
    assert client.get("/enterprises/import/").status_code == 403


def test_import_rechecks_what_changed_since_the_check(user):
    """An enterprise registered under another town between the check and the import is not
    taken over by the import."""
    me = user("town01_cmd")
    batch = run(me, xlsx(good_rows(2, start=120)), confirm=False)
    assert batch.status == ImportStatus.READY
    from fugong.enterprises import services

    services.enterprise_create(
        actor=user("town02_cmd"), name="抢先登记", credit_code=code(120), jurisdiction=grid(1)
    )
    batch = enterprise_io.import_confirm(user=me, batch=batch, enqueue=False)
    execute(batch.import_job_id)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert Enterprise.objects.get(credit_code=code(120)).name == "抢先登记"
    assert not Enterprise.objects.filter(credit_code=code(121)).exists()


def dead_worker_beat(job_id: int) -> None:
    """What a worker killed in the middle of a job leaves: the job running, and a heartbeat
    naming a process of this machine that no longer exists."""
    import os
    import socket
    import subprocess
    import sys
    import time

    from django.core.cache import cache
    from django.utils import timezone

    from fugong.core import jobs

    child = subprocess.Popen([sys.executable, "-c", "pass"])  # noqa: S603
    child.wait()
    Job.objects.filter(pk=job_id).update(status=JobStatus.RUNNING, started_at=timezone.now())
    cache.set(
        jobs._heartbeat_key(job_id),
        {"host": socket.gethostname(), "pid": child.pid, "at": time.time()},
    )
    assert os.getpid() != child.pid


def test_a_crashed_import_fails_with_its_batch_and_can_be_started_again(
    client, login, django_capture_on_commit_callbacks
):
    from fugong.core.jobs import recover_interrupted_jobs

    me = login("town01_cmd")
    batch = run(me, xlsx(good_rows(2, start=130)), confirm=False)
    batch = enterprise_io.import_confirm(user=me, batch=batch, enqueue=False)
    assert batch.status == ImportStatus.IMPORTING
    dead_worker_beat(batch.import_job_id)  # the worker died while importing

    assert recover_interrupted_jobs() == 1
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED and batch.message
    assert batch.import_job.status == JobStatus.FAILED and batch.import_job.error == batch.message
    assert not Enterprise.objects.filter(credit_code=code(130)).exists()

    page = client.get(f"/enterprises/import/{batch.pk}/").content.decode()
    assert batch.message in page  # says why, translated
    assert 'data-testid="confirm"' in page and 'data-testid="recheck"' in page
    assert batch.message in client.get(f"/jobs/{batch.import_job_id}/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/enterprises/import/{batch.pk}/", {"mode": "all"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE and batch.message == ""
    assert Enterprise.objects.filter(credit_code__in=[code(130), code(131)]).count() == 2


def test_a_crashed_check_rejects_its_batch_and_can_be_checked_again(
    client, login, django_capture_on_commit_callbacks
):
    from fugong.core.jobs import recover_interrupted_jobs

    me = login("town01_cmd")
    batch = enterprise_io.import_start(
        user=me, filename="台账.xlsx", content=xlsx(good_rows(2, start=140)), mode="all",
        enqueue=False,
    )  # fmt: skip
    dead_worker_beat(batch.check_job_id)
    assert recover_interrupted_jobs() == 1
    batch.refresh_from_db()
    assert batch.status == ImportStatus.REJECTED and batch.message
    # Confirming is refused (nothing was checked), checking again is offered and works.
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        enterprise_io.import_confirm(user=me, batch=batch, enqueue=False)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/enterprises/import/{batch.pk}/", {"action": "recheck"})
    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY and batch.preview["valid"] == 2


def test_a_failed_all_or_nothing_import_can_be_run_again_keeping_the_good_rows(user):
    me = user("town01_cmd")
    bad = ["坏企业", "91339821000000000X", grid().code, "123", "34", 5, 10, "", ""]
    batch = run(me, xlsx([*good_rows(2, start=150), bad]), mode="all")
    assert batch.status == ImportStatus.FAILED
    assert not Enterprise.objects.filter(credit_code=code(150)).exists()  # all or nothing
    batch = enterprise_io.import_confirm(user=me, batch=batch, mode="good", enqueue=False)
    execute(batch.import_job_id)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE and batch.result["created"] == 2


def test_recheck_over_the_api(client, user):
    from fugong.accounts.services import api_token_issue

    me = user("town01_cmd")
    batch = run(me, "姓名,年龄\n张三,30\n".encode(), filename="x.csv", confirm=False)
    assert batch.status == ImportStatus.REJECTED
    _token, raw = api_token_issue(user=me)
    response = client.post(
        f"/api/v1/enterprises/imports/{batch.pk}/recheck",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 202, response.content
    assert response.json()["check_job_id"] != batch.check_job_id


def test_a_batch_whose_hook_could_not_run_is_not_stuck(user):
    """The import job failed but its hook could not mark the batch (the database was busy
    then): the batch still offers to start again."""
    from fugong.enterprises.models import ImportBatch

    me = user("town01_cmd")
    batch = run(me, xlsx(good_rows(2, start=160)), confirm=False)
    batch = enterprise_io.import_confirm(user=me, batch=batch, enqueue=False)
    Job.objects.filter(pk=batch.import_job_id).update(status=JobStatus.FAILED)
    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.status == ImportStatus.IMPORTING
    assert enterprise_io.can_recheck(batch)
    batch = enterprise_io.import_confirm(user=me, batch=batch, enqueue=False)
    execute(batch.import_job_id)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE


def test_a_checked_file_is_not_checked_again_and_the_refusal_says_what_to_do(user):
    """Asking to check a file that passed its check (or was imported) says to upload the
    changed file, not that it "is being checked or imported"."""
    from django.core.exceptions import ValidationError
    from django.utils import translation

    me = user("town01_cmd")
    batch = run(me, xlsx(good_rows(1, start=140)), confirm=False)
    assert batch.status == ImportStatus.READY
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        enterprise_io.import_recheck(user=me, batch=batch, enqueue=False)
    assert "upload it again" in " ".join(refused.value.messages)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY


def test_the_name_shown_for_an_upload_is_its_last_path_part(user):
    """The stored name is generated; the name shown on the batch page and in job titles is the
    one the user gave, through the same cleaning as every other upload (no ``../`` parts, no
    control characters)."""
    from fugong.core.tabular import spreadsheet_kind

    content = "企业名称,统一社会信用代码\n".encode()
    batch = enterprise_io.import_start(
        user=user("town01_cmd"),
        filename="../../台账\x00.csv",
        content=content,
        mode="all",
        enqueue=False,
    )
    assert batch.filename == "台账.csv"
    assert batch.file.name.endswith(".csv") and "台账" not in batch.file.name
    assert spreadsheet_kind(b"PK\x03\x04rest") == "xlsx"


def test_an_import_counts_its_new_units_set_wise_and_the_tally_equals_a_rebuild(user):
    """New units are counted by one statement per chunk instead of the per-row trigger; the
    tally afterwards is what a rebuild from the units gives, and the trigger is back."""
    from fugong.stats import tally

    me = user("town01_cmd")
    before = tally_sums()
    rows = good_rows(7)
    batch = run(me, xlsx(rows))
    assert batch.result["created"] == 7
    changed = [r[:] for r in rows[:2]]
    changed[0][5] = 99  # an update still goes through its trigger
    assert run(me, xlsx(changed)).result["updated"] == 1
    kept = tally_sums()
    assert kept != before
    assert tally.installed()
    tally.rebuild()
    assert tally_sums() == kept


def test_each_user_lists_the_files_they_uploaded_and_administrators_all(user):
    town, other = user("town01_cmd"), user("town02_cmd")
    mine = run(town, xlsx(good_rows(1)), confirm=False)
    theirs = run(other, xlsx([]), confirm=False)
    assert list(enterprise_io.import_batch_list(user=town)) == [mine]
    assert list(enterprise_io.import_batch_list(user=other)) == [theirs]
    assert {mine, theirs} <= set(enterprise_io.import_batch_list(user=user("admin")))


@pytest.mark.parametrize("staff", ["从业人员期末人数", "年末从业人员", "从业人员数"])
def test_the_nbs_terms_for_the_staff_are_recognised(user, staff):
    header = [*HEADER[:5], staff, *HEADER[6:]]
    batch = run(user("town01_cmd"), xlsx(good_rows(1), header=header))
    assert batch.status == ImportStatus.DONE, (batch.message, batch.preview.get("errors"))
    assert Enterprise.objects.get(credit_code=code(1)).employee_count == 21


def test_total_and_blank_lines_are_skipped_and_counted_not_rejected(user):
    rows = good_rows(3)
    lines = [rows[0], [None] * len(HEADER), rows[1], ["合计", None, None, None, None, 41], rows[2]]
    lines += [["小 计：", None, None, None, None, 23], [None] * len(HEADER)]
    batch = run(user("town01_cmd"), xlsx(lines))
    assert batch.status == ImportStatus.DONE, (batch.message, batch.preview.get("errors"))
    assert batch.preview["total"] == 3 and batch.preview["invalid"] == 0
    assert batch.preview["skipped"] == 3  # the blank line between rows and both totals
    assert batch.result["created"] == 3


@pytest.mark.parametrize(
    ("header", "cell", "division"),
    [
        ("行业代码", "22", "22"),
        ("行业代码", 22, "22"),  # typed as a number
        ("行业代码", "C22", "22"),
        ("行业代码", "3411", "34"),  # a class: its division
        ("行业代码", "34 通用设备制造业", "34"),
        ("行业代码", "C34通用设备制造业", "34"),
        ("行业代码", "通用设备制造业", "34"),
        ("所属行业", "通用设备制造业", "34"),
        ("所属行业", "34 通用设备制造业", "34"),
        ("所属行业", "C34通用设备制造业", "34"),
        ("所属行业", "C 22", "22"),
        ("所属行业", "3411", "34"),
    ],
)
def test_industry_as_code_code_and_name_or_name_in_either_column(user, header, cell, division):
    rows = good_rows(1)
    rows[0][4] = cell
    batch = run(user("town01_cmd"), xlsx(rows, header=[*HEADER[:4], header, *HEADER[5:]]))
    assert batch.status == ImportStatus.DONE, (batch.message, batch.preview.get("errors"))
    assert Enterprise.objects.get(credit_code=code(1)).industry.code == division


@pytest.mark.parametrize("cell", ["A34", "99", "9911", "造纸"])
def test_an_industry_that_is_no_division_is_refused_naming_the_column(user, cell):
    rows = good_rows(1)
    rows[0][4] = cell
    batch = run(user("town01_cmd"), xlsx(rows), confirm=False)
    assert batch.preview["invalid"] == 1
    assert "行业代码" in batch.preview["errors"][0]["message"]
    assert cell in batch.preview["errors"][0]["message"]


NO_PLACE = [h for h in HEADER if h != "辖区代码"]


def without_place(rows: list[list]) -> list[list]:
    return [[c for i, c in enumerate(r) if HEADER[i] != "辖区代码"] for r in rows]


def test_a_ledger_without_a_place_column_goes_to_the_place_chosen(user):
    me = user("town01_cmd")
    place = grid()
    content = xlsx(without_place(good_rows(2)), header=NO_PLACE)
    refused = run(me, content, confirm=False)  # no place chosen: each new row says what to do
    assert refused.preview["invalid"] == 2 and "导入到" in refused.preview["errors"][0]["message"]
    batch = enterprise_io.import_start(
        user=me, filename="村台账.xlsx", content=content, mode="all", place=place.pk,
        enqueue=False,
    )  # fmt: skip
    town, village = place.parent.parent, place.parent
    assert batch.options == {
        "place": place.pk,
        "place_name": f"{town.name} / {village.name} / {place.name} ({place.code})",
    }
    execute(batch.check_job_id)
    batch = enterprise_io.import_confirm(user=me, batch=batch, enqueue=False)
    execute(batch.import_job_id)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE, (batch.message, batch.preview.get("errors"))
    assert set(Enterprise.objects.filter(credit_code__in=[code(1), code(2)]).values_list(
        "jurisdiction", flat=True)) == {place.pk}  # fmt: skip


def test_rows_naming_their_place_and_registered_enterprises_keep_theirs(user):
    me = user("town01_cmd")
    town = Jurisdiction.objects.filter(level__in=["town", "street"]).order_by("code")[0]
    registered = (
        Enterprise.objects.filter(jurisdiction__path__startswith=town.path)
        .exclude(jurisdiction=grid())
        .first()
    )
    other_grid = (
        Jurisdiction.objects.filter(level="grid", path__startswith=town.path)
        .exclude(pk=grid().pk)
        .first()
    )
    rows = good_rows(1)
    rows[0][2] = other_grid.code  # names its place
    unnamed = good_rows(1, start=2)
    unnamed[0][2] = None
    update = [registered.name, registered.credit_code, None, "", "", 7, "", "", ""]
    batch = enterprise_io.import_start(
        user=me, filename="台账.xlsx", content=xlsx([*rows, *unnamed, update]), mode="all",
        place=grid().pk, enqueue=False,
    )  # fmt: skip
    execute(batch.check_job_id)
    batch = enterprise_io.import_confirm(user=me, batch=batch, enqueue=False)
    execute(batch.import_job_id)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE, (batch.message, batch.preview.get("errors"))
    assert Enterprise.objects.get(credit_code=code(1)).jurisdiction == other_grid
    assert Enterprise.objects.get(credit_code=code(2)).jurisdiction == grid()
    assert Enterprise.objects.get(pk=registered.pk).jurisdiction_id == registered.jurisdiction_id


def test_the_place_must_be_the_users_and_is_checked_again_at_commit(user):
    from django.core.exceptions import ValidationError

    me = user("town01_cmd")
    content = xlsx(without_place(good_rows(1)), header=NO_PLACE)
    with pytest.raises(ValidationError) as refused:
        enterprise_io.import_start(
            user=me, filename="x.xlsx", content=content, mode="all", place=grid(1).pk,
            enqueue=False,
        )  # fmt: skip
    assert "place" in refused.value.message_dict
    batch = enterprise_io.import_start(
        user=me, filename="x.xlsx", content=content, mode="all", place=grid().pk, enqueue=False
    )
    execute(batch.check_job_id)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY
    # Meanwhile the place left the user's area (here: the batch names another town's grid).
    type(batch).objects.filter(pk=batch.pk).update(options={"place": grid(1).pk})
    batch = enterprise_io.import_confirm(user=me, batch=batch, enqueue=False)
    execute(batch.import_job_id)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED and "已不在您的辖区内" in batch.message
    assert not Enterprise.objects.filter(credit_code=code(1)).exists()


def test_the_upload_form_offers_the_users_places_and_defaults_to_a_single_one(client, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fugong.core.imports.forms import ImportForm
    from fugong.core.imports.registry import importer

    me = login("town01_grid")
    form = ImportForm(importer=importer("enterprises"), user=me)
    places = dict(form.fields["place"].choices)
    own = Jurisdiction.objects.get(path=me.memberships.get().jurisdiction.path)
    assert form.fields["place"].initial == own.pk and own.pk in places
    town = ImportForm(importer=importer("enterprises"), user=login("town01_cmd"))
    assert grid().pk in dict(town.fields["place"].choices)
    assert grid(1).pk not in dict(town.fields["place"].choices)
    page = client.get("/enterprises/import/").content.decode()
    assert 'name="place"' in page and "导入到" in page
    upload = SimpleUploadedFile("台账.xlsx", xlsx(without_place(good_rows(1)), header=NO_PLACE))
    response = client.post(
        "/enterprises/import/", {"file": upload, "mode": "all", "place": grid().pk}
    )
    assert response.status_code == 302
    batch = enterprise_io.import_batch_list(user=login("town01_cmd")).first()
    assert batch.options["place"] == grid().pk


def test_an_unknown_header_is_mapped_on_the_page_and_remembered_for_the_office(
    client, login, user, django_capture_on_commit_callbacks
):
    from fugong.core.imports.models import HeaderMapping

    me = login("town01_cmd")
    header = ["企业名称", "纳税人识别号", "辖区代码", "微信号"]
    rows = [[r[0], r[1], r[2], f"wx{i}"] for i, r in enumerate(good_rows(2))]
    batch = run(me, xlsx(rows, header=header), confirm=False)
    assert batch.status == ImportStatus.REJECTED and "统一社会信用代码" in batch.message
    page = client.get(f"/enterprises/import/{batch.pk}/").content.decode()
    assert 'data-testid="mapping-form"' in page and code(1) in page  # the values are shown
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/enterprises/import/{batch.pk}/",
            {"action": "map", "header-0": "纳税人识别号", "field-0": "credit_code",
             "header-1": "微信号", "field-1": ""},
        )  # fmt: skip
    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY, batch.message
    assert batch.preview["mapped"] == {"纳税人识别号": "统一社会信用代码"}
    # 微信号 was left "not chosen": it holds data, so the confirmation names it.
    page = client.get(f"/enterprises/import/{batch.pk}/").content.decode()
    assert 'data-testid="dropped-columns"' in page and "微信号" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/enterprises/import/{batch.pk}/",
            {"action": "map", "header-0": "微信号", "field-0": "-"},
        )
    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY and batch.preview["ignored"] == ["微信号"]
    page = client.get(f"/enterprises/import/{batch.pk}/").content.decode()
    # Ignored, its values are still shown and named on the confirmation (issue 11).
    assert 'data-testid="dropped-columns"' in page and 'data-testid="ignored-columns"' in page
    assert "微信号（wx0、wx1）" in page
    assert set(HeaderMapping.objects.values_list("header", "field")) == {
        ("纳税人识别号", "credit_code"),
        ("微信号", ""),
    }
    # The office's next file is read the same way; another town's is not.
    again = run(me, xlsx([[*rows[0][:3], "wx"]], header=header))
    assert again.status == ImportStatus.DONE, again.message
    assert again.preview["unknown_headers"] == [] and again.preview["ignored"] == ["微信号"]
    elsewhere = run(user("town02_cmd"), xlsx(rows, header=header), confirm=False)
    assert elsewhere.status == ImportStatus.REJECTED


def test_a_column_with_data_is_never_dropped_unseen(client, login):
    me = login("town01_cmd")
    rows = [[*r, "备注一"] for r in good_rows(1)]
    batch = run(me, xlsx(rows, header=[*HEADER, "情况说明备查"]), confirm=False)
    assert batch.status == ImportStatus.READY
    assert batch.preview["unknown_samples"] == {"情况说明备查": ["备注一"]}
    page = client.get(f"/enterprises/import/{batch.pk}/").content.decode()
    assert 'data-testid="mapping-form"' in page and 'data-testid="dropped-columns"' in page


def test_the_quick_check_character_is_stdnums():
    import random

    from fugong.enterprises.models import credit_code_check_character

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    rng = random.Random(7)
    for _ in range(2000):
        body = "".join(rng.choice("0123456789") for _ in range(8))
        body += "".join(rng.choice(alphabet) for _ in range(9))
        assert credit_code_check_character(body + "0") == uscc.calc_check_digit(body)


def test_a_confirmation_from_a_stale_page_is_refused(client, login):
    me = login("town01_cmd")
    batch = run(me, xlsx(good_rows(1)), confirm=False)
    assert batch.status == ImportStatus.READY and batch.revision == 1
    response = client.post(f"/enterprises/import/{batch.pk}/", {"mode": "all", "revision": 0})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY and batch.import_job is None
    page = client.get(f"/enterprises/import/{batch.pk}/").content.decode()
    assert 'name="revision" value="1"' in page


def test_the_batch_page_polls_its_state_as_a_partial(client, login):
    me = login("town01_cmd")
    batch = enterprise_io.import_start(
        user=me, filename="台账.xlsx", content=xlsx(good_rows(1)), mode="all", enqueue=False
    )
    page = client.get(f"/enterprises/import/{batch.pk}/", headers={"HX-Request": "true"})
    html = page.content.decode()
    assert html.lstrip().startswith('<div id="import-state"') and "<html" not in html
    assert 'hx-trigger="every 1s"' in html and 'data-status="checking"' in html


def test_a_remembered_mapping_keeps_its_select_and_can_be_changed_or_forgotten(
    client, login, django_capture_on_commit_callbacks
):
    """Issue 11: once 企业微信号 was mapped to 联系电话 for the office, the next file's preview
    still offers its select (the choice selected, said to be the office's earlier one), and
    the choice can be changed to "ignore" or forgotten."""
    from fugong.core.imports.models import HeaderMapping

    me = login("town01_cmd")
    header = [*HEADER[:3], "企业微信号", *HEADER[4:]]
    content = xlsx(good_rows(1), header=header)
    first = run(me, content, confirm=False)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/enterprises/import/{first.pk}/",
            {"action": "map", "header-0": "企业微信号", "field-0": "contact_phone"},
        )
    batch = run(me, content, confirm=False)  # the next upload of the office
    assert batch.status == ImportStatus.READY and batch.preview["mapped"] == {
        "企业微信号": "联系电话"
    }
    page = client.get(f"/enterprises/import/{batch.pk}/").content.decode()
    assert 'data-testid="mapping-form"' in page and 'value="企业微信号"' in page
    assert '<option value="contact_phone" selected>' in page
    assert "本单位此前的选择" in page and "13800000000" in page  # its values
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/enterprises/import/{batch.pk}/",
            {"action": "map", "header-0": "企业微信号", "field-0": "-"},
        )
    batch.refresh_from_db()
    assert batch.preview["ignored"] == ["企业微信号"] and batch.preview["mapped"] == {}
    page = client.get(f"/enterprises/import/{batch.pk}/").content.decode()
    assert '<option value="-" selected>' in page and "本单位此前的选择" not in page
    # A remembered "ignore" still shows the column's values and warns on the confirmation.
    ignored = run(me, content, confirm=False)
    page = client.get(f"/enterprises/import/{ignored.pk}/").content.decode()
    assert ignored.preview["ignored"] == ["企业微信号"]
    assert "企业微信号（13800000000）" in page and 'data-testid="dropped-columns"' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/enterprises/import/{batch.pk}/",
            {"action": "map", "header-0": "企业微信号", "field-0": ""},
        )  # "not used": the choice is forgotten
    batch.refresh_from_db()
    assert batch.preview["unknown_headers"] == ["企业微信号"] and batch.preview["ignored"] == []
    assert not HeaderMapping.objects.filter(header="企业微信号").exists()


def test_the_mapping_select_leaves_out_the_files_own_fields_and_a_clash_is_said(client, login):
    me = login("town01_cmd")
    rows = [[*r, "x", "y"] for r in good_rows(1)]
    batch = run(me, xlsx(rows, header=[*HEADER, "情况一", "情况二"]), confirm=False)
    page = client.get(f"/enterprises/import/{batch.pk}/").content.decode()
    assert '<option value="remarks">' in page and '<option value="name">' not in page
    response = client.post(
        f"/enterprises/import/{batch.pk}/",
        {"action": "map", "header-0": "情况一", "field-0": "remarks",
         "header-1": "情况二", "field-1": "remarks"},
        follow=True,
    )  # fmt: skip
    assert "“情况一”、“情况二”" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY and batch.revision == 1


@pytest.mark.parametrize(
    ("code_cell", "name_cell", "refused"),
    [
        ("34 纺织业", None, ["行业代码", "34纺织业", "17 纺织业"]),  # two divisions in one cell
        ("34", "纺织业", ["行业代码", "“34”", "所属行业", "“纺织业”"]),
        ("C34", "17 纺织业", ["行业代码", "所属行业"]),
        ("34", "通用设备制造业", None),  # agree
        ("3411", "34 通用设备制造业", None),
        ("34", "金属切削机床制造", None),  # a class's name, not a division's: the code holds
    ],
)
def test_an_industry_code_and_name_of_two_divisions_are_refused_naming_both(
    user, code_cell, name_cell, refused
):
    rows = [[*r, name_cell] for r in good_rows(1)]
    rows[0][4] = code_cell
    batch = run(user("town01_cmd"), xlsx(rows, header=[*HEADER, "所属行业"]))
    if refused:
        assert batch.preview["invalid"] == 1, batch.preview
        message = batch.preview["errors"][0]["message"]
        assert all(part in message for part in refused), message
    else:
        assert batch.status == ImportStatus.DONE, (batch.message, batch.preview.get("errors"))
        assert Enterprise.objects.get(credit_code=code(1)).industry.code == "34"


def test_an_imported_file_is_not_mapped_or_checked_again_and_says_so(user):
    from django.core.exceptions import ValidationError

    me = user("town01_cmd")
    batch = run(me, xlsx(good_rows(1)))
    assert batch.status == ImportStatus.DONE
    for step in (
        lambda: enterprise_io.import_recheck(user=me, batch=batch, enqueue=False),
        lambda: enterprise_io.import_map_columns(
            user=me, batch=batch, mapping={"x": "name"}, enqueue=False
        ),
    ):
        with pytest.raises(ValidationError) as refused:
            step()
        assert "已经导入" in refused.value.messages[0], refused.value.messages


def test_a_park_operator_is_told_to_give_the_place_or_the_park_not_import_to(user):
    me = user("town01_park")
    content = f"企业名称,统一社会信用代码\n园区新企业,{code(901)}\n".encode()
    batch = run(me, content, filename="台账.csv", confirm=False)
    message = batch.preview["errors"][0]["message"]
    assert "园区/楼宇" in message and "导入到" not in message


def test_an_unknown_step_on_the_batch_page_is_refused(client, login):
    me = login("town01_cmd")
    batch = run(me, xlsx(good_rows(1)), confirm=False)
    response = client.post(f"/enterprises/import/{batch.pk}/", {"action": "delete"})
    assert response.status_code == 400 and "操作不存在" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY and batch.import_job is None
    page = client.get(f"/enterprises/import/{batch.pk}/").content.decode()
    assert 'name="action" value="confirm"' in page


def test_the_result_line_says_row_or_rows(user):
    from django.utils import translation

    me = user("town01_cmd")
    rows = good_rows(2)
    rows[1][1] = "bad"
    with translation.override("en"):
        batch = run(me, xlsx(rows), mode="good")
    assert batch.result["rejected"] == 1
    assert Job.objects.get(pk=batch.import_job_id).messages[-1].endswith("1 row rejected.")


def test_each_place_of_import_to_is_named_with_the_places_above_it(login):
    """Issue 11: a county's 导入到 list has many places of the same name; each is named
    from its town down (the places above a grid office's own are read for it)."""
    from fugong.core.imports.registry import importer

    place = grid()
    village, town = place.parent, place.parent.parent
    labels = dict(importer("enterprises").places(login("town01_cmd")))
    assert labels[town.pk] == f"{town.name} ({town.code})"
    assert labels[village.pk] == f"{town.name} / {village.name} ({village.code})"
    assert labels[place.pk] == f"{town.name} / {village.name} / {place.name} ({place.code})"
    own = importer("enterprises").places(login("town01_grid"))
    assert len(own) == 1 and own[0][1].startswith(f"{town.name} / ")


def test_grid_offices_keep_their_own_header_mappings(user):
    """Issue 11: the office key is the uploader's whole place path (a grid's is longer than
    the 50 characters it was cut to), so two grids of one village do not share mappings."""
    from fugong.core.imports.models import HeaderMapping
    from fugong.core.imports.registry import importer

    me = user("town01_grid")
    path = me.memberships.get().jurisdiction.path
    here = me.memberships.get().jurisdiction
    sibling = Jurisdiction(parent=here.parent, level="grid", code=here.code[:-3] + "998")
    sibling.name = "另一网格"
    sibling.save()
    assert len(path) > 50 and sibling.path != path and sibling.path[:50] == path[:50]
    key = importer("enterprises").office_key(me)
    assert key == f"place:{path}"
    HeaderMapping.objects.create(
        kind="enterprises", scope=key, header="微信号", field="", updated_by=me
    )
    assert HeaderMapping.objects.get(scope=key).scope.endswith(path)


# The same file again: stored rows the file gives unchanged are counted, not checked in full
# nor written (the first SAMPLE_ROWS rows are, for the preview's sample).


def checked_lines(batch) -> int:
    """How many rows the check set aside for the commit."""
    with batch.checked_file.open("rb") as stored:
        return sum(len(rows) for rows in checked.read(stored, batch.pk))


def test_an_unchanged_file_again_writes_nothing_and_says_how_many_were_unchanged(user):
    from django.utils import translation

    me = user("town01_cmd")
    content = xlsx(good_rows(25))
    run(me, content)
    logged = enterprise_audit_rows()
    stamps = set(
        Enterprise.objects.filter(credit_code__startswith="91339821").values_list("updated_at")
    )
    with translation.override("en"):
        again = run(me, content)
    assert again.preview["existing"] == 25 and again.preview["unchanged"] == 5
    assert len(again.preview["sample"]) == 20
    assert checked_lines(again) == 20  # the rows past the sample's are not written aside
    assert again.result == {"created": 0, "updated": 0, "unchanged": 25, "rejected": 0}
    assert enterprise_audit_rows() == logged
    assert (
        set(Enterprise.objects.filter(credit_code__startswith="91339821").values_list("updated_at"))
        == stamps
    )
    assert Job.objects.get(pk=again.import_job_id).messages[-1] == (
        "0 new, 0 updated, 25 unchanged, 0 rows rejected."
    )


def test_the_changed_rows_among_unchanged_ones_are_the_ones_updated(user):
    me = user("town01_cmd")
    run(me, xlsx(good_rows(25)))
    rows = good_rows(25)
    rows[22][5] = 99  # the 23rd row's staff, past the sample rows
    rows[23][3] = "138****0000"  # a masked phone, as exported: unchanged
    other_grid = (
        Jurisdiction.objects.filter(level="grid", path__startswith=grid().parent.parent.path)
        .exclude(pk=grid().pk)
        .first()
    )
    rows[21][2] = other_grid.code  # the 22nd row moves to another grid of the town
    batch = run(me, xlsx(rows))
    assert batch.preview["unchanged"] == 3
    assert checked_lines(batch) == 22
    assert batch.result == {"created": 0, "updated": 2, "unchanged": 23, "rejected": 0}
    assert Enterprise.objects.get(credit_code=code(23)).employee_count == 99
    assert Enterprise.objects.get(credit_code=code(22)).jurisdiction == other_grid
    assert Enterprise.objects.get(credit_code=code(24)).contact_phone == "13800000000"


def test_an_unchanged_row_repeating_a_code_is_refused(user):
    me = user("town01_cmd")
    run(me, xlsx(good_rows(25)))
    rows = good_rows(25)
    batch = run(me, xlsx([*rows, rows[21]]), confirm=False)
    assert batch.preview["invalid"] == 1 and batch.preview["unchanged"] == 5
    message = batch.preview["errors"][0]["message"]
    assert "统一社会信用代码" in message and "25" in message  # row 22 is sheet row 25


def test_an_unchanged_row_of_an_enterprise_outside_the_users_area_is_refused(user):
    other = Enterprise.objects.filter(
        jurisdiction__path__startswith=grid(1).parent.parent.path
    ).first()
    row = [
        other.name, other.credit_code, other.jurisdiction.code, "", "", other.employee_count,
        "", "", "",
    ]  # fmt: skip
    me = user("town01_cmd")
    run(me, xlsx(good_rows(25)))
    batch = run(me, xlsx([*good_rows(25), row]), confirm=False)
    assert batch.preview["invalid"] == 1 and batch.preview["unchanged"] == 5
    assert "统一社会信用代码" in batch.preview["errors"][0]["message"]


def test_an_export_imported_again_is_found_unchanged_row_by_row(
    client, login, django_capture_on_commit_callbacks
):
    """Every exported value (park, industry code and name, category set by hand, key
    enterprise, yes/no columns, texts, amounts) compares equal to what is stored."""
    from fugong.enterprises.models import Park

    me = login("town01_cmd")
    rows = good_rows(30)
    for i, row in enumerate(rows):
        row[6] = [2500, 10, "", 3000.5][i % 4]
    run(me, xlsx(rows))
    town = Enterprise.objects.filter(jurisdiction__path__startswith=grid().parent.parent.path)
    park = Park.objects.filter(jurisdiction__path__startswith=grid().parent.parent.path).first()
    assert park is not None
    town.filter(credit_code__in=[code(i) for i in range(1, 31, 3)]).update(
        park=park,
        has_canteen=True,
        remarks="备注",
        address="某路1号",
        legal_representative="张三",
        tax_paid_last_year=Decimal("80.25"),
        is_key=True,
    )
    town.filter(credit_code__in=[code(i) for i in range(2, 31, 5)]).update(
        category=Category.STREET_SHOP, category_overridden=True, category_override_reason="手工"
    )
    content = exported(client, django_capture_on_commit_callbacks)
    logged = enterprise_audit_rows()
    batch = run(me, content, filename="export.xlsx")
    assert batch.status == ImportStatus.DONE, (batch.message, batch.preview.get("errors"))
    assert batch.result == {"created": 0, "updated": 0, "unchanged": town.count(), "rejected": 0}
    assert batch.preview["unchanged"] == town.count() - 20  # all but the sample's rows
    assert enterprise_audit_rows() == logged


def test_a_row_whose_stored_key_flag_is_stale_is_not_counted_unchanged(user):
    """The file gives what is stored, but the stored key flag is not what the threshold gives
    (the threshold changed since): the import corrects it, as it always did."""
    me = user("town01_cmd")
    rows = good_rows(25)
    run(me, xlsx(rows))
    Enterprise.objects.filter(credit_code=code(23)).update(is_key=True)  # tax paid: none
    batch = run(me, xlsx(rows))
    assert batch.preview["unchanged"] == 4
    assert batch.result == {"created": 0, "updated": 1, "unchanged": 24, "rejected": 0}
    assert not Enterprise.objects.get(credit_code=code(23)).is_key
