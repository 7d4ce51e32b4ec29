"""The checklist engine: the default templates from the seeds, and ``evaluate``, which checks a
filled checklist against its template version and scores it. The on-site acceptance
(resumption) and every inspection fill checklists through it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from fugong.core.errors import UserError
from fugong.core.files import CleanUpload, clean_upload
from fugong.inspections.choices import AppliesIf, CheckValue, ItemKind, PassRule

PHOTO_TYPES = ("jpg", "png")

# Seed 004 (镇复工验收程序): 现场验收及日常检查内容, the 11 items. Item 5 (物资储备) is answered
# with the number of days of masks the inspector counted; photos of the checkpoint and the
# supplies are kept (对各项内容留有影像资料存档).
ACCEPTANCE_CODE = "acceptance"
ACCEPTANCE_ITEMS: list[tuple[str, str, bool]] = [
    # (text, kind, photo required)
    ("复工疫情防控实施方案编制情况(含企业员工交通工具疫情防控方案和应急处置预案)", "check", False),
    ("复工人员花名册", "check", False),
    ("复工承诺书落实情况", "check", False),
    ("企业疫情检查点落实情况", "check", True),
    ("物资储备落实情况", "check", True),
    ("进出场人员、车辆登记台账(含体温检测)", "check", False),
    ("厂区消毒台账", "check", False),
    ("员工防护措施佩戴情况", "check", False),
    ("废弃口罩收集处置情况", "check", False),
    ("防控知识宣传", "check", False),
    ("疫情防控工作的其他要求", "check", False),
]


@dataclass(frozen=True)
class Item:
    text: str
    group: str = ""
    kind: str = ItemKind.CHECK
    points: int = 1
    critical: bool = False
    photo: bool = False
    applies_if: str = AppliesIf.ALWAYS
    minimum: int | None = None


@dataclass(frozen=True)
class Template:
    code: str
    kind: str
    name: str
    source: str
    items: list[Item]
    pass_rule: str = PassRule.ALL
    pass_score: int = 100
    rectify_days: int = 5


G1 = "一、企业实际情况是否符合备案的复工复产工作方案"
G2 = "二、返岗职工花名册与“一人一档”"
G3 = "三、厂区封闭管理"
G4 = "四、职工健康监测"
G5 = "五、岗位防疫措施"
G6 = "六、物流车辆管理"
G7 = "七、有食堂的企业:环境卫生和就餐管理"
G8 = "八、有班车的企业:通勤车辆"
G9 = "九、有宿舍的企业:集体宿舍"

# Seed 004 (街道, 二、复工复产后检查 (二)检查内容): the nine groups. Groups 7-9 apply only to
# enterprises with a canteen, a commuter bus or a dormitory. Supplies are counted in days of use
# (7天以上用量); closed management and health monitoring are critical.
POST_RESUMPTION = Template(
    code="post_resumption",
    kind="post_resumption",
    name="企业复工复产后检查表",
    source="seed 004: 复工复产后检查 (二)检查内容(九项)",
    pass_rule=PassRule.SCORE,
    pass_score=80,
    rectify_days=3,
    items=[
        Item("厂区特别是公共场所、人员聚集场所的设施、设备消杀防疫措施到位和规范", G1),
        Item("口罩、手套、防护服、电子温度计、酒精、消毒液等防控物资可用天数", G1,
             kind=ItemKind.NUMBER, minimum=7, photo=True),
        Item("设置隔离留观室(相对独立、单人单间),配备防护服、护目镜等应急装备", G1),
        Item("返岗人员数量和来源符合防疫要求,市外返回员工隔离观察14天(单人单间)", G1,
             critical=True),
        Item("建立返岗职工花名册,健康状况“一人一档”管理,掌握职工及家庭成员出行信息", G2),
        Item("外地返回及与确诊、疑似感染者有接触的职工严格执行隔离观察", G2, critical=True),
        Item("只设1个进出通道,设置检测卡口,配备门禁设施和检测仪器", G3, photo=True),
        Item("24小时人员值守,对进出人员、车辆严格检查检测并登记,严禁无关人员进入", G3,
             critical=True),
        Item("建立职工体温日检测制度,在生产区、办公区、宿舍区设置检测点", G4, critical=True),
        Item("体温异常及时处置;赴市外出差职工返回后落实隔离", G4),
        Item("与职工逐一签订岗位防疫承诺书", G5),
        Item("通过宣传条幅、通告、明白纸等开展防控知识宣传教育", G5),
        Item("员工工作期间全程佩戴口罩,废弃口罩统一回收、集中处理", G5),
        Item("外来货运车辆进入厂区前消毒,驾乘人员佩戴口罩并测体温,减少与厂区人员接触", G6),
        Item("所有场所每天至少消毒一次,餐厅每餐消毒,桌椅使用后消毒,餐具高温消毒", G7,
             applies_if=AppliesIf.CANTEEN),
        Item("实行分散错时进餐,避免人员聚集", G7, applies_if=AppliesIf.CANTEEN),
        Item("按《餐饮服务食品安全操作规范》加工制作,生熟分开,操作间清洁干燥", G7,
             applies_if=AppliesIf.CANTEEN),
        Item("通勤车辆持有街道出具的“通勤班车使用意见函”", G8,
             applies_if=AppliesIf.COMMUTER_BUS),
        Item("班车防疫消毒,乘车人员佩戴口罩并测体温,建立《体温检测登记台账》,配备备用口罩",
             G8, applies_if=AppliesIf.COMMUTER_BUS),
        Item("专人负责集体宿舍防控:进出登记、体温监测、垃圾处置、定时消杀", G9,
             applies_if=AppliesIf.DORMITORY),
        Item("已执行完隔离政策和本地未离开员工,单间不多于4人", G9,
             applies_if=AppliesIf.DORMITORY),
    ],
)  # fmt: skip

S1 = "一、落实疫情防控工作情况"
S2 = "二、落实复工复产安全检查情况"
S3 = "三、落实重大风险隐患排查情况"

# Seed 004 (指导服务内容, (二)企业层面): the three groups of the work-safety check.
SAFETY = Template(
    code="safety",
    kind="safety",
    name="企业复工复产安全生产检查表",
    source="seed 004: 指导服务内容 (二)企业层面 1-3",
    rectify_days=5,
    items=[
        Item("制定企业疫情防控工作方案,成立主要负责人牵头的疫情防控领导小组", S1),
        Item("疫情防控方案细化落实到车间、班组,明确专人负责", S1),
        Item("工作人员每日进厂前测量体温,进厂到离厂全程佩戴口罩", S1),
        Item("工作区域每日定时消毒,就餐采取分餐制或分批散坐", S1),
        Item("严格落实国家、省、市复工复产标准、规范和程序,制定并落实复工复产方案", S2),
        Item("复工复产期间企业主要负责人在岗在位", S2, critical=True),
        Item("开展复工复产安全动员、安全教育,对新员工开展安全培训", S2),
        Item("对所有设备设施进行一次全面安全检查、检修", S2, critical=True, photo=True),
        Item("对电气线路、消防安全、高危工艺、危险化学品储存与使用进行系统检查", S2,
             critical=True),
        Item("消防通道畅通,消防设施完好", S3, critical=True, photo=True),
        Item("危化企业自动化控制、紧急停车、安全仪表、可燃和有毒气体报警装置正常投用", S3,
             critical=True),
        Item("建筑施工防坍塌、防高空坠落等隐患已排查", S3),
        Item("大客车全程监控,无超员超速、疲劳驾驶、无证运营、报废车运营", S3),
    ],
)  # fmt: skip

R1 = "一、证照与人员"
R2 = "二、环境与消毒"
R3 = "三、加工与就餐"

# Seed 000 (餐饮单位复工复产自查表; 无证经营 → 立即责令停业) with seed 004's canteen group.
RESTAURANT = Template(
    code="restaurant",
    kind="restaurant",
    name="餐饮单位复工复产自查表",
    source="seed 000: 餐饮单位复工复产自查表; seed 004: 食堂环境卫生和就餐管理",
    rectify_days=3,
    items=[
        Item("持有效食品经营许可证,证照公示", R1, critical=True, photo=True),
        Item("从业人员健康证明齐全,每日上岗前测温并登记,无发热、咳嗽等症状", R1,
             critical=True),
        Item("从业人员全程佩戴口罩,勤洗手", R1),
        Item("顾客进店测温、扫码登记,佩戴口罩", R1),
        Item("经营场所每日至少消毒一次并有消毒记录", R2),
        Item("餐具用品高温消毒,保洁设施正常使用", R2),
        Item("废弃口罩设专用收集容器,统一回收处理", R2),
        Item("操作间保持清洁干燥,生熟分开,不生食肉类", R3),
        Item("进货查验、索证索票,不采购、不加工野生动物", R3, critical=True),
        Item("分散错时就餐,餐桌间隔1米以上或单向就座", R3),
        Item("测温、消毒、进场等记录表齐全", R3),
    ],
)  # fmt: skip

TEMPLATES = [POST_RESUMPTION, SAFETY, RESTAURANT]


def create_default_templates(template_model, item_model) -> None:
    """Version 1 of the acceptance template (migration 0002; it takes the historical models of
    that time, so it sets only the fields they had)."""
    if template_model.objects.filter(code=ACCEPTANCE_CODE).exists():
        return
    template = template_model.objects.create(
        code=ACCEPTANCE_CODE,
        version=1,
        name="企业复工现场验收登记表",
        kind="acceptance",
        source="seed 004: 现场验收及日常检查内容(11项)",
    )
    item_model.objects.bulk_create(
        item_model(template=template, position=i, text=text, kind=kind, photo_required=photo)
        for i, (text, kind, photo) in enumerate(ACCEPTANCE_ITEMS, start=1)
    )


def create_templates(template_model, item_model, templates: list[Template] = TEMPLATES) -> None:
    """Version 1 of each template in ``templates`` whose code has none yet (a data migration
    and the tests call it)."""
    for t in templates:
        if template_model.objects.filter(code=t.code).exists():
            continue
        template = template_model.objects.create(
            code=t.code, version=1, name=t.name, kind=t.kind, source=t.source,
            pass_rule=t.pass_rule, pass_score=t.pass_score, rectify_days=t.rectify_days,
        )  # fmt: skip
        item_model.objects.bulk_create(
            item_model(
                template=template,
                position=i,
                text=item.text,
                group=item.group,
                kind=item.kind,
                points=item.points,
                critical=item.critical,
                photo_required=item.photo,
                applies_if=item.applies_if,
                minimum=item.minimum,
            )  # fmt: skip
            for i, item in enumerate(t.items, start=1)
        )


# --- filling a checklist -------------------------------------------------------------------


@dataclass
class Answer:
    value: str = ""
    number: object = None
    text: str = ""
    photo: object = None  # an uploaded file


@dataclass
class Row:
    item: object
    answer: Answer
    photo: CleanUpload | None
    failed: bool
    applies: bool = True


@dataclass
class Result:
    rows: list[Row] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)  # what the enterprise is told to fix
    score: Decimal | None = None  # percent of the applicable points earned
    passed: bool = False
    critical_failed: bool = False

    def raise_problems(self) -> None:
        if self.problems:
            raise UserError(" ".join(self.problems), code="checklist_incomplete")


def applies(item, enterprise) -> bool:
    """Whether ``item`` is asked of ``enterprise`` (a canteen item of one without a canteen is
    not)."""
    return not item.applies_if or enterprise is None or bool(getattr(enterprise, item.applies_if))


def evaluate(template, answers: dict[int, Answer], *, enterprise=None, items=None) -> Result:
    """Check every answer of a filled checklist against ``template``: every required item of
    the ones that apply must be answered and every required photo taken (all problems are
    returned at once, 一次性告知); a failed check or a number under its minimum fails the item.
    The score is the share of the applicable points earned; the template's pass rule says
    whether it passes. Photos are checked and re-encoded here (``Row.photo``)."""
    result = Result()
    earned = possible = 0
    for item in items if items is not None else template.items.all():
        answer = answers.get(item.pk) or Answer()
        label = f"{item.position}. {item.text}"
        if not applies(item, enterprise):
            result.rows.append(Row(item, Answer(value=CheckValue.NOT_APPLICABLE), None, False,
                                   applies=False))  # fmt: skip
            continue
        failed = False
        scored = False
        if item.kind == ItemKind.CHECK:
            if answer.value not in CheckValue.values:
                if item.required:
                    result.problems.append(
                        _("%(item)s: choose pass, fail or not applicable.") % {"item": label}
                    )
                continue
            scored = answer.value != CheckValue.NOT_APPLICABLE
            failed = answer.value == CheckValue.FAIL
        elif item.kind == ItemKind.NUMBER:
            if answer.number in (None, ""):
                if item.required:
                    result.problems.append(_("%(item)s: enter a number.") % {"item": label})
            elif item.minimum is not None:
                scored = True
                failed = Decimal(answer.number) < item.minimum
        elif item.kind == ItemKind.TEXT and not answer.text.strip() and item.required:
            result.problems.append(_("%(item)s: write what you found.") % {"item": label})
        needs_photo = item.kind == ItemKind.PHOTO or item.photo_required
        if needs_photo and not answer.photo and answer.value != CheckValue.NOT_APPLICABLE:
            result.problems.append(_("%(item)s: add a photo.") % {"item": label})
        photo = None
        if answer.photo:
            try:  # re-encoded, under a generated name
                photo = clean_upload(answer.photo, allowed=PHOTO_TYPES, prefix="photo")
            except UserError as exc:
                result.problems.append(f"{label}: {exc.message}")
        if scored:
            possible += item.points
            earned += 0 if failed else item.points
        if failed:
            result.critical_failed |= item.critical
            note = answer.text.strip()
            if item.kind == ItemKind.NUMBER:
                note = (note + " " if note else "") + _("%(n)s, at least %(min)s needed.") % {
                    "n": answer.number,
                    "min": format(item.minimum.normalize(), "f"),
                }
            result.failed.append({"item": item.position, "text": item.text, "note": note})
        result.rows.append(Row(item, answer, photo, failed))
    result.score = (
        (Decimal(earned * 100) / possible).quantize(Decimal("0.1")) if possible else Decimal(100)
    )
    if template.pass_rule == PassRule.SCORE:
        result.passed = result.score >= template.pass_score and not result.critical_failed
    else:
        result.passed = not result.failed
    return result
