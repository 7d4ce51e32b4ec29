"""Categories for what a whistle-blower reports (举报) and an enterprise may ask about too: work
safety (seed 004's 安全生产 checks), epidemic-prevention measures not kept, and food safety
(seed 000's restaurants). Before, such a tip went under 其他 and to the economy office.
The same rows as ``cases.defaults.CATEGORIES`` (which the demo writes again after a flush)."""

from django.db import migrations

CATEGORIES = [
    # code, name, position, (department kind, level) in order: the first leads
    ("work_safety", "安全生产", 110, [("safety", "town"), ("emergency", "county")]),
    ("epidemic_rules", "防疫措施落实", 120, [("health", "county")]),
    ("food_safety", "食品安全", 130, [("food_safety", "town"), ("market", "county")]),
]


def seed(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    Route = apps.get_model("cases", "Route")
    for code, name, position, routes in CATEGORIES:
        category, _made = Category.objects.get_or_create(
            code=code, defaults={"name": name, "position": position}
        )
        for rank, (kind, level) in enumerate(routes, start=1):
            Route.objects.get_or_create(
                jurisdiction=None,
                category=category,
                office_kind=kind,
                defaults={"level": level, "position": rank * 10},
            )


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_tips")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
