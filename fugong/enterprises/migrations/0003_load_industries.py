"""Load GB/T 4754-2017 门类 and 大类 from fugong/enterprises/data/gbt4754_2017.csv."""

from django.db import migrations

from fugong.enterprises.industries import load_industries


def load(apps, schema_editor):
    load_industries(apps.get_model("enterprises", "Industry"))


def unload(apps, schema_editor):
    apps.get_model("enterprises", "Industry").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0002_registry")]
    operations = [migrations.RunPython(load, unload)]
