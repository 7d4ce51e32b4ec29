"""The tally's index of jurisdiction alone goes: stats_tally_key starts with it, and every
bulk load wrote both. Dropped by name (the same on both databases), not by AlterField,
which on SQLite would copy the table."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_field_verbose_names"),
        ("stats", "0005_move_reporting_and_reports"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="tally",
                    name="jurisdiction",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="accounts.jurisdiction",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS stats_tally_jurisdiction_id_98aad02c",
                    reverse_sql=(
                        "CREATE INDEX stats_tally_jurisdiction_id_98aad02c "
                        "ON stats_tally (jurisdiction_id)"
                    ),
                ),
            ],
        ),
    ]
