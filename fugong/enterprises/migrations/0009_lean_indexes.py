"""The index of the enterprise's name alone goes: enterprise_name_place starts with it, and
on PostgreSQL its LIKE twin too (the name search is a ``contains``, which no B-tree serves).
Every insert of an import wrote them for no query. Dropped by name (the same on both
databases), not by AlterField, which on SQLite would copy the whole table. (The index of the
jurisdiction alone stays: dropped, a county's filtered list on PostgreSQL read the whole
table, 25 ms, instead of its places' rows.)"""

from django.db import migrations, models

LIKE_INDEX = "enterprises_enterprise_name_f4bb9c0e_like"


def drop_like(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {LIKE_INDEX}")


def restore_like(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {LIKE_INDEX} "
            "ON enterprises_enterprise (name varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0008_move_importbatch_to_core")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="enterprise",
                    name="name",
                    field=models.CharField(max_length=200, verbose_name="enterprise name"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS enterprises_enterprise_name_f4bb9c0e",
                    reverse_sql=(
                        "CREATE INDEX enterprises_enterprise_name_f4bb9c0e "
                        "ON enterprises_enterprise (name)"
                    ),
                ),
                # PostgreSQL's pattern-ops twin of the name index (none on SQLite).
                migrations.RunPython(drop_like, restore_like),
            ],
        ),
    ]
