"""The default checklist templates, from the seeds."""

from __future__ import annotations

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


def create_default_templates(template_model, item_model) -> None:
    """Create version 1 of each default template unless one exists (used by a migration, so
    it takes the historical models)."""
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
