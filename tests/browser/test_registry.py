"""The enterprise registry in a real browser: importing a ledger from Excel (preview, error
file, confirmation, keep-good and all-or-nothing modes, a file that is no spreadsheet), the
filtered list (ledger filter in the URL, sorting, ledger and unassigned views), bulk status,
setting the derived category by hand, and the import staying inside the importer's town.

The test settings run background jobs immediately (django-tasks' ImmediateBackend) once the
enqueuing transaction commits, so the check and the import have finished by the time the
upload or the confirmation redirects."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect
from stdnum.cn import uscc

from fugong.accounts.choices import Level
from fugong.accounts.models import Jurisdiction, User
from fugong.enterprises import io as registry_io
from fugong.enterprises.choices import Ledger
from fugong.enterprises.derivation import derive_category
from fugong.enterprises.figures import ledger_counts
from fugong.enterprises.models import Enterprise, ImportBatch, ImportStatus
from fugong.enterprises.selectors import enterprise_filtered
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

TITLE = "城关街道企业复工复产台账"
HEADERS = [
    "企业名称",
    "统一社会信用代码",
    "辖区代码",
    "联系电话",
    "行业代码",
    "员工人数",
    "上年营业收入(万元)",
    "台账类别",
]
BAD_CODE = "91339821000000000X"  # wrong check character
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
POLL_TIMEOUT_MS = 5_000  # the import page polls every second
ENTERPRISE_LINKS = "tbody a[href^='/enterprises/']"


# ---------------------------------------------------------------------------------- helpers


def first_town() -> Jurisdiction:
    return Jurisdiction.objects.filter(level__in=[Level.TOWN, Level.STREET]).order_by("code")[0]


def grid_code() -> str:
    town = first_town()
    grid = Jurisdiction.objects.filter(level="grid", path__startswith=town.path).order_by("code")
    return grid.first().code


def credit_code(serial: int) -> str:
    base = f"91339821{serial:09d}"
    return base + uscc.calc_check_digit(base)


def ledger_file(rows: list[list]) -> bytes:
    """An office's ledger: a title row above the header row, then the rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([TITLE])
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def good_and_bad_rows(tag: str) -> tuple[list[list], list[str], list[str]]:
    """Two good rows in town01's first grid and one with a bad credit code: (rows, names of
    the good ones, their credit codes)."""
    grid = grid_code()
    names = [f"城关{tag}甲科技有限公司", f"城关{tag}乙科技有限公司"]
    codes = [credit_code(770_000_001), credit_code(770_000_002)]
    assert not Enterprise.objects.filter(credit_code__in=codes).exists()
    rows = [
        [names[0], codes[0], grid, "13800138001", "65", 120, 3500, "正常生产"],
        [f"城关{tag}坏行有限公司", BAD_CODE, grid, "13800138002", "52", 8, 120, "正常生产"],
        [names[1], codes[1], grid, "13800138003", "52", 15, 600, "正常生产"],
    ]
    return rows, names, codes


def upload(page, content: bytes, *, mode: str, filename: str = "台账.xlsx") -> None:
    """Fill the upload form (on the current page) and submit it; ends on the batch page."""
    page.locator("input[name=file]").set_input_files(
        files=[{"name": filename, "mimeType": XLSX, "buffer": content}]
    )
    page.locator(f"input[name=mode][value={mode}]").check()
    with page.expect_navigation():
        page.get_by_test_id("import-form").locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/enterprises/import/\d+/$"))


def state(page):
    return page.get_by_test_id("import-state")


def expect_count(page, n: int) -> None:
    """The result count ("8 enterprises", "8 家企业") says exactly ``n``."""
    expect(page.get_by_test_id("result-count")).to_have_text(re.compile(rf"^\D*\b{n}\b\D*$"))


def table(page):
    return page.get_by_test_id("enterprise-table")


def employees_shown(page) -> list[int]:
    return [int(t) for t in table(page).locator("tbody tr td:last-child").all_inner_texts()]


# ----------------------------------------------------------------------------------- import


