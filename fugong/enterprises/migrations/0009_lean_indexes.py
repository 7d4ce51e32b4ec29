"""Two indexes of the enterprise table go, each the first column of a composite index that
serves the same queries: jurisdiction (enterprise_scope_filters, enterprise_place_name) and
name (enterprise_name_place; on PostgreSQL also its LIKE twin: the name search is a
``contains``, which no B-tree serves). Every insert of an import wrote them for no query.
Dropped by name (the same on both databases), not by AlterField, which on SQLite would copy
the whole table."""

import django.db.models.deletion
from django.db import migrations, models

DROPPED = [
    ("enterprises_enterprise_jurisdiction_id_cac80178", "jurisdiction_id"),
    ("enterprises_enterprise_name_f4bb9c0e", "name"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_field_verbose_names"),
        ("enterprises", "0008_move_importbatch_to_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="enterprise",
                    name="jurisdiction",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="enterprises",
                        to="accounts.jurisdiction",
                        verbose_name="jurisdiction",
                    ),
                ),
                migrations.AlterField(
                    model_name="enterprise",
                    name="name",
                    field=models.CharField(max_length=200, verbose_name="enterprise name"),
                ),
            ],
            database_operations=[
                *(
                    migrations.RunSQL(
                        f"DROP INDEX IF EXISTS {index}",
                        reverse_sql=f"CREATE INDEX {index} ON enterprises_enterprise ({column})",
                    )
                    for index, column in DROPPED
                ),
                # PostgreSQL's pattern-ops twin of the name index (none on SQLite).
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS enterprises_enterprise_name_f4bb9c0e_like",
                    reverse_sql=migrations.RunSQL.noop,
                ),
            ],
        ),
    ]
