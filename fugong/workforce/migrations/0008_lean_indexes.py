"""Fewer indexes on the roster's tables, which every roster import writes (issue 13: 100,000
people in ≤ 10 s):

- The entry's index of its enterprise alone goes: the once-per-enterprise and the roster
  indexes start with the enterprise.
- The hashes' LIKE twins go (PostgreSQL: Django adds a ``varchar_pattern_ops`` index beside a
  unique or ``db_index`` CharField; a hash is only ever compared whole). The phone hash's
  index is now declared in ``Meta`` and the ID number hash's uniqueness is a constraint, so
  Django adds no twin. On PostgreSQL the existing index and unique constraint are renamed,
  not built again; on SQLite (no twins) the column's own UNIQUE stays: dropping it would copy
  the table.

Done by name, not by AlterField: on SQLite AlterField copies the table, and copying the
entries' table would drop the counts' triggers (0007)."""

from django.db import migrations, models

OLD_ENTERPRISE = "workforce_employee_enterprise_id_4144b296"
OLD_PHONE = "workforce_employee_phone_hash_7e06e1f4"
PHONE = "workforce_employee_phone"
OLD_ID_LIKE = "workforce_person_id_hash_49f26aa6_like"
ID_UNIQUE = "workforce_person_once_per_number"


def _id_hash_unique(cursor) -> list[str]:
    """The unique constraint(s) on workforce_person (id_hash) alone (PostgreSQL)."""
    cursor.execute(
        "SELECT c.conname FROM pg_constraint c JOIN pg_attribute a "
        "ON a.attrelid = c.conrelid AND a.attnum = ALL (c.conkey) "
        "WHERE c.conrelid = 'workforce_person'::regclass AND c.contype = 'u' "
        "AND a.attname = 'id_hash'"
    )
    return [row[0] for row in cursor.fetchall()]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    run = schema_editor.execute
    run(f"DROP INDEX IF EXISTS {OLD_ENTERPRISE}")
    if vendor == "postgresql":
        run(f"DROP INDEX IF EXISTS {OLD_PHONE}_like")
        run(f"ALTER INDEX {OLD_PHONE} RENAME TO {PHONE}")
        run(f"DROP INDEX IF EXISTS {OLD_ID_LIKE}")
        with schema_editor.connection.cursor() as cursor:
            names = _id_hash_unique(cursor)
        if names:
            run(f"ALTER TABLE workforce_person RENAME CONSTRAINT {names[0]} TO {ID_UNIQUE}")
        else:
            run(f"ALTER TABLE workforce_person ADD CONSTRAINT {ID_UNIQUE} UNIQUE (id_hash)")
    else:
        run(f"DROP INDEX IF EXISTS {OLD_PHONE}")
        run(f"CREATE INDEX {PHONE} ON workforce_employee (phone_hash)")


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    run = schema_editor.execute
    run(f"CREATE INDEX {OLD_ENTERPRISE} ON workforce_employee (enterprise_id)")
    if vendor == "postgresql":
        run(f"ALTER INDEX {PHONE} RENAME TO {OLD_PHONE}")
        run(f"CREATE INDEX {OLD_PHONE}_like ON workforce_employee (phone_hash varchar_pattern_ops)")
        run(
            f"ALTER TABLE workforce_person RENAME CONSTRAINT {ID_UNIQUE} "
            "TO workforce_person_id_hash_key"
        )
        run(f"CREATE INDEX {OLD_ID_LIKE} ON workforce_person (id_hash varchar_pattern_ops)")
    else:
        run(f"DROP INDEX {PHONE}")
        run(f"CREATE INDEX {OLD_PHONE} ON workforce_employee (phone_hash)")


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0010_green_channel"),
        ("workforce", "0007_counts"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="employee",
                    name="enterprise",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.CASCADE,
                        related_name="employees",
                        to="enterprises.enterprise",
                        verbose_name="enterprise",
                    ),
                ),
                migrations.AlterField(
                    model_name="employee",
                    name="phone_hash",
                    field=models.CharField(blank=True, max_length=64, verbose_name="phone hash"),
                ),
                migrations.AlterField(
                    model_name="person",
                    name="id_hash",
                    field=models.CharField(max_length=64, verbose_name="ID number hash"),
                ),
                migrations.AddIndex(
                    model_name="employee",
                    index=models.Index(fields=["phone_hash"], name=PHONE),
                ),
                migrations.AddConstraint(
                    model_name="person",
                    constraint=models.UniqueConstraint(fields=("id_hash",), name=ID_UNIQUE),
                ),
            ],
            database_operations=[migrations.RunPython(forward, backward)],
        ),
    ]
