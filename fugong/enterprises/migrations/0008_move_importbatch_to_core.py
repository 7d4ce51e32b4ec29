from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0007_enterprise_name_place"),
        ("core", "0004_importbatch_headermapping"),
    ]

    # The import batch became the import engine's (core.ImportBatch); its table stays where
    # it is, only the state leaves.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ImportBatch")],
            database_operations=[],
        ),
    ]
