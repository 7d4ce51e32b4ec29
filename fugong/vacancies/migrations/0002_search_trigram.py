"""On PostgreSQL, a trigram index on the search key (pg_trgm, a trusted extension since
PostgreSQL 13): the public board's "contains" search finds the rare matches without reading
every vacancy. SQLite has no such index (the search scans the key column)."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS vacancy_search_trgm ON vacancies_vacancy "
    "USING gin (search_key gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS vacancy_search_trgm"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("vacancies", "0001_initial")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
