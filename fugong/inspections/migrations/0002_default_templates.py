from django.db import migrations


def forwards(apps, schema_editor):
    from fugong.inspections.checklists import create_default_templates

    create_default_templates(
        apps.get_model("inspections", "ChecklistTemplate"),
        apps.get_model("inspections", "ChecklistItem"),
    )


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
