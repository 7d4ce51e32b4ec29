from django.db import migrations


def forwards(apps, schema_editor):
    from fugong.resumption.policy import create_default_routing, create_default_rules

    create_default_routing(apps.get_model("resumption", "RoutingRule"))
    create_default_rules(apps.get_model("resumption", "FilingRule"))


class Migration(migrations.Migration):
    dependencies = [("resumption", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
