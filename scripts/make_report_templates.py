"""Build the narrative report templates shipped with Fugong (docxtpl .docx files).

    .venv/bin/python scripts/make_report_templates.py

writes fugong/reports/data/report_templates/narrative_town.docx (the shape of seed 000) and
narrative_county.docx (the shape of seed 003). The .docx files are committed; this script is
how they are rebuilt after a change of wording. Users download them from the report templates
page, edit them in Word and upload their own; the placeholders they may use are listed there
(fugong.reports.context.PLACEHOLDER_HELP). A paragraph holds each placeholder in one
run, so that docxtpl sees it whole.
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

OUT = Path(__file__).resolve().parent.parent / "fugong" / "reports" / "data" / "report_templates"

# Official-document fonts (GB/T 9704), with fallbacks Word picks when they are missing.
TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
BODY_FONT = "仿宋_GB2312"


def _font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


class Writer:
    def __init__(self, title: str) -> None:
        self.doc = Document()
        section = self.doc.sections[0]
        section.page_height, section.page_width = Cm(29.7), Cm(21.0)
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
        normal = self.doc.styles["Normal"]
        normal.font.name = BODY_FONT
        normal.font.size = Pt(16)
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
        props = self.doc.core_properties
        props.title = title
        props.author = "Fugong"
        props.created = props.modified = datetime.datetime(2026, 1, 1)
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_after = Pt(16)
        _font(p.add_run(title), TITLE_FONT, 22)

    def _paragraph(self, text: str, font: str, *, indent: bool = True, bold: bool = False):
        p = self.doc.add_paragraph()
        fmt = p.paragraph_format
        fmt.line_spacing = Pt(28)
        fmt.space_after = Pt(0)
        if indent:
            fmt.first_line_indent = Pt(32)
        _font(p.add_run(text), font, 16, bold)
        return p

    def text(self, text: str) -> None:
        self._paragraph(text, BODY_FONT)

    def plain(self, text: str) -> None:
        """A paragraph without indent (a salutation, a docxtpl ``{%p %}`` tag line)."""
        self._paragraph(text, BODY_FONT, indent=False)

    def heading(self, text: str) -> None:
        self._paragraph(text, HEADING_FONT)

    def subheading(self, text: str, rest: str = "") -> None:
        p = self._paragraph(text, SUBHEADING_FONT)
        if rest:
            _font(p.add_run(rest), BODY_FONT, 16)

    def paragraphs(self, name: str) -> None:
        """One paragraph per item of the list ``name`` (the user's text)."""
        self.plain(f"{{%p for p in {name} %}}")
        self.text("{{ p }}")
        self.plain("{%p endfor %}")

    def section_if(self, condition: str, text: str, rest: str) -> None:
        """A subheading with its text, left out when ``condition`` is false."""
        self.plain(f"{{%p if {condition} %}}")
        self.subheading(text, rest)
        self.plain("{%p endif %}")

    def save(self, name: str) -> Path:
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / name
        self.doc.save(path)
        return path


SUPPORT = (
    "截至{{ day_cn }}，共落实包保责任人{{ support.people }}名，包保企业"
    "{{ support.assigned_enterprises }}家（包保关系{{ support.assignments }}条）；开展复工复产"
    "现场验收{{ support.acceptances_done }}次，通过{{ support.acceptances_passed }}次；办结复工"
    "复产申请（备案）{{ support.filings_valid }}件，发放复工复产通知书{{ support.notices }}份。"
)
NOTE = "（注：{{ denominator_note }}{{ source_note }}）"


def town() -> Path:
    """Seed 000: a town's report on pushing enterprises to resume."""
    w = Writer("{{ node_name }}推动企业复工复产工作的报告")
    w.text(
        "自疫情发生以来，{{ node_name }}党委、政府坚决贯彻习近平总书记对新冠肺炎疫情防控工作"
        "作出的重要指示和重要讲话精神，深入贯彻落实上级决策部署，迅速行动、靠前指挥，在“一手抓"
        "疫情防控，一手抓复工复产”的过程中，持续发力推动落实支持企业共渡难关的各项措施，有力促进"
        "疫情防控取得阶段性成效，企业复工复产安全有序，复工率稳步上升。现将有关情况报告如下："
    )
    w.heading("一、企业复工复产基本情况")
    w.text(
        "{{ node_name }}现有各类经济主体{{ total.units }}户，其中各类型企业{{ enterprises.units }}"
        "户，企业用工人数约{{ total.employees_wan }}万人。截至{{ day_cn }}，{{ node_name }}各类经济"
        "主体{{ total.rate_text }}，总复工人数{{ total.returned }}人，返工率{{ total.return_rate }}。"
        "{{ roster.text }}"
    )
    w.text(
        "其中：1.规模以上工业企业{{ industry_above.units }}户，{{ industry_above.rate_text }}，"
        "复工人数{{ industry_above.returned }}人，返工率{{ industry_above.return_rate }}。"
        "2.限额以上批发零售业和住宿餐饮业{{ trade_hospitality_above.units }}户，"
        "{{ trade_hospitality_above.rate_text }}，复工人数{{ trade_hospitality_above.returned }}人。"
        "3.规下、限下企业{{ below.units }}户，{{ below.rate_text }}，复工人数{{ below.returned }}人。"
        "4.建设工地{{ construction.units }}个，{{ construction.rate_text }}，复工人数"
        "{{ construction.returned }}人。5.房产销售{{ property.units }}个，{{ property.rate_text }}，"
        "复工人数{{ property.returned }}人。"
    )
    w.text(NOTE)
    w.heading("二、帮扶支持企业复工复产情况")
    w.subheading(
        "（一）建立服务企业联系机制，实施“一企一策”精准扶持。",
        "成立工作专班，班子成员点对点帮扶企业，深入企业一线，对接联系协调解决企业复工复产、"
        "返工保障、疫情防控工作中存在的困难和问题。" + SUPPORT + "{{ requests.text }}",
    )
    w.subheading(
        "（二）主动兑现政策共度时艰，实施“政企携手”倾力扶持。",
        "{% if policies.text %}{{ policies.text }}{% else %}惠企政策兑现、租金减免、缓交水电费用等"
        "情况：{{ no_data }}。{% endif %}",
    )
    w.subheading(
        "（三）完善保障提供精心服务，实施“暖企助企”用心扶持。",
        "{% if jobs.text %}{{ jobs.text }}援企稳岗补贴、防控知识宣讲等情况：{{ no_data }}。"
        "{% else %}线上招聘、援企稳岗补贴、返岗包车、防控知识宣讲等情况：{{ no_data }}。{% endif %}",
    )
    w.section_if("inspections.text", "（四）加强检查督导，督促整改落实。", "{{ inspections.text }}")
    w.heading("三、下步工作打算")
    w.paragraphs("next_steps")
    return w.save("narrative_town.docx")


def county() -> Path:
    """Seed 003: a county's report on industry and services resuming."""
    w = Writer("{{ node_name }}关于工业和服务业复工复产工作情况的报告")
    w.text("现将{{ area }}工业和服务业复工复产工作情况报告如下：")
    w.heading("1、基本情况")
    w.text(
        "{{ area }}工业和服务业战线按照“人员要下沉、责任要下去、问题要解决、服务要到位、成效要"
        "上来”的“五要”工作要求，全力优化服务、精准施策，确保复工复产有力有序。" + NOTE
    )
    w.subheading(
        "（一）工业复工复产情况。",
        "截至{{ date_cn }}，{{ area }}共有工业企业{{ industry.units }}户，其中：规模以上工业企业"
        "{{ industry_above.units }}户，规模以下工业企业{{ industry_below.units }}户。春节期间正常"
        "生产企业{{ industry.normal }}户，长期停产企业{{ industry.stopped }}户，春节后需复工复产"
        "企业{{ industry.need }}户。截至{{ day_cn }}，工业企业{{ industry.rate_text }}，其中：规模以上"
        "工业企业{{ industry_above.rate_text }}；规模以下工业企业{{ industry_below.rate_text }}。",
    )
    w.subheading("（二）服务业复工营业情况")
    w.text(
        "1.限额以上批零住餐企业及大个体。截至{{ date_cn }}，{{ area }}共有限额以上批零住餐企业"
        "{{ trade.units }}户、大个体{{ individual.units }}户，春节期间坚持营业的限额以上批零住餐"
        "企业{{ trade.normal }}户、大个体{{ individual.normal }}户。节后需复工营业限额以上批零住餐"
        "企业{{ trade.need }}户、大个体{{ individual.need }}户。截至{{ day_cn }}，限额以上批零住餐"
        "企业及大个体{{ trade_individual.rate_text }}（限额以上批零住餐企业{{ trade.rate_resumed }}"
        "户、大个体{{ individual.rate_resumed }}户）。"
    )
    w.text(
        "2.规模以上服务业。截至{{ date_cn }}，{{ area }}共有规模以上服务业企业{{ services.units }}"
        "户，其中：{% for s in subsectors %}{{ s.name }}{{ s.units }}户{% if not loop.last %}，"
        "{% endif %}{% endfor %}。春节期间坚持营业规模以上服务业企业{{ services.normal }}户，节后"
        "需复工营业规模以上服务业{{ services.need }}户。截至{{ day_cn }}，规模以上服务业企业"
        "{{ services.rate_text }}。"
    )
    w.heading("2、工作措施")
    w.subheading(
        "（一）早谋划，掌握底数。",
        "建立“春节期间正常生产企业台账、节后可生产企业台账、节后可能延后生产企业台账、不能复产"
        "企业台账”，全面掌握企业复工复产情况，截至{{ day_cn }}四本台账分别登记{{ total.normal }}"
        "户、{{ total.can_resume }}户、{{ total.may_delay }}户、{{ total.stopped }}户"
        "{% if total.no_ledger %}，另有{{ total.no_ledger }}户尚未归入台账{% endif %}。",
    )
    w.subheading(
        "（二）强服务，用心扶持。",
        "坚持问题导向，采取“现场办公+协调部门+责任人员”的工作方式打通企业服务“最后一公里”。"
        + SUPPORT
        + "{{ policies.text }}{% if jobs.text %}{{ jobs.text }}金融支持、降低用电成本等情况："
        "{{ no_data }}。{% else %}金融支持、招聘用工、降低用电成本等情况：{{ no_data }}。{% endif %}"
        "{{ requests.text }}",
    )
    w.subheading(
        "（三）抓监测，实现“开门稳”。",
        "规模以上工业总产值、工业增加值及批发、零售、住宿、餐饮销售额（营业额）：{{ no_data }}。{{ roster.text }}",
    )
    w.section_if("inspections.text", "（四）严检查，抓整改。", "{{ inspections.text }}")
    w.heading("3、存在的问题")
    w.paragraphs("problems")
    w.heading("4、下步工作打算")
    w.paragraphs("next_steps")
    return w.save("narrative_county.docx")


def main() -> int:
    for path in (town(), county()):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
