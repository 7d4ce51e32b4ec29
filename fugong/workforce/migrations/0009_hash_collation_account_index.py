"""Cheaper inserts into the roster's tables (issue 13: 100,000 people in ≤ 10 s):

- The entry's account (``user``) is indexed only where there is one (a partial index): most
  entries have none, and an import of 100,000 wrote as many empty keys.
- PostgreSQL: the ID number's and the phone's hashes compare byte by byte (``COLLATE "C"``):
  hex digits have no language, and the database's collation (C.UTF-8, zh_CN.UTF-8 …) made
  every insert into their indexes compare with the locale's rules. Equality, the only use,
  answers the same. SQLite compares bytes already. Not in the model (SQLite has no collation
  named "C"): a later AlterField of these columns must keep it.

Done in SQL by name: on SQLite an AlterField would copy the entries' table and drop the
counts' triggers (0007)."""

from django.db import migrations, models
from django.db.models import Q

OLD_USER = "workforce_employee_user_id_35c6c1e8"
ACCOUNT = "workforce_employee_account"
HASHES = (("workforce_person", "id_hash"), ("workforce_employee", "phone_hash"))


def forward(apps, schema_editor):
    run = schema_editor.execute
    run(f"DROP INDEX IF EXISTS {OLD_USER}")
    run(f"CREATE INDEX {ACCOUNT} ON workforce_employee (user_id) WHERE user_id IS NOT NULL")
    if schema_editor.connection.vendor == "postgresql":
        for table, column in HASHES:
            run(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar(64) COLLATE "C"')


def backward(apps, schema_editor):
    run = schema_editor.execute
    run(f"DROP INDEX IF EXISTS {ACCOUNT}")
    run(f"CREATE INDEX {OLD_USER} ON workforce_employee (user_id)")
    if schema_editor.connection.vendor == "postgresql":
        for table, column in HASHES:
            run(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar(64) COLLATE "default"')


class Migration(migrations.Migration):
    dependencies = [
        ("workforce", "0008_lean_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="employee",
                    name="user",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=models.SET_NULL,
                        related_name="employments",
                        to="accounts.user",
                        verbose_name="account",
                    ),
                ),
                migrations.AddIndex(
                    model_name="employee",
                    index=models.Index(
                        condition=Q(user__isnull=False), fields=["user"], name=ACCOUNT
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forward, backward)],
        ),
    ]
