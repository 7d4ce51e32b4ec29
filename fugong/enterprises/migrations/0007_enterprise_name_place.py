from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0006_enterprise_place_name"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="enterprise",
            index=models.Index(fields=["name", "id", "jurisdiction"], name="enterprise_name_place"),
        ),
    ]
