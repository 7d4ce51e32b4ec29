"""Hostile and careful-reviewer tests of the import's recent speed-ups: the signed checked-rows
file (fugong.core.imports.checked) and its plain unpickler, the workbook reader that converts
the cells in its child process, the audit's JSON encoding and masking, the set-wise tally and
the migrations that drop indexes and constraints by name."""

from __future__ import annotations

import datetime
import io
import os
import subprocess
import sys
import tempfile
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import translation
from openpyxl import Workbook

from fugong.core import masking
from fugong.core.imports import checked, registry, services
from fugong.core.imports.models import ImportBatch, ImportStatus
from fugong.core.imports.registry import Committed, Importer, RowCheck
from fugong.core.jobs import execute
from fugong.core.models import AuditLog
from fugong.core.tabular import Column, Limits, TabularError, _Workbook, read_table
from fugong.enterprises.models import Enterprise
from fugong.stats.testing import tally_sums
from tests.test_import import good_rows, xlsx

# --------------------------------------------------------------------------- checked rows


def frames_of(data: bytes) -> list[bytes]:
    """The frames of a checked-rows file (header and payload each), the end frame last."""
    size = checked._HEADER.size
    assert data.startswith(checked.MAGIC)
    position, frames = len(checked.MAGIC), []
    while position < len(data):
        _mac, length = checked._HEADER.unpack(data[position : position + size])
        frames.append(data[position : position + size + length])
        position += size + length
    return frames


def written(*chunks: list[dict], batch: int = 7) -> bytes:
    out = io.BytesIO()
    frames = checked.write(out, batch)
    for rows in chunks:
        frames.chunk(rows)
    return out.getvalue()


EVERY_VALUE = {
    "text": "企业 😀 𠮷 \u200b zero-width, “quotes”, \\ back\\slash, tab\there",
    "nul": "a\x00b\x01c",
    "big": Decimal("123456789012345678901234567890.123456789"),
    "negative_zero": Decimal("-0.00"),
    "tiny": Decimal("1E-20"),
    "huge_int": 2**100,
    "day": datetime.date(1900, 2, 28),
    "moment": datetime.datetime(2026, 2, 25, 8, 30, 15, 123456),
    "aware": datetime.datetime(2026, 2, 25, 8, 30, tzinfo=datetime.UTC),
    "beijing": datetime.datetime(
        2026, 2, 25, 8, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
    ),
    "clock": datetime.time(23, 59, 59),
    "duration": datetime.timedelta(hours=1, seconds=3),
    "yes": True,
    "no": False,
    "nothing": None,
    "float": 0.1 + 0.2,
    "nested": [{"a": (1, 2)}, b"bytes"],
}


def test_every_value_a_row_can_hold_comes_back_unchanged_and_of_its_type():
    rows = [dict(EVERY_VALUE, n=i) for i in range(3)]
    back = list(checked.read(io.BytesIO(written(rows[:1], [], rows[1:])), 7))
    assert back == [rows[:1], rows[1:]]
    for got, sent in zip(back[1], rows[1:], strict=True):
        assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in sent.items()}
        assert str(got["big"]) == str(sent["big"]) and str(got["negative_zero"]) == "-0.00"
        assert got["aware"].utcoffset() == datetime.timedelta(0)


def test_a_check_without_good_rows_gives_a_file_that_reads_as_nothing():
    assert list(checked.read(io.BytesIO(written()), 7)) == []
    assert list(checked.read(io.BytesIO(written([], [])), 7)) == []


@pytest.mark.parametrize(
    "damage", ["last dropped", "first dropped", "middle dropped", "repeated", "swapped"]
)
def test_frames_dropped_repeated_or_moved_are_refused(damage):
    """Each frame is signed on its own: without a chain and an end frame, a file cut at a
    frame's end (a partial upload to the storage, a truncated copy) or with frames moved would
    be committed in part, silently."""
    data = written([{"n": 1}], [{"n": 2}], [{"n": 3}])
    *frames, end = frames_of(data)
    assert len(frames) == 3
    if damage == "last dropped":
        frames = frames[:2]
    elif damage == "first dropped":
        frames = frames[1:]
    elif damage == "middle dropped":
        frames = [frames[0], frames[2]]
    elif damage == "repeated":
        frames = [frames[0], frames[1], frames[1], frames[2]]
    else:
        frames = [frames[1], frames[0], frames[2]]
    for tail in (end, b""):  # with the end frame of the whole file, and without any
        with pytest.raises(checked.CheckedFileError):
            list(checked.read(io.BytesIO(checked.MAGIC + b"".join(frames) + tail), 7))


