"""The columns of the enterprise ledger, as offices head them. Import recognises the label and
every synonym; export writes the labels, so an exported file imports back unchanged."""

from __future__ import annotations

from fugong.core.tabular import Column

COLUMNS: list[Column] = [
    Column(
        "name",
        "企业名称",
        ("单位名称", "企业(单位)名称", "企业全称", "名称", "企业名"),
        required=True,
    ),
    Column(
        "credit_code",
        "统一社会信用代码",
        ("社会信用代码", "信用代码", "统一代码", "社会统一信用代码"),
        kind="code",
        required=True,
    ),
    Column(
        "jurisdiction_code",
        "辖区代码",
        ("区划代码", "网格代码", "村社区代码", "所属辖区代码"),
        kind="code",
    ),
    Column(
        "jurisdiction_name",
        "所属辖区",
        ("所属村(社区)", "所属村社区", "村(社区)", "所属网格", "网格", "所在村社区"),
    ),
    Column("park", "园区/楼宇", ("所属园区", "园区", "楼宇", "所在楼宇", "园区楼宇")),
    Column("address", "地址", ("企业地址", "经营地址", "注册地址", "详细地址")),
    Column("legal_representative", "法定代表人", ("法人代表", "法人", "负责人")),
    Column("contact_name", "联系人", ("联系人姓名", "企业联系人", "防疫联系人")),
    Column("contact_phone", "联系电话", ("手机", "手机号码", "联系方式", "电话", "联系人电话")),
    Column(
        "industry_code",
        "行业代码",
        ("国民经济行业代码", "行业分类代码", "行业大类代码"),
        kind="code",
    ),
    Column("industry_name", "所属行业", ("行业", "行业大类", "行业类别", "国民经济行业")),
    Column("category", "统计类别", ("企业类别", "类别", "企业类型", "统计分类")),
    Column(
        "employee_count",
        "员工人数",
        # The NBS statistical reports' terms (一套表: 从业人员期末人数, 年末从业人员).
        (
            "职工人数",
            "从业人员",
            "员工总数",
            "从业人数",
            "职工总数",
            "从业人员数",
            "从业人员期末人数",
            "期末从业人员",
            "期末从业人数",
            "年末从业人员",
            "年末从业人员数",
        ),
        kind="int",
    ),
    Column(
        "revenue_last_year",
        "上年营业收入(万元)",
        ("营业收入", "主营业务收入", "上年营收", "上年营业收入", "营业收入(万元)"),
        kind="decimal",
    ),
    Column(
        "tax_paid_last_year",
        "上年纳税(万元)",
        ("纳税额", "上年纳税额", "上年纳税", "税收", "纳税(万元)"),
        kind="decimal",
    ),
    Column("tier", "重点层级", ("企业层级", "分级", "帮扶层级", "重点企业类别")),
    Column("ledger", "台账类别", ("复工类别", "生产状态", "台账", "复工复产情况")),
    Column(
        "resumed_on",
        "复工日期",
        ("已复工日期", "复工时间", "复产日期", "复工复产日期"),
        kind="date",
    ),
    Column(
        "returned_count",
        "返岗人数",
        (
            "已返岗人数",
            "到岗人数",
            "返岗员工数",
            "复工人数",
            "返岗人员",
            "返岗人员数",
            "已到岗人数",
        ),
        kind="int",
    ),
    Column("closed_management", "可封闭管理", ("封闭管理", "能否封闭管理"), kind="bool"),
    Column("has_canteen", "有食堂", ("食堂", "是否有食堂"), kind="bool"),
    Column("has_dormitory", "有宿舍", ("宿舍", "是否有宿舍", "员工宿舍"), kind="bool"),
    Column("has_commuter_bus", "有通勤班车", ("通勤班车", "班车", "是否有班车"), kind="bool"),
    Column("has_isolation_room", "有隔离室", ("隔离室", "隔离观察室", "是否有隔离室"), kind="bool"),
    Column("remarks", "备注", ("说明",)),
]
BY_FIELD = {c.field: c for c in COLUMNS}
