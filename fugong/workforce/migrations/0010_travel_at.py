"""When a travel history was written (``Employee.travel_at``): retention deletes it a period
after that, not a period after the entry's last change of any kind. The histories on file
count from their entry's last change (the best known)."""

from django.db import migrations, models
from django.db.models import F


def from_last_change(apps, schema_editor):
    Employee = apps.get_model("workforce", "Employee")
    Employee.objects.exclude(travel_14d="").update(travel_at=F("updated_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("workforce", "0009_hash_collation_account_index"),
    ]

    operations = [
        # A nullable column without default: SQLite adds it in place (no copy of the table,
        # whose triggers keep the counts, migration 0007).
        migrations.AddField(
            model_name="employee",
            name="travel_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="travel history written"
            ),
        ),
        migrations.RunPython(from_last_change, migrations.RunPython.noop),
    ]