def test_a_file_cut_at_a_frame_boundary_or_with_bytes_after_its_end_is_refused():
    data = written([{"n": 1}], [{"n": 2}])
    assert [r for rows in checked.read(io.BytesIO(data), 7) for r in rows] == [{"n": 1}, {"n": 2}]
    *frames, end = frames_of(data)
    for forged in (checked.MAGIC + b"".join(frames), data + b"x", data + frames[0]):
        with pytest.raises(checked.CheckedFileError):
            list(checked.read(io.BytesIO(forged), 7))


def test_a_file_of_batch_a_is_refused_for_batch_b():
    data = written([{"n": 1}], batch=12)
    assert list(checked.read(io.BytesIO(data), 12)) == [[{"n": 1}]]
    for other in (1, 2, 120, 21):
        with pytest.raises(checked.CheckedFileError):
            list(checked.read(io.BytesIO(data), other))


def test_a_huge_frame_length_in_a_header_allocates_nothing(tmp_path):
    """The length is read before the frame is verified: reading that many bytes at once would
    allocate them (a BufferedReader makes the whole buffer first), whatever the file holds."""
    path = tmp_path / "forged.bin"
    path.write_bytes(
        checked.MAGIC + checked._HEADER.pack(b"\0" * 32, checked.MAX_FRAME) + b"x" * 100
    )
    too_big = checked.MAGIC + checked._HEADER.pack(b"\0" * 32, checked.MAX_FRAME + 1)
    with pytest.raises(checked.CheckedFileError):
        list(checked.read(io.BytesIO(too_big), 7))
    tracemalloc.start()
    try:
        with path.open("rb") as stored, pytest.raises(checked.CheckedFileError):
            list(checked.read(stored, 7))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024, peak


class Reduces:
    """Pickles as a call of an allowed type with arguments it refuses."""

    def __init__(self, *call):
        self.call = call

    def __reduce__(self):
        return self.call


@pytest.mark.parametrize(
    "value",
    [
        ValueError("boom"),
        Reduces(os.system, ("true",)),
        Reduces(datetime.timedelta, (10**12,)),  # OverflowError
        Reduces(Decimal, ("not a number", "x")),  # TypeError
    ],
)
def test_a_correctly_signed_frame_that_is_no_pickle_of_plain_values_is_refused(value):
    """As with a leaked key: the unpickler refuses it, and the commit sees a CheckedFileError
    (its message to the user), not a crash."""
    data = written([{"x": value}])
    with pytest.raises(checked.CheckedFileError):
        list(checked.read(io.BytesIO(data), 7))


# --------------------------------------------------------------------------- a full import


WRITTEN: list[dict] = []


class EveryKindCheck(RowCheck):
    def load(self, keys):
        return {}

    def check(self, row, existing):
        if row.errors:
            return None, "；".join(row.errors.values())
        return dict(row.values), ""


class EveryKindImporter(Importer):
    kind = "tests.every_kind"
    title = "Every kind"
    columns = [
        Column("code", "编号", required=True, kind="code"),
        Column("name", "名称", required=True),
        Column("count", "数量", kind="int"),
        Column("amount", "金额", kind="decimal"),
        Column("day", "日期", kind="date"),
        Column("flag", "是否", kind="bool"),
        Column("note", "备注"),
    ]
    key = "code"
    url_names = ("", "", "")

    def may_import(self, user) -> bool:
        return True

    def office_key(self, user) -> str:
        return "office-every"

    def checker(self, user, options):
        return EveryKindCheck()

    def commit(self, *, actor, rows, reason, options, all_or_nothing):
        WRITTEN.extend(rows)
        return Committed(created=len(rows))