def test_import_keeping_the_good_rows(page, artifacts):
    rows, names, codes = good_and_bad_rows("浏览器")
    log_in(page, "town01_cmd")
    page.goto("/enterprises/")
    with page.expect_navigation():
        page.get_by_test_id("import-link").click()
    expect(page).to_have_url(re.compile(r"/enterprises/import/$"))
    upload(page, ledger_file(rows), mode="good")

    # The preview: the check ran already; nothing is written yet.
    expect(state(page)).to_have_attribute("data-status", "ready")
    expect(page.get_by_test_id("rows-total")).to_have_text("3")
    expect(page.get_by_test_id("rows-valid")).to_have_text("2")
    expect(page.get_by_test_id("rows-invalid")).to_have_text("1")
    expect(page.get_by_test_id("rows-new")).to_have_text("2")
    errors = state(page).locator(".card:has([data-testid=error-file]) tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.locator("td").first).to_have_text("4")  # title row, header row, two rows
    expect(errors.locator("td").nth(1)).to_contain_text("统一社会信用代码")
    expect(page.get_by_test_id("confirm")).to_be_visible()
    expect(page.locator("input[name=mode][value=good]")).to_be_checked()
    assert not Enterprise.objects.filter(credit_code__in=codes).exists()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(artifacts / "registry-import-preview.png"), full_page=True)

    # The rows with errors, as they were in the file, with the reason.
    with page.expect_download() as download:
        page.get_by_test_id("error-file").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as f:
        sheet = load_workbook(io.BytesIO(f.read()), read_only=True).active
        lines = [list(r) for r in sheet.iter_rows(values_only=True)]
    header, *bad = lines
    assert "错误原因" in header and "统一社会信用代码" in header
    assert len(bad) == 1
    assert bad[0][header.index("统一社会信用代码")] == BAD_CODE
    assert "统一社会信用代码" in bad[0][header.index("错误原因")]

    # Confirm: the import runs, the page shows its progress or (already) the result.
    with page.expect_navigation():
        page.get_by_test_id("confirm").click()
    expect(
        page.locator(
            "[data-testid=progress-bar], [data-testid=import-state][data-status=done]"
        ).first
    ).to_be_visible()
    expect(state(page)).to_have_attribute("data-status", "done", timeout=POLL_TIMEOUT_MS)
    result = page.get_by_test_id("import-result")
    expect(result).to_be_visible()
    assert [int(n) for n in re.findall(r"\d+", result.inner_text())][:4] == [2, 0, 0, 1]
    batch = ImportBatch.objects.latest("pk")
    assert batch.result == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 1}
    assert set(
        Enterprise.objects.filter(credit_code__in=codes).values_list("name", flat=True)
    ) == set(names)
    assert not Enterprise.objects.filter(credit_code=BAD_CODE).exists()

    # The new enterprise is in the list, found with the search box.
    page.goto("/enterprises/")
    page.locator("#q").fill(names[0])
    expect(table(page).locator(ENTERPRISE_LINKS)).to_have_text([names[0]])
    expect_count(page, 1)


def test_all_or_nothing_writes_nothing_when_a_row_is_bad(page):
    rows, names, codes = good_and_bad_rows("全或无")
    log_in(page, "town01_cmd")
    page.goto("/enterprises/import/")
    upload(page, ledger_file(rows), mode="all")
    expect(state(page)).to_have_attribute("data-status", "ready")
    expect(page.get_by_test_id("rows-invalid")).to_have_text("1")
    expect(page.locator("input[name=mode][value=all]")).to_be_checked()

    with page.expect_navigation():
        page.get_by_test_id("confirm").click()
    expect(state(page)).to_have_attribute("data-status", "failed", timeout=POLL_TIMEOUT_MS)
    expect(page.get_by_test_id("import-message")).to_be_visible()
    expect(page.get_by_test_id("import-result")).to_have_count(0)
    assert not Enterprise.objects.filter(credit_code__in=codes).exists()
    assert not Enterprise.objects.filter(name__in=names).exists()


def test_a_file_that_is_no_spreadsheet_is_rejected(page):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
    log_in(page, "town01_cmd")
    page.goto("/enterprises/import/")
    upload(page, png, mode="good", filename="台账.xlsx")
    expect(state(page)).to_have_attribute("data-status", "rejected", timeout=POLL_TIMEOUT_MS)
    message = page.get_by_test_id("import-message")
    expect(message).to_be_visible()
    expect(message).not_to_be_empty()
    expect(page.get_by_test_id("confirm")).to_have_count(0)


# ------------------------------------------------------------------------------------- list


def test_list_filters_sorting_and_ledger_views(page, artifacts):
    user = User.objects.get(username="town01_cmd")

    def db_count(**data) -> int:
        return enterprise_filtered(user=user, data=data)[0].count()

    total = db_count()
    by_ledger = {value: db_count(ledger=value) for value in Ledger.values}
    ledger = max(by_ledger, key=by_ledger.get)
    assert 0 < by_ledger[ledger] < total, by_ledger

    log_in(page, "town01_cmd")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/enterprises/")
    expect_count(page, total)
    page.screenshot(path=str(artifacts / "registry-list.png"), full_page=True)

    # The ledger filter narrows the list in place and puts itself in the URL.
    page.locator("#filters select[name=ledger]").select_option(ledger)
    expect_count(page, by_ledger[ledger])
    expect(page).to_have_url(re.compile(rf"[?&]ledger={ledger}(&|$)"))
    expect(table(page).locator(ENTERPRISE_LINKS)).to_have_count(by_ledger[ledger])
    # Bookmarkable: the same URL loaded afresh shows the same list.
    page.reload()
    expect_count(page, by_ledger[ledger])
    expect(page.locator("#filters select[name=ledger]")).to_have_value(ledger)

    # Sorting by the number of employees: ascending, then descending on a second click.
    page.goto("/enterprises/")
    expected = sorted(
        enterprise_filtered(user=user, data={})[0].values_list("employee_count", flat=True)
    )
    header = table(page).locator("thead a[href*='employee_count']")
    expect(header).to_have_text(re.compile("员工人数|Employees"))
    header.click()
    expect(page).to_have_url(re.compile(r"[?&]sort=employee_count(&|$)"))
    expect(header.locator(".bi-caret-up-fill")).to_have_count(1)
    shown = employees_shown(page)
    assert shown == sorted(shown) and shown == expected[: len(shown)], shown
    header.click()
    expect(page).to_have_url(re.compile(r"[?&]sort=-employee_count(&|$)"))
    expect(header.locator(".bi-caret-down-fill")).to_have_count(1)
    shown = employees_shown(page)
    assert shown == sorted(shown, reverse=True) and shown == expected[::-1][: len(shown)], shown

    # The ledger tabs and the unassigned tab are the same list with a fixed filter.
    tabs = page.get_by_test_id("ledger-tabs")
    for value in Ledger.values:
        tab = tabs.locator(f"a[href$='/view/ledger-{value}/']")
        expect(tab.locator(".badge")).to_have_text(str(by_ledger[value]))  # loaded after the list
        with page.expect_navigation():
            tab.click()
        expect_count(page, by_ledger[value])
        expect(tabs.locator("a.active")).to_have_attribute("href", re.compile(f"ledger-{value}/$"))
    unassigned = db_count(unassigned="true")
    assert unassigned == ledger_counts(user=user)["unassigned"]
    tab = page.get_by_test_id("unassigned-tab")
    expect(tab.locator(".badge")).to_have_text(str(unassigned))
    with page.expect_navigation():
        tab.click()
    expect(page).to_have_url(re.compile(r"/enterprises/view/unassigned/$"))
    expect_count(page, unassigned)


