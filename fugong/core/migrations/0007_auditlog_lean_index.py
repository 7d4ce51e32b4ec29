"""The audit log's index of content type alone goes: the index of (content type, object, time)
starts with it. Dropped by name (the same on both databases), not by AlterField, which on
SQLite would copy the whole audit log into a new table."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0006_headermapping_scope_whole_path"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditlog",
                    name="content_type",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="contenttypes.contenttype",
                        verbose_name="content type",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS core_auditlog_content_type_id_0a26d6b4",
                    reverse_sql=(
                        "CREATE INDEX core_auditlog_content_type_id_0a26d6b4 "
                        "ON core_auditlog (content_type_id)"
                    ),
                ),
            ],
        ),
    ]