@pytest.fixture
def every_kind():
    registry.register(EveryKindImporter())
    WRITTEN.clear()
    yield
    WRITTEN.clear()


def workbook(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["编号", "名称", "数量", "金额", "日期", "是否", "备注"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def start(user, content: bytes, *, kind="tests.every_kind", filename="every.xlsx", mode="all"):
    batch = services.batch_start(
        kind=kind, user=user, filename=filename, content=content, mode=mode, enqueue=False
    )
    execute(batch.check_job_id)
    return ImportBatch.objects.get(pk=batch.pk)


def confirm(user, batch) -> ImportBatch:
    batch = services.batch_confirm(user=user, batch=batch, enqueue=False)
    execute(batch.import_job_id)
    return ImportBatch.objects.get(pk=batch.pk)


CELLS = [
    # every type a cell can be: text (Chinese, emoji, zero-width, full-width), numbers as
    # int, float and text, a datetime, a time, booleans and 是/否
    ["ａ-1", "企业😀𠮷\u200b名  称", 12, "123456789012345678.125", datetime.datetime(2026, 2, 25),
     True, datetime.time(8, 30)],
    ["A-2", "第二家", 3.0, 2500.5, datetime.datetime(2026, 2, 25, 13, 45), "否", False],
    ["A-3", "第三家", "１２", "1,234.50", "2026年2月1日", "是", 0.1 + 0.2],
    ["A-4", "第四家", None, None, 46078, None, "tab\tand newline\nend"],
]  # fmt: skip

EXPECTED = [
    {"code": "A-1", "name": "企业😀𠮷 名 称", "count": 12,
     "amount": Decimal("123456789012345678.125"), "day": datetime.date(2026, 2, 25),
     "flag": True, "note": "08:30"},
    {"code": "A-2", "name": "第二家", "count": 3, "amount": Decimal("2500.5"),
     "day": datetime.date(2026, 2, 25), "flag": False, "note": "FALSE"},
    {"code": "A-3", "name": "第三家", "count": 12, "amount": Decimal("1234.50"),
     "day": datetime.date(2026, 2, 1), "flag": True, "note": "0.3"},
    {"code": "A-4", "name": "第四家", "count": None, "amount": None,
     "day": datetime.date(2026, 2, 25), "flag": None, "note": "tab and newline end"},
]  # fmt: skip


def test_a_workbook_of_every_cell_type_is_checked_and_committed_unchanged(user, every_kind):
    me = user("town01_cmd")
    batch = start(me, workbook(CELLS))
    assert batch.status == ImportStatus.READY, batch.message
    assert batch.preview["valid"] == 4 and batch.preview["invalid"] == 0
    assert WRITTEN == []
    batch = confirm(me, batch)
    assert batch.status == ImportStatus.DONE, batch.message
    assert WRITTEN == EXPECTED
    for got, expected in zip(WRITTEN, EXPECTED, strict=True):
        assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in expected.items()}
        if got["amount"] is not None:
            assert str(got["amount"]) == str(expected["amount"])  # no digit lost or added


def test_the_checked_rows_of_batch_a_are_refused_for_batch_b(user, every_kind):
    me = user("town01_cmd")
    a = start(me, workbook(CELLS[:1]))
    b = start(me, workbook(CELLS[1:2]))
    assert a.status == b.status == ImportStatus.READY
    ImportBatch.objects.filter(pk=b.pk).update(checked_file=a.checked_file.name)
    b = confirm(me, ImportBatch.objects.get(pk=b.pk))
    assert b.status == ImportStatus.FAILED
    assert WRITTEN == []


def test_checked_rows_cut_at_a_frame_end_write_nothing(user, monkeypatch):
    """Two frames (chunks of one row); the stored file loses its last frame: nothing is
    committed (the first frame's rows are rolled back), and the user is asked to check
    again."""
    from fugong.core.imports import engine

    monkeypatch.setattr(engine, "_chunks", lambda rows: ([row] for row in rows))
    me = user("town01_cmd")
    rows = good_rows(2, start=501)
    batch = start(me, xlsx(rows), kind="enterprises")
    assert batch.status == ImportStatus.READY, batch.message
    with batch.checked_file.open("rb") as stored:
        *frames, _end = frames_of(stored.read())
    assert len(frames) == 2
    batch.checked_file.save("cut.bin", ContentFile(checked.MAGIC + frames[0]))
    with translation.override("en"):
        batch = confirm(me, batch)
    assert batch.status == ImportStatus.FAILED and "check the file again" in batch.message
    assert not Enterprise.objects.filter(credit_code__in=[r[1] for r in rows]).exists()


# --------------------------------------------------------------------------- the reader


READ = [
    Column("code", "编号", required=True, kind="code"),
    Column("count", "数量", kind="int"),
    Column("day", "日期", kind="date"),
]


def sheet(rows: list[list]) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("language", "whole", "date"),
    [
        ("zh-hans", "数量：“1.5”不是整数。", "日期：“明天”不是日期，请按 2020-02-01 的格式填写。"),
        ("en", "数量: “1.5” is not a whole number.", "日期: “明天” is not a date; write it as"),
    ],
)
def test_cells_the_child_cannot_convert_are_reported_in_the_active_language(language, whole, date):
    data = sheet([["编号", "数量", "日期"], ["A1", 1.5, "明天"], ["A2", 2, "2026-02-01"]])
    with translation.override(language):
        table = read_table(data, filename="t.xlsx", columns=READ, max_bytes=10**7)
        rows = list(table.rows)
    assert [r.number for r in rows] == [2, 3]
    assert rows[0].values == {"code": "A1", "count": None, "day": None}
    assert rows[0].errors["count"] == whole
    assert rows[0].errors["day"].startswith(date)
    assert rows[1].values == {"code": "A2", "count": 2, "day": datetime.date(2026, 2, 1)}
    assert rows[1].errors == {}


