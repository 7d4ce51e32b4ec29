"""The sentence the shipped reports print about jobs and buses (``{{ jobs.text }}``), from
figures made by hand; the figures themselves are tested in test_job_figures.py."""

import datetime
from decimal import Decimal

from fugong.reports import context as C
from fugong.stats.jobs import JobsCell, JobsFigures, Section


def figures(**counts) -> JobsFigures:
    f = JobsFigures(node=None, start=None, end=datetime.date(2026, 3, 5))
    f.direct = JobsCell(**counts)
    return f


def test_nothing_to_say_prints_nothing():
    assert C.jobs_context(None)["text"] == ""
    assert C.jobs_context(figures())["text"] == ""


def test_each_part_is_said_only_when_there_is_something():
    f = figures(open=120, wanted=900, shortage=860, hiring=30, posted=150, filled=300)
    f.by_section = [Section("C", "制造业", 100, 600), Section("G", "交通运输业", 20, 0)]
    assert C.jobs_context(f)["text"] == (
        "截至3月5日，在库空岗120个、缺工860人（制造业600人），累计发布岗位150个、已招用300人。"
    )
    f = figures(batches=6, brought_back=230, subsidy=Decimal("30000"), commuter_buses=4, riders=120)
    context = C.jobs_context(f)
    assert context["text"] == (
        "截至3月5日，组织返岗包车6趟，接回务工人员230人，发放包车补贴3.00万元；"
        "通勤班车4辆、乘车员工120人。"
    )
    assert context["brought_back"] == 230 and context["subsidy_wan"] == "3.00"


def test_the_rows_add_up_to_the_total():
    f = figures(open=1, shortage=2)
    from fugong.stats.jobs import Row

    f.children = [Row(None, JobsCell(open=2, shortage=3, subsidy=Decimal("5")))]
    assert f.total.as_dict()["open"] == 3
    assert f.total.shortage == 5 and f.total.subsidy == Decimal("5")
