"""The tables of requests as data (MISSION C5, issue 14): the categories, the time limits in
working days by nature and urgency (12345 practice: consultation 3, help 5, complaint 10;
urgent 1, 2, 5), and the default dispatch table (county departments by category; other
matters to the town's economy office). Command offices change them; towns may have their own
dispatch rows."""

from django.db import migrations

CATEGORIES = [
    # code, name, (department kind, level) in order: the first leads
    ("labour", "用工", [("hr", "county")]),
    ("logistics", "物流运输", [("transport", "county")]),
    ("supply_chain", "产业链供应链", [("industry", "county")]),
    ("finance", "资金/融资", [("finance", "county")]),
    ("supplies", "防疫物资", [("industry", "county"), ("health", "county")]),
    ("utilities", "用电用水用气", [("power", "county")]),
    ("policy", "政策咨询", [("sme_centre", "county")]),
    ("approvals", "审批办事", [("market", "county")]),
    ("legal", "法律/劳资", [("hr", "county")]),
    ("other", "其他", [("economy", "town")]),
]
LIMITS = [
    ("consult", "normal", 3), ("consult", "urgent", 1),
    ("help", "normal", 5), ("help", "urgent", 2),
    ("complaint", "normal", 10), ("complaint", "urgent", 5),
    ("suggestion", "normal", 10), ("suggestion", "urgent", 5),
]  # fmt: skip


def seed(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    TimeLimit = apps.get_model("cases", "TimeLimit")
    Route = apps.get_model("cases", "Route")
    for position, (code, name, routes) in enumerate(CATEGORIES, start=1):
        category, _made = Category.objects.get_or_create(
            code=code, defaults={"name": name, "position": position * 10}
        )
        for rank, (kind, level) in enumerate(routes, start=1):
            Route.objects.get_or_create(
                jurisdiction=None,
                category=category,
                office_kind=kind,
                defaults={"level": level, "position": rank * 10},
            )
    for nature, urgency, days in LIMITS:
        TimeLimit.objects.get_or_create(
            nature=nature, urgency=urgency, category=None, defaults={"days": days}
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
