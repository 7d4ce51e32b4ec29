"""The vacancy import on the engine: good rows added and updated by (credit code, post), bad
rows refused with Chinese reasons, an enterprise never imports for another, the bureau for
the enterprises of its place."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from fugong.core.imports.models import ImportStatus
from fugong.core.testing import run_import
from fugong.vacancies.choices import VacancyStatus
from fugong.vacancies.importer import KIND
from fugong.vacancies.models import Vacancy
from tests.vacancies.helpers import enterprise_members, hr_member, make

pytestmark = pytest.mark.django_db

HEADER = ["统一社会信用代码", "岗位名称", "招聘人数", "已招人数", "最低月薪", "最高月薪",
          "学历要求", "联系人", "联系电话", "状态"]  # fmt: skip


def xlsx(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["空岗信息统计表"])
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_an_enterprise_imports_its_own_vacancies_and_updates_by_post(demo):
    (a,) = enterprise_members(1)
    Vacancy.objects.filter(enterprise=a.enterprise).delete()
    old = make(a, post="电焊工", headcount=2)
    content = xlsx([
        ["", "电焊工", 6, 1, 6000, 8000, "初中", "王先生", "13812345678", ""],
        ["", "数控操作工", 3, "", "", "", "不限", "", "", "草稿"],
        [a.enterprise.credit_code, "质检员", 2, 0, 5000, 6000, "高中", "", "", "发布"],
    ])  # fmt: skip
    batch = run_import(KIND, a.user, content)
    assert batch.status == ImportStatus.DONE, (batch.preview, batch.status)
    assert batch.result["created"] == 2 and batch.result["updated"] == 1
    old.refresh_from_db()
    assert (old.headcount, old.filled, old.pay_min, old.contact_phone) == (
        6,
        1,
        6000,
        "13812345678",
    )
    assert (
        Vacancy.objects.get(enterprise=a.enterprise, post="数控操作工").status
        == VacancyStatus.DRAFT
    )
    qc = Vacancy.objects.get(enterprise=a.enterprise, post="质检员")
    assert qc.status == VacancyStatus.PUBLISHED and qc.published_at is not None
    assert "zjy" in qc.search_key


def test_bad_rows_are_refused_with_chinese_reasons(demo):
    (a,) = enterprise_members(1)
    content = xlsx([
        ["", "普工", 2, 5, "", "", "", "", "", ""],
        ["", "叉车司机", 2, 0, 9000, 5000, "", "", "", ""],
        ["", "仓管员", "许多", 0, "", "", "", "", "", ""],
        ["", "缝纫工", 2, 0, "", "", "幼儿园", "", "", ""],
        ["", "保洁员", 2, 0, "", "", "", "", "12", ""],
        ["", "包装工", 2, 0, "", "", "", "", "", "招满了"],
        ["", "", 2, 0, "", "", "", "", "", ""],
    ])  # fmt: skip
    batch = run_import(KIND, a.user, content, mode="good")
    errors = {e["row"]: e["message"] for e in batch.preview["errors"]}
    assert len(errors) == 7, errors
    assert "超过了招聘人数" in errors[3]
    assert "最低月薪" in errors[4]
    assert "招聘人数" in errors[5]
    assert "学历要求" in errors[6]
    assert "联系电话" in errors[7]
    assert "状态" in errors[8]
    assert "岗位" in errors[9]
    duplicate = run_import(KIND, a.user, xlsx([["", "普工", 2, 0, "", "", "", "", "", ""]] * 2))
    assert "同一企业的同一岗位已在第 3 行" in duplicate.preview["errors"][0]["message"]


def test_an_enterprise_cannot_import_for_another(demo):
    a, b = enterprise_members(2)
    before = Vacancy.objects.filter(enterprise=b.enterprise).count()
    content = xlsx([[b.enterprise.credit_code, "普工", 2, 0, "", "", "", "", "", ""]])
    batch = run_import(KIND, a.user, content)
    assert batch.status != ImportStatus.DONE
    assert "不在您可以发布岗位的企业之列" in batch.preview["errors"][0]["message"]
    assert Vacancy.objects.filter(enterprise=b.enterprise).count() == before


def test_the_bureau_imports_for_the_enterprises_of_its_place_by_credit_code(demo):
    hr = hr_member()
    a, b = enterprise_members(2)
    content = xlsx([
        [a.enterprise.credit_code, "人社导入岗位", 4, 0, "", "", "", "", "", ""],
        [b.enterprise.credit_code, "人社导入岗位", 2, 0, "", "", "", "", "", ""],
        ["", "无企业岗位", 1, 0, "", "", "", "", "", ""],
    ])  # fmt: skip
    batch = run_import(KIND, hr.user, content, mode="good")
    assert batch.status == ImportStatus.DONE, batch.preview
    assert batch.result["created"] == 2
    assert "统一社会信用代码" in batch.preview["errors"][0]["message"]
    assert Vacancy.objects.filter(post="人社导入岗位").count() == 2


def test_the_import_page_opens_for_an_enterprise(demo, client):
    (a,) = enterprise_members(1)
    client.force_login(a.user)
    assert client.get("/vacancies/import/").status_code == 200