@pytest.mark.parametrize(("language", "words"), [("zh-hans", "表头"), ("en", "header")])
def test_a_sheet_without_a_header_row_is_refused_and_its_reader_ends(language, words, readers):
    started = readers
    data = sheet([["甲", "乙"], [1, 2], [3, 4]])
    with translation.override(language), pytest.raises(TabularError) as refused:
        read_table(data, filename="t.xlsx", columns=READ, max_bytes=10**7)
    assert words in str(refused.value)
    # The workbook reader, whose plan never came, has ended and its pipes are closed.
    assert len(started) == 1
    assert started[0].poll() is not None and started[0].stdout.closed


def test_a_reader_whose_plan_never_comes_exits_and_one_killed_gives_a_message():
    data = sheet([["编号", "数量"], ["A1", 1], ["A2", 2]])
    limits = Limits.from_settings()
    idle = _Workbook(data, 0, limits, None)
    assert idle.head[0] == (1, ["编号", "数量"])
    process = idle.process
    idle.close()  # the plan never sent
    assert process.poll() is not None

    killed = _Workbook(data, 0, limits, None)
    killed.process.kill()
    killed.process.wait()
    from fugong.core.cells import Watch

    rows = killed.rows(1, [(0, "code", "code")], 2, frozenset(), Watch(), lambda e: None, id)
    with pytest.raises(TabularError):
        list(rows)
    assert killed.process.stdout.closed  # ended and closed, not left to the collector


# --------------------------------------------------------------------------- masking


def mask_without_shortcut(text: str) -> str:
    text = masking.ID_RE.sub(lambda m: m.group(1) + "********" + m.group(3)[-4:], text)
    text = masking.PHONE_RE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    return masking.LANDLINE_RE.sub(
        lambda m: m.group(1) + "-" + "*" * len(m.group(2)) + m.group(3), text
    )


