"""Version 1 of the post-resumption, work-safety and restaurant checklists (seeds 000, 004)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from fugong.inspections.checklists import create_templates

    create_templates(
        apps.get_model("inspections", "ChecklistTemplate"),
        apps.get_model("inspections", "ChecklistItem"),
    )


class Migration(migrations.Migration):
    dependencies = [("inspections", "0004_inspections")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
