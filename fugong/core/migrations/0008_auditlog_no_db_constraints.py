"""The audit log's references (actor, content type) lose their foreign-key constraints in the
database: the log is append-only history (Django still sets the actor to null when a user is
deleted), and on PostgreSQL the two deferred checks of each row cost 0.7 s at the commit of a
100,000-row import. Dropped on PostgreSQL only: on SQLite dropping a constraint copies the
table, and its checks there cost an index look-up each."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FOREIGN_KEYS = {
    "actor_id": ("accounts_user", "id"),
    "content_type_id": ("django_content_type", "id"),
}


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'core_auditlog'::regclass "
            "AND contype = 'f'"
        )
        names = [row[0] for row in cursor.fetchall()]
    for name in names:
        schema_editor.execute(
            f"ALTER TABLE core_auditlog DROP CONSTRAINT {schema_editor.quote_name(name)}"
        )


def restore(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column, (table, target) in FOREIGN_KEYS.items():
        schema_editor.execute(
            f"ALTER TABLE core_auditlog ADD CONSTRAINT core_auditlog_{column}_fk "
            f"FOREIGN KEY ({column}) REFERENCES {table} ({target}) "
            "DEFERRABLE INITIALLY DEFERRED"
        )


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0007_auditlog_lean_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditlog",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="by",
                    ),
                ),
                migrations.AlterField(
                    model_name="auditlog",
                    name="content_type",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="contenttypes.contenttype",
                        verbose_name="content type",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop, restore)],
        ),
    ]
