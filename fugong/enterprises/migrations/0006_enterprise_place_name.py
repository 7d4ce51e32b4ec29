from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0005_field_verbose_names"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="enterprise",
            index=models.Index(fields=["jurisdiction", "name", "id"], name="enterprise_place_name"),
        ),
    ]
