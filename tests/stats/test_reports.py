"""Reports generated, not typed: the daily table, the zero report, the four ledgers and the
narrative report in the shapes of seeds 000 and 003, against the hand-computed town of
tests/stats/fixtures.py and figures.compute; templates uploaded and checked; scope."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document
from openpyxl import load_workbook

from fugong.accounts.models import Jurisdiction
from fugong.core.errors import NotAllowed, UserError
from fugong.core.jobs import execute
from fugong.core.models import Job, JobStatus
from fugong.enterprises.choices import Category, Ledger
from fugong.enterprises.models import Assignment, Enterprise
from fugong.reports import context as C
from fugong.reports import services as reports
from fugong.reports import templates as T
from fugong.reports.choices import ReportKind
from fugong.reports.models import ReportTemplate
from fugong.reports.xlsx import FIGURE_HEADERS, figure_values, row_label
from fugong.stats import figures as F
from tests.stats.fixtures import build_hand_town

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def hand(demo):
    return build_hand_town()


def make(user, node, day, kind, **text) -> Job:
    job = reports.start_report(user=user, node=node, day=day, kind=kind, enqueue=False, **text)
    job = execute(job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


def content(job: Job) -> bytes:
    with job.result_file.open("rb") as f:
        return f.read()


def sheets(job: Job) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(content(job)))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def docx_text(job: Job) -> str:
    Document(io.BytesIO(content(job)))  # opens with python-docx
    return T.docx_text(content(job))


def table(rows: list[tuple], first_header: str) -> dict[str, list]:
    """The rows under the header row that starts with ``first_header``, by their label."""
    start = next(i for i, r in enumerate(rows) if r[0] == first_header)
    assert list(rows[start][1:]) == FIGURE_HEADERS
    return {r[0]: list(r[1:]) for r in rows[start + 1 :]}


# ---------------------------------------------------------------------------- 日报


def test_daily_table_holds_the_figures_of_compute(hand, user):
    me = user("county_cmd")
    job = make(me, hand.town, hand.day, ReportKind.DAILY)
    fig = F.compute(user=me, node=hand.town, day=hand.day)
    book = sheets(job)
    assert list(book) == ["分类统计", "分辖区统计"]
    by_category = book["分类统计"]
    assert me.username in by_category[0][0]  # who made it and when
    assert by_category[1][0] == f"手算镇 复工复产日报（截至{C.cn_date(hand.day)}）"
    assert any(C.denominator_note(fig.denominator) == r[0] for r in by_category[:5])
    rows = table(by_category, "类别")
    for spec in F.category_rows():
        assert rows[row_label(spec)] == figure_values(fig.row(spec), fig.denominator), spec.key
    assert rows["合计"] == figure_values(fig.total, fig.denominator)
    # The hand-computed figures (tests/stats/test_figures.py): 16 units, 13 need, 8 resumed,
    # 2 of them on the day, 46.2% over those that need to resume, 731 employees, 375 back.
    assert rows["合计"][:9] == [16, 13, 8, 6, 2, "46.2%", 731, 375, "51.3%"]
    assert rows["合计"][9:] == [2, 10, 2, 1]
    assert rows["    租赁和商务服务业"][:3] == [1, 1, 1]
    assert rows["    其他服务业"][5] == "—"  # it produced through the festival: none need to
    by_place = table(book["分辖区统计"], "辖区")
    assert by_place["甲村"][0] == 11 and by_place["甲村"][2] == 7
    assert by_place["乙村"][0] == 5 and by_place["乙村"][2] == 1
    assert by_place["手算镇（本级直属）"] == figure_values(fig.direct, fig.denominator)
    for child in fig.children:
        assert by_place[child.jurisdiction.name] == figure_values(child.cell, fig.denominator)
    assert by_place["合计"] == rows["合计"]
    assert job.result["source"] == "live" and job.result["denominator"] == "need"


def test_a_rate_with_nothing_to_divide_by_is_a_dash(hand, user):
    fig = F.compute(user=user("county_cmd"), node=hand.town, day=hand.day)
    streets = fig.select([Category.STREET_SHOP])
    assert streets.units == 0
    assert figure_values(streets, fig.denominator)[FIGURE_HEADERS.index("复工率")] == "—"


# ---------------------------------------------------------------------------- 零报告


def test_zero_report_is_refused_when_something_resumed_on_the_day(hand, user):
    with pytest.raises(UserError) as refused:
        reports.start_report(
            user=user("county_cmd"), node=hand.town, day=hand.today, kind=ReportKind.ZERO
        )
    # One unit (规上工业, resumed today) is new: the sentence says so.
    assert refused.value.code == "not_zero"
    assert "1 unit" in refused.value.message and "规模以上工业企业 1" in refused.value.message


def test_zero_report_when_nothing_is_new(hand, user):
    me = user("county_cmd")
    quiet = hand.today - datetime.timedelta(days=7)  # nobody resumed 7 days ago
    assert F.compute(user=me, node=hand.town, day=quiet).total.new_resumed == 0
    job = make(me, hand.town, quiet, ReportKind.ZERO)
    rows = sheets(job)["零报告"]
    text = [r[0] for r in rows]
    assert "本日无新增复工复产情况。" in text
    assert f"手算镇 复工复产零报告（{C.cn_date(quiet)}）" in text
    fig = F.compute(user=me, node=hand.town, day=quiet)
    total = next(r for r in rows if r[0] == "累计")
    assert total[1:5] == (
        fig.total.units,
        fig.total.need,
        fig.total.resumed,
        fig.total.resumed_need,
    )
    assert total[5] == C.pct(fig.rate)


# ---------------------------------------------------------------------------- 四本台账


def test_ledgers_list_exactly_the_units_of_each_ledger_without_phones(hand, user):
    me = user("county_cmd")
    unit = Enterprise.objects.filter(jurisdiction=hand.village).first()
    Enterprise.objects.filter(pk=unit.pk).update(contact_phone="13912345678")
    job = make(me, hand.town, hand.today, ReportKind.LEDGERS)
    fig = F.compute(user=me, node=hand.town, day=hand.today)
    book = sheets(job)
    assert list(book) == list(C.LEDGER_TITLES.values())
    for key, title in C.LEDGER_TITLES.items():
        rows = book[title]
        start = next(i for i, r in enumerate(rows) if r[0] == "序号")
        listed = rows[start + 1 :]
        assert len(listed) == fig.total.ledger(key), key
        assert job.result["rows"][key] == fig.total.ledger(key)
        codes = set(
            Enterprise.objects.filter(
                jurisdiction__path__startswith=hand.town.path, ledger=key
            ).values_list("credit_code", flat=True)
        )
        assert {r[2] for r in listed} == codes
    everything = " ".join(str(v) for rows in book.values() for r in rows for v in r if v)
    assert "13912345678" not in everything and "联系电话" not in everything


def test_ledgers_date_resumption_as_of_the_day(hand, user):
    job = make(user("county_cmd"), hand.town, hand.day, ReportKind.LEDGERS)
    rows = sheets(job)[C.LEDGER_TITLES[Ledger.CAN_RESUME]]
    dates = [r[7] for r in rows if isinstance(r[0], int)]
    assert dates and all(not d or d <= hand.day.isoformat() for d in dates)


# ---------------------------------------------------------------------------- narrative


def expected_town_sentences(fig: F.Figures) -> list[str]:
    """Seed 000 §一 as it must read, from figures.compute."""
    d = fig.denominator
    total, r = fig.total, {key: fig.select(cats) for key, cats in F.TOWN_REPORT_ROWS}
    ia, th = r["industry_above"], r["trade_hospitality_above"]
    b, c, p = r["below"], r["construction"], r["property"]
    day = C.cn_day(fig.day)
    return [
        f"手算镇现有各类经济主体{total.units}户，其中各类型企业{fig.enterprises().units}户，"
        f"企业用工人数约{C.wan(total.employees)}万人。",
        f"截至{day}，手算镇各类经济主体{C.rate_text(total, d)}，"
        f"总复工人数{total.returned}人，返工率{C.pct(total.return_rate)}。",
        f"1.规模以上工业企业{ia.units}户，{C.rate_text(ia, d)}，"
        f"复工人数{ia.returned}人，返工率{C.pct(ia.return_rate)}。",
        f"2.限额以上批发零售业和住宿餐饮业{th.units}户，{C.rate_text(th, d)}，"
        f"复工人数{th.returned}人。",
        f"3.规下、限下企业{b.units}户，{C.rate_text(b, d)}，复工人数{b.returned}人。",
        f"4.建设工地{c.units}个，{C.rate_text(c, d, '个')}，复工人数{c.returned}人。",
        f"5.房产销售{p.units}个，{C.rate_text(p, d, '个')}，复工人数{p.returned}人。",
    ]


def test_town_narrative_fills_every_figure_of_seed_000(hand, user):
    me = user("county_cmd")
    job = make(
        me,
        hand.town,
        hand.day,
        ReportKind.NARRATIVE_TOWN,
        next_steps="一是继续落实包保责任。\n\n二是抓好返岗人员健康监测。",
    )
    text = docx_text(job)
    fig = F.compute(user=me, node=hand.town, day=hand.day)
    assert text.startswith("手算镇推动企业复工复产工作的报告")
    assert "自疫情发生以来，手算镇党委、政府" in text
    for sentence in expected_town_sentences(fig):
        assert sentence in text
    # The hand-computed values of tests/stats/test_figures.py, as printed.
    assert "各类经济主体16户，其中各类型企业15户，企业用工人数约0.07万人" in text
    # 8 units resumed, but the rate divides the 6 of the 13 that needed to.
    assert "需复工复产13户，其中已复工复产6户，复工率46.2%，总复工人数375人，返工率51.3%" in text
    assert (
        "规模以上工业企业4户，需复工复产2户，其中已复工复产1户，复工率50.0%，复工人数280人" in text
    )
    assert "建设工地2个，需复工复产2个，其中已复工复产0个，复工率0.0%" in text
    assert C.denominator_note("need") in text  # which denominator the rate uses
    assert "暂无数据" in text  # policies, recruitment, subsidies are not recorded yet
    paragraphs = text.split("\n")
    assert "一是继续落实包保责任。" in paragraphs and "二是抓好返岗人员健康监测。" in paragraphs
    assert C.leftovers(text) == []
    assert "XX" not in text and "X月X日" not in text and "*" not in text


def test_narrative_counts_the_help_given_and_defaults_the_next_steps(hand, user):
    me = user("county_cmd")
    units = list(Enterprise.objects.filter(jurisdiction__path__startswith=hand.town.path)[:2])
    for unit in units:
        Assignment.objects.create(enterprise=unit, user=user("town01_grid"))
    Assignment.objects.create(enterprise=units[0], user=user("town01_jmb"))
    job = make(me, hand.town, hand.today, ReportKind.NARRATIVE_COUNTY, problems="甲&乙<丙>")
    text = docx_text(job)
    assert "共落实包保责任人2名，包保企业2家（包保关系3条）" in text
    assert C.DEFAULT_NEXT_STEPS in text
    assert "甲&乙<丙>" in text.split("\n")  # the user's text is printed as typed
    help_then = C.support(user=me, node=hand.town, day=hand.today - datetime.timedelta(days=1))
    assert help_then.assignments == 0  # counted as of the end of the day


def test_county_narrative_in_the_shape_of_seed_003(hand, user):
    me = user("county_cmd")
    job = make(
        me,
        hand.town,
        hand.day,
        ReportKind.NARRATIVE_COUNTY,
        problems="一是要素保障趋紧。",
    )
    text = docx_text(job)
    fig = F.compute(user=me, node=hand.town, day=hand.day)
    d = fig.denominator
    industry = fig.select([Category.INDUSTRY_ABOVE, Category.INDUSTRY_BELOW])
    above, below = fig.select([Category.INDUSTRY_ABOVE]), fig.select([Category.INDUSTRY_BELOW])
    day = C.cn_day(hand.day)
    assert text.startswith("手算镇关于工业和服务业复工复产工作情况的报告")
    assert (
        f"共有工业企业{industry.units}户，其中：规模以上工业企业{above.units}户，"
        f"规模以下工业企业{below.units}户。春节期间正常生产企业{industry.ledger(Ledger.NORMAL)}户，"
        f"长期停产企业{industry.ledger(Ledger.CANNOT_RESUME)}户，春节后需复工复产企业"
        f"{industry.need}户。截至{day}，工业企业{C.rate_text(industry, d)}，其中：规模以上工业企业"
        f"{C.rate_text(above, d)}；规模以下工业企业{C.rate_text(below, d)}。" in text
    )
    # By hand: 5 industrial units (4 above, 1 below), 1 normal, 1 stopped, 3 need, 2 resumed.
    assert "共有工业企业5户，其中：规模以上工业企业4户，规模以下工业企业1户" in text
    assert "工业企业需复工复产3户，其中已复工复产2户，复工率66.7%" in text
    trade = fig.select([Category.TRADE_ABOVE, Category.HOSPITALITY_ABOVE])
    individual = fig.select([Category.LARGE_INDIVIDUAL])
    assert f"共有限额以上批零住餐企业{trade.units}户、大个体{individual.units}户" in text
    services = fig.select([Category.SERVICES_ABOVE])
    assert f"共有规模以上服务业企业{services.units}户，其中：租赁和商务服务业1户" in text
    assert "教育1户" in text and "其他服务业1户" in text
    assert f"规模以上服务业企业{C.rate_text(services, d)}。" in text
    total = fig.total
    assert (
        f"四本台账分别登记{total.ledger(Ledger.NORMAL)}户、{total.ledger(Ledger.CAN_RESUME)}户、"
        f"{total.ledger(Ledger.MAY_DELAY)}户、{total.ledger(Ledger.CANNOT_RESUME)}户，"
        f"另有{total.ledger('')}户尚未归入台账" in text
    )
    assert "一是要素保障趋紧。" in text.split("\n")
    assert "暂无数据" in text
    assert C.leftovers(text) == [] and "*" not in text and "XX" not in text


# Every rate a narrative report states, with the units stated next to it.
RATE_STATEMENT = re.compile(
    r"(?:需复工复产(?P<need>\d+)(?P<m1>[户个])，其中)?"
    r"已复工复产(?P<resumed>\d+)(?P<m2>[户个])，复工率(?P<rate>[\d.]+%|—)"
)


@pytest.mark.parametrize("denominator", ["need", "all"])
def test_both_narrative_shapes_state_a_rate_with_the_number_it_divides(hand, user, denominator):
    """Issue 10 §6: the town shape said 复工25家，复工率约91.7% where the county shape said
    22户 for the same rate. Both now state each rate in one wording, next to its numerator
    (and its base with the denominator "need"), and the 规上工业 figure is the same in both."""
    from fugong.stats import services

    me = user("county_cmd")
    services.setting_set(actor=user("admin"), node=hand.town, rate_denominator=denominator)
    fig = F.compute(user=me, node=hand.town, day=hand.day)
    assert fig.denominator == denominator
    # The hand town resumed 8 units, 6 of the 13 that needed to: the two numerators differ.
    assert fig.total.resumed != fig.total.resumed_need
    above = fig.select([Category.INDUSTRY_ABOVE])
    for kind in (ReportKind.NARRATIVE_TOWN, ReportKind.NARRATIVE_COUNTY):
        text = docx_text(make(me, hand.town, hand.day, kind))
        statements = list(RATE_STATEMENT.finditer(text))
        assert statements, kind
        # No rate is stated in any other wording.
        stated = re.findall(r"(?<!返工)率(?:达|约)?(?:[\d.]+%|—)", text)
        assert len(stated) == len(statements), (kind, stated)
        for m in statements:
            resumed = int(m["resumed"])
            if denominator == "need":
                assert m["need"] is not None, m.group(0)
                base = int(m["need"])
            else:
                assert m["need"] is None, m.group(0)
                base = None
            if m["rate"] != "—":
                if base is None:
                    continue  # the base (all units) is stated before, in the shape's own words
                assert m["rate"] == C.pct(F.percent(resumed, base)), m.group(0)
        same = r"规模以上工业企业(?:\d+户，)?" + re.escape(C.rate_text(above, denominator))
        assert re.search(same, text), kind
    assert C.rate_text(fig.total, denominator).startswith(
        "已复工复产8户" if denominator == "all" else "需复工复产13户，其中已复工复产6户"
    )


def test_user_text_with_placeholder_marks_is_refused(hand, user):
    with pytest.raises(UserError, match="XX"):
        reports.start_report(
            user=user("county_cmd"),
            node=hand.town,
            day=hand.day,
            kind=ReportKind.NARRATIVE_TOWN,
            next_steps="力争X月底前完成XX亿元",
        )


def test_narrative_gathering_takes_a_fixed_number_of_queries(hand, user):
    me = user("county_cmd")

    def gather():
        fig = C.report_figures(user=me, node=hand.town, day=hand.day)
        C.narrative_context(
            figures=fig, help_given=C.support(user=me, node=hand.town, day=hand.day)
        )

    gather()
    with CaptureQueriesContext(connection) as before:
        gather()
    build_hand_town("189")
    for unit in Enterprise.objects.filter(jurisdiction__parent__code__endswith="189")[:5]:
        unit.jurisdiction = hand.village
        unit.save()
        Assignment.objects.create(enterprise=unit, user=user("town01_grid"))
    with CaptureQueriesContext(connection) as after:
        gather()
    assert len(after) == len(before)


# ---------------------------------------------------------------------------- frozen days


def test_a_submitted_day_is_produced_again_identically(hand, user):
    from fugong.reporting.services import submission_submit

    admin, me = user("admin"), user("county_cmd")
    submission_submit(actor=admin, node=hand.town, day=hand.day)
    first_doc = docx_text(make(me, hand.town, hand.day, ReportKind.NARRATIVE_TOWN))
    first_daily = make(me, hand.town, hand.day, ReportKind.DAILY)
    # The registry changes afterwards: a unit that had not resumed is dated back before the day.
    late = Enterprise.objects.filter(
        jurisdiction__path__startswith=hand.town.path, category=Category.CONSTRUCTION_SITE
    ).exclude(resumed_on__lte=hand.day)
    late.update(resumed_on=hand.day - datetime.timedelta(days=1), returned_count=60)
    live = F.compute(user=me, node=hand.town, day=hand.day)
    assert live.total.resumed == 10  # the live figures changed …
    again = make(me, hand.town, hand.day, ReportKind.NARRATIVE_TOWN)
    assert docx_text(again) == first_doc  # … the report of the submitted day did not
    assert "各类经济主体需复工复产13户，其中已复工复产6户" in first_doc
    assert again.result["source"] == "submission"
    second_daily = make(me, hand.town, hand.day, ReportKind.DAILY)
    assert sheets(second_daily)["分类统计"][1:] == sheets(first_daily)["分类统计"][1:]
    assert any("submitted" in m for m in second_daily.messages)


def test_a_snapshot_day_is_used_only_by_users_covering_the_node(hand, user):
    me = user("county_cmd")
    F.snapshot_take(day=hand.day, root=hand.town)
    Enterprise.objects.filter(
        jurisdiction__path__startswith=hand.town.path, category=Category.PROPERTY_SALES
    ).delete()
    job = make(me, hand.town, hand.day, ReportKind.DAILY)
    assert job.result["source"] == "snapshot"
    assert table(sheets(job)["分类统计"], "类别")["合计"][0] == 16  # as frozen, not 15


# ---------------------------------------------------------------------------- requests


def test_bad_requests_get_a_sentence(hand, user):
    me = user("county_cmd")
    tomorrow = hand.today + datetime.timedelta(days=1)
    with pytest.raises(UserError, match="future"):
        reports.start_report(user=me, node=hand.town, day=tomorrow, kind=ReportKind.DAILY)
    with pytest.raises(UserError, match="YYYY-MM-DD"):
        reports.start_report(user=me, node=hand.town, day="3月5日", kind=ReportKind.DAILY)
    with pytest.raises(UserError) as bad_kind:
        reports.start_report(user=me, node=hand.town, day=hand.day, kind="weekly")
    assert bad_kind.value.code == "bad_kind"


def test_a_town_cannot_report_for_the_county_or_another_town(demo, user):
    me = user("town01_cmd")
    mine = me.memberships.get(role="command").jurisdiction
    county = Jurisdiction.objects.get(level="county")
    other = county.children.exclude(pk=mine.pk).first()
    for node in (county, other):
        with pytest.raises(UserError) as refused:
            reports.start_report(user=me, node=node, day=datetime.date.today(), kind="daily")
        assert refused.value.status == 404
    job = make(me, mine, datetime.date.today(), ReportKind.DAILY)
    assert sheets(job)["分类统计"][1][0].startswith(mine.name)


def test_the_report_page_starts_a_job_and_the_job_page_offers_the_download(
    hand, client, login, django_capture_on_commit_callbacks
):
    login("county_cmd")
    page = client.get("/stats/reports/", {"jurisdiction": hand.town.pk})
    assert page.status_code == 200 and "手算镇" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/stats/reports/",
            {
                "jurisdiction": hand.town.pk,
                "day": hand.day.isoformat(),
                "kind": "narrative_town",
                "next_steps": "一是抓好企业帮扶。",
            },
        )
    job = Job.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    detail = client.get(f"/jobs/{job.pk}/")
    assert 'data-testid="job-download"' in detail.content.decode()
    download = client.get(f"/jobs/{job.pk}/download/")
    text = T.docx_text(b"".join(download.streaming_content))
    assert "一是抓好企业帮扶。" in text and "手算镇推动企业复工复产工作的报告" in text


def test_the_report_page_keeps_the_input_and_says_what_is_wrong(hand, client, login):
    login("county_cmd")
    response = client.post(
        "/stats/reports/",
        {
            "jurisdiction": hand.town.pk,
            "day": hand.today.isoformat(),
            "kind": "zero",
            "problems": "我写的问题",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="form-error"' in body and "zero report" in body and "我写的问题" in body


def test_the_report_page_is_a_404_outside_the_users_area(demo, client, login):
    login("town01_cmd")
    county = Jurisdiction.objects.get(level="county")
    assert client.get("/stats/reports/", {"jurisdiction": county.pk}).status_code == 404
    response = client.post(
        "/stats/reports/",
        {"jurisdiction": county.pk, "day": datetime.date.today().isoformat(), "kind": "daily"},
    )
    assert response.status_code == 404


# ---------------------------------------------------------------------------- templates


def docx_with(*lines: str) -> bytes:
    doc = Document()
    for line in lines:
        doc.add_paragraph(line)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def upload(user, node, data: bytes, name="模板.docx", kind=ReportKind.NARRATIVE_TOWN):
    return reports.template_upload(
        user=user, node=node, kind=kind, uploaded_file=SimpleUploadedFile(name, data)
    )


def test_the_shipped_templates_use_only_known_placeholders(hand, user):
    from docxtpl import DocxTemplate

    sample = T.sample_context(user=user("county_cmd"), node=hand.town)
    assert set(sample) == C.PLACEHOLDER_NAMES == set(reports.PLACEHOLDERS["narrative_town"])
    for kind in T.SHIPPED:
        used = DocxTemplate(str(T.shipped_path(kind))).get_undeclared_template_variables()
        assert used and used <= reports.PLACEHOLDERS[kind]
        T.check_template(T.shipped_path(kind).read_bytes(), name="x", kind=kind, sample=sample)


def test_an_uploaded_template_is_used_for_the_node_and_below(hand, user):
    me = user("county_cmd")
    county = Jurisdiction.objects.get(level="county")
    data = docx_with("{{ node_name }}自编报告", "单位{{ total.units }}户，复工率{{ total.rate }}。")
    template = upload(me, county, data)
    assert template.is_active and template.filename == "模板.docx"
    assert reports.template_for(hand.village, "narrative_town") == template
    assert reports.template_for(hand.village, "narrative_county") is None
    job = make(me, hand.town, hand.day, ReportKind.NARRATIVE_TOWN)
    assert docx_text(job).split("\n")[:2] == ["手算镇自编报告", "单位16户，复工率46.2%。"]
    assert job.result["template"] == template.pk
    # A newer upload for the town applies to it; the county's stays in use above.
    mine = upload(me, hand.town, docx_with("{{ node_name }}镇版"))
    assert reports.template_for(hand.village, "narrative_town") == mine
    assert reports.template_for(county, "narrative_town") == template
    # Uploading again for the county retires its earlier one.
    newer = upload(me, county, data, name="新模板.docx")
    template.refresh_from_db()
    assert newer.is_active and not template.is_active


def test_a_template_with_an_unknown_placeholder_is_rejected_naming_it(hand, user):
    data = docx_with("{{ node_name }}共有{{ total.units }}户，产值{{ output_value }}万元。")
    with pytest.raises(UserError) as refused:
        upload(user("county_cmd"), hand.town, data)
    assert refused.value.code == "unknown_placeholder"
    assert "output_value" in refused.value.message
    assert not ReportTemplate.objects.filter(jurisdiction=hand.town).exists()


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (b"this is not a word document", "not_docx", "not a Word document"),
        (b"PK\x03\x04broken zip", "not_docx", "not a Word document"),
        (docx_with("{{ total.units "), "template_syntax", "cannot be read"),
        (docx_with("{% if total.units %}无结束"), "template_syntax", "cannot be read"),
        (docx_with("{{ node_name }}现有XX户"), "placeholder_left", "XX"),
        (docx_with("截至X月X日{{ day_cn }}"), "placeholder_left", "X"),
        (docx_with("{{ total.no_such_figure }}"), "template_undefined", "no_such_figure"),
    ],
)
def test_a_malformed_template_is_rejected_with_a_sentence(hand, user, data, code, words):
    with pytest.raises(UserError) as refused:
        upload(user("county_cmd"), hand.town, data)
    assert refused.value.code == code and words in refused.value.message


def test_only_command_offices_of_the_node_upload_templates(demo, user):
    county = Jurisdiction.objects.get(level="county")
    data = docx_with("{{ node_name }}")
    town_cmd = user("town01_cmd")
    town = town_cmd.memberships.get(role="command").jurisdiction
    with pytest.raises(UserError) as outside:
        upload(town_cmd, county, data)
    assert outside.value.status == 404
    cadre = user("town01_grid")  # sees the town's registry, but does not set it up
    cadre.memberships.create(role="cadre", jurisdiction=town, is_primary=False)
    with pytest.raises(NotAllowed):
        upload(user("town01_grid"), town, data)
    assert upload(town_cmd, town, data).jurisdiction == town


def test_the_templates_page_lists_uploads_and_names_a_rejected_placeholder(hand, client, login):
    login("county_cmd")
    page = client.get("/stats/reports/templates/", {"jurisdiction": hand.town.pk})
    body = page.content.decode()
    assert page.status_code == 200 and 'data-testid="upload-form"' in body
    assert "total" in body and 'data-testid="shipped-narrative_town"' in body
    shipped = client.get("/stats/reports/templates/shipped/narrative_county/")
    assert shipped.status_code == 200
    Document(io.BytesIO(b"".join(shipped.streaming_content)))
    bad = SimpleUploadedFile("坏模板.docx", docx_with("{{ node_name }}{{ revenue_growth }}"))
    response = client.post(
        "/stats/reports/templates/upload/",
        {"jurisdiction": hand.town.pk, "kind": "narrative_town", "file": bad},
    )
    assert response.status_code == 400 and "revenue_growth" in response.content.decode()
    good = SimpleUploadedFile("好模板.docx", docx_with("{{ node_name }}报告"))
    response = client.post(
        "/stats/reports/templates/upload/",
        {"jurisdiction": hand.town.pk, "kind": "narrative_town", "file": good},
    )
    assert response.status_code == 302
    listed = client.get("/stats/reports/templates/", {"jurisdiction": hand.town.pk})
    assert "好模板.docx" in listed.content.decode()
    template = ReportTemplate.objects.get(filename="好模板.docx")
    assert client.get(f"/stats/reports/templates/{template.pk}/download/").status_code == 200
    client.post(f"/stats/reports/templates/{template.pk}/active/", {"active": "0"})
    template.refresh_from_db()
    assert not template.is_active
    assert reports.template_for(hand.town, "narrative_town") is None


def test_no_upload_form_for_who_cannot_configure(demo, client, login, user):
    town = user("town01_cmd").memberships.get(role="command").jurisdiction
    user("town01_grid").memberships.create(role="cadre", jurisdiction=town, is_primary=False)
    login("town01_grid")
    page = client.get("/stats/reports/templates/", {"jurisdiction": town.pk})
    assert page.status_code == 200 and 'data-testid="upload-form"' not in page.content.decode()
    login("town01_jmb")  # a reviewing office sees no jurisdiction at all
    assert client.get("/stats/reports/templates/").status_code == 404