TEXTS = [
    "张三 组长 13812345678",
    "身份证１１０１０１１９９００３０７１２３４",  # full-width ID number
    "身份证١١٠١٠١١٩٩٠٠٣٠٧١٢٣٤",  # Arabic-Indic digits
    "电话 1３８１２３４５６７８",  # the first digit ASCII, the others full-width
    "座机 0571-88886666，手机+86 138 1234 5678",
    "１３８１２３４５６７８",
    "no digits at all",
    "",
    "第二十三号",
    "⑬⑭ superscript²³ and ½",
]


@pytest.mark.parametrize("text", TEXTS)
def test_mask_text_returns_early_only_for_what_no_pattern_would_change(text):
    assert masking.mask_text(text) == mask_without_shortcut(text)


def test_numbers_in_full_width_digits_are_masked_like_the_others():
    """A reason typed with a Chinese input method often has full-width digits."""
    assert "1990030" not in masking.mask_text("身份证１１０１０１１９９００３０７１２３４")
    for phone in ("13812345678", "１３８１２３４５６７８", "1３８１２３４５６７８"):
        masked = masking.mask_text(f"联系人张三{phone}")
        assert masked != f"联系人张三{phone}" and "1234" not in masked.replace("１２３４", "1234")
    assert masking.mask_text("座机０５７１-８８８８６６６６") != "座机０５７１-８８８８６６６６"


# --------------------------------------------------------------------------- audit and tally


def raw_after(pk: int) -> str:
    with connection.cursor() as cursor:
        cast = "after::text" if connection.vendor == "postgresql" else "after"
        cursor.execute(f"SELECT {cast} FROM core_auditlog WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_an_imported_name_in_chinese_and_emoji_is_audited_and_shown_as_written(user, client):
    me = user("town01_cmd")
    row = good_rows(1, start=301)[0]
    row[0] = "测试😀“引号”企业\\有限公司"
    batch = start(me, xlsx([row]), kind="enterprises", filename="台账13812345678.xlsx")
    assert batch.status == ImportStatus.READY, batch.message
    batch = confirm(me, batch)
    assert batch.status == ImportStatus.DONE, batch.message
    enterprise = Enterprise.objects.get(credit_code=row[1])
    assert enterprise.name == row[0]
    entry = AuditLog.objects.get(
        content_type=ContentType.objects.get_for_model(Enterprise),
        object_id=str(enterprise.pk),
    )
    assert entry.after["name"] == row[0]
    assert "😀" in raw_after(entry.pk) and "测试" in raw_after(entry.pk)  # stored as text
    assert entry.after["contact_phone"] == masking.MASKED
    assert "13812345678" not in entry.reason and "138****5678" in entry.reason
    client.force_login(me)
    page = client.get(f"/history/enterprises/enterprise/{enterprise.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "测试😀&ldquo;引号&rdquo;企业\\有限公司" in html or "测试😀“引号”企业\\有限公司" in html
    assert "13800000000" not in html


def test_a_tally_counted_in_several_statements_equals_a_rebuild(user, monkeypatch):
    from fugong.stats import tally

    monkeypatch.setattr(tally, "COUNTED_AT_ONCE", 3)  # 8 new units: 3 statements
    me = user("town01_cmd")
    before = tally_sums()
    rows = good_rows(8, start=401)
    rows[1][0] = "企业😀名称"
    batch = start(me, xlsx(rows), kind="enterprises")
    batch = confirm(me, batch)
    assert batch.result["created"] == 8, batch.message
    counted = tally_sums()
    assert counted != before
    tally.rebuild()
    assert tally_sums() == counted


# --------------------------------------------------------------------------- migrations


def test_the_lean_migrations_apply_backward_and_forward_on_a_fresh_sqlite_database():
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as directory:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{directory}/fresh.sqlite3",
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
        }

        def manage(*args: str) -> str:
            done = subprocess.run(  # noqa: S603 - fixed arguments
                [sys.executable, "-m", "django", *args],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, done.stderr[-3000:]
            return done.stdout

        manage("migrate", "--no-input")
        manage("migrate", "core", "0006", "--no-input")
        manage("migrate", "enterprises", "0008", "--no-input")
        manage("migrate", "stats", "0005", "--no-input")
        manage("migrate", "--no-input")
        assert "No changes detected" in manage("makemigrations", "--check", "--dry-run")