def test_bulk_put_in_ledger(page):
    user = User.objects.get(username="town01_cmd")
    qs = enterprise_filtered(user=user, data={})[0].exclude(ledger=Ledger.CANNOT_RESUME)
    chosen, untouched = list(qs[:2]), qs[2]
    assert len(chosen) == 2
    log_in(page, "town01_cmd")
    page.goto("/enterprises/")
    for e in chosen:
        page.locator(f"#bulk input[name=ids][value='{e.pk}']").check()
    bar = page.get_by_test_id("bulk-bar")
    bar.locator("select[name=action]").select_option("ledger")
    bar.locator("select[name=ledger]").select_option(Ledger.CANNOT_RESUME)
    with page.expect_navigation():
        bar.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("2")
    for e in chosen:
        e.refresh_from_db()
        assert e.ledger == Ledger.CANNOT_RESUME, e.name
    ledger_before = untouched.ledger
    untouched.refresh_from_db()
    assert untouched.ledger == ledger_before


# ----------------------------------------------------------------------------------- detail


def test_setting_the_category_by_hand_needs_a_reason(page):
    user = User.objects.get(username="town01_cmd")
    enterprise, derived = next(
        (e, d)
        for e in enterprise_filtered(user=user, data={})[0].filter(category_overridden=False)
        if (
            d := derive_category(
                division=e.industry.code if e.industry else None,
                section=e.industry.section_code if e.industry else None,
                revenue=e.revenue_last_year,
            )
        )
    )
    log_in(page, "town01_cmd")
    page.goto(f"/enterprises/{enterprise.pk}/")
    card = page.get_by_test_id("derived-category")
    expect(card).to_contain_text(derived.reason)

    with page.expect_navigation():
        card.locator("a[href$='/override/category/']").click()
    expect(page).to_have_url(re.compile(rf"/enterprises/{enterprise.pk}/override/category/$"))
    other = "building_park" if enterprise.category != "building_park" else "street_shop"
    page.locator("select[name=category]").select_option(other)
    form = page.locator("form:has(input[name=reason])")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    # No reason: the form comes back with the error, nothing saved.
    expect(page).to_have_url(re.compile(r"/override/category/$"))
    expect(form.locator(".text-danger")).to_have_text(re.compile("原因|reason"))
    enterprise.refresh_from_db()
    assert not enterprise.category_overridden

    reason = "经实地核实，按楼宇企业统计"
    form.locator("input[name=reason]").fill(reason)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/enterprises/{enterprise.pk}/$"))
    card = page.get_by_test_id("derived-category")
    expect(card.locator(".badge")).to_have_text(re.compile("set by hand|人工认定"))
    expect(card).to_contain_text(reason)
    enterprise.refresh_from_db()
    assert enterprise.category_overridden and enterprise.category == other
    assert enterprise.category_override_reason == reason


# ---------------------------------------------------------------------------------- scoping


def test_another_town_does_not_find_the_imported_enterprise(new_page):
    rows, names, codes = good_and_bad_rows("范围")
    owner = User.objects.get(username="town01_cmd")
    batch = registry_io.import_start(
        user=owner, filename="台账.xlsx", content=ledger_file(rows), mode="good"
    )
    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY, batch.message
    registry_io.import_confirm(user=owner, batch=batch)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE, batch.message

    for username, found in (("town01_cmd", 1), ("town02_cmd", 0)):
        page = new_page()
        log_in(page, username)
        page.goto("/enterprises/")
        page.locator("#q").fill(names[0])
        expect(page).to_have_url(re.compile(r"[?&]q="))
        expect_count(page, found)
        expect(table(page).locator(ENTERPRISE_LINKS)).to_have_count(found)
