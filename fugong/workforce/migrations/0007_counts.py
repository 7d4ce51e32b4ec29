"""The counts the health overview reads (issue 13: the 未报 list of a county of 600,000 people
in ≤ 100 ms): ``StaffCount`` (an enterprise's people expected to check in: at work, under
observation, working from home) and ``CheckInTally`` (how many of them checked in, for each
of the last four half-days), kept by triggers on the employees and the check-ins, so that
every writer keeps them: the forms, the import's COPY, the bulk API's one statement, Django's
cascades. On PostgreSQL the triggers run once a statement over its rows (transition tables;
the check-ins' table is partitioned, 0006), on SQLite once a row. A person whose status
changes whether they are expected (a row trigger on both, run only then) moves their
check-ins of the tallied half-days with them. Rows moved between
partitions and partitions dropped (the retention, months past) touch no tallied half-day.
The counts are filled from the data there on migrating. And the partial index of the abnormal
readings is by day and time, latest first (was: day and half-day): the overview's latest 100
of a county's day are read in order, not all sorted."""

# ruff: noqa: E501, S608

import datetime

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone

# Frozen here as they were when this migration was written (models.COUNTED_STATUSES).
EXPECTED = "('at_work', 'observing', 'remote')"
PG_SLOT = "(((({d} - DATE '2000-01-01') * 2 + {h}) % 4) + 4) % 4"
SQLITE_SLOT = "((CAST(julianday({d}) - 2451544.5 AS INTEGER) * 2 + {h}) % 4 + 4) % 4"

PG_FUNCTIONS = {
    "workforce_counts_employees_added": f"""
        INSERT INTO workforce_staffcount (enterprise_id, expected)
        SELECT enterprise_id, count(*) FROM added WHERE work_status IN {EXPECTED}
        GROUP BY enterprise_id
        ON CONFLICT (enterprise_id) DO UPDATE
        SET expected = workforce_staffcount.expected + excluded.expected;""",
    "workforce_counts_employees_removed": f"""
        UPDATE workforce_staffcount s SET expected = s.expected - r.n
        FROM (SELECT enterprise_id, count(*) AS n FROM removed WHERE work_status IN {EXPECTED}
              GROUP BY enterprise_id) r
        WHERE s.enterprise_id = r.enterprise_id;""",
    # One person who became expected or stopped being (or moved): the count, and their
    # check-ins of the tallied half-days (a row trigger: run only for such a change).
    "workforce_counts_employee_changed": f"""
        IF OLD.work_status IN {EXPECTED}
           AND (NEW.work_status NOT IN {EXPECTED} OR NEW.enterprise_id <> OLD.enterprise_id) THEN
            UPDATE workforce_staffcount SET expected = expected - 1
            WHERE enterprise_id = OLD.enterprise_id;
            UPDATE workforce_checkintally t SET checked = t.checked - 1
            WHERE t.enterprise_id = OLD.enterprise_id AND EXISTS (
                SELECT 1 FROM workforce_checkin c
                WHERE c.employee_id = OLD.id AND c.day = t.day AND c.half = t.half);
        END IF;
        IF NEW.work_status IN {EXPECTED}
           AND (OLD.work_status NOT IN {EXPECTED} OR NEW.enterprise_id <> OLD.enterprise_id) THEN
            INSERT INTO workforce_staffcount (enterprise_id, expected)
            VALUES (NEW.enterprise_id, 1)
            ON CONFLICT (enterprise_id) DO UPDATE
            SET expected = workforce_staffcount.expected + 1;
            UPDATE workforce_checkintally t SET checked = t.checked + 1
            WHERE t.enterprise_id = NEW.enterprise_id AND EXISTS (
                SELECT 1 FROM workforce_checkin c
                WHERE c.employee_id = NEW.id AND c.day = t.day AND c.half = t.half);
        END IF;""",
    # A later half-day takes its slot over; of two half-days of one slot in one statement,
    # the later counts.
    "workforce_counts_checkins_added": f"""
        INSERT INTO workforce_checkintally AS t (enterprise_id, slot, day, half, checked)
        SELECT DISTINCT ON (enterprise_id, slot) enterprise_id, slot, day, half, n
        FROM (SELECT e.enterprise_id, {PG_SLOT.format(d="a.day", h="a.half")} AS slot,
                     a.day, a.half, count(*) AS n
              FROM added a JOIN workforce_employee e ON e.id = a.employee_id
              WHERE e.work_status IN {EXPECTED}
              GROUP BY e.enterprise_id, a.day, a.half) g
        ORDER BY enterprise_id, slot, day DESC, half DESC
        ON CONFLICT (enterprise_id, slot) DO UPDATE SET
            checked = CASE
                WHEN (excluded.day, excluded.half) = (t.day, t.half) THEN t.checked + excluded.checked
                WHEN (excluded.day, excluded.half) > (t.day, t.half) THEN excluded.checked
                ELSE t.checked END,
            day = CASE WHEN (excluded.day, excluded.half) > (t.day, t.half)
                       THEN excluded.day ELSE t.day END,
            half = CASE WHEN (excluded.day, excluded.half) > (t.day, t.half)
                        THEN excluded.half ELSE t.half END;""",
    "workforce_counts_checkins_removed": f"""
        UPDATE workforce_checkintally t SET checked = t.checked - d.n
        FROM (SELECT e.enterprise_id, r.day, r.half, count(*) AS n
              FROM removed r JOIN workforce_employee e ON e.id = r.employee_id
              WHERE e.work_status IN {EXPECTED}
              GROUP BY e.enterprise_id, r.day, r.half) d
        WHERE t.enterprise_id = d.enterprise_id AND t.day = d.day AND t.half = d.half;""",
}
PG_FUNCTIONS["workforce_counts_checkins_changed"] = (
    PG_FUNCTIONS["workforce_counts_checkins_removed"]
    + PG_FUNCTIONS["workforce_counts_checkins_added"]
)
# (trigger and its function, table, event, what it runs for). Once a statement over its rows
# (transition tables), but a change of a person's status: once a row, and only when it
# changes whether they are expected (a bulk update of other columns costs nothing).
_ADDED = "REFERENCING NEW TABLE AS added FOR EACH STATEMENT"
_REMOVED = "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT"
PG_TRIGGERS = [
    ("workforce_counts_employees_added", "workforce_employee", "INSERT", _ADDED),
    ("workforce_counts_employees_removed", "workforce_employee", "DELETE", _REMOVED),
    (
        "workforce_counts_employee_changed",
        "workforce_employee",
        "UPDATE OF work_status, enterprise_id",
        f"FOR EACH ROW WHEN ((OLD.work_status IN {EXPECTED}) IS DISTINCT FROM "
        f"(NEW.work_status IN {EXPECTED}) OR OLD.enterprise_id IS DISTINCT FROM NEW.enterprise_id)",
    ),
    ("workforce_counts_checkins_added", "workforce_checkin", "INSERT", _ADDED),
    ("workforce_counts_checkins_removed", "workforce_checkin", "DELETE", _REMOVED),
    (
        "workforce_counts_checkins_changed",
        "workforce_checkin",
        "UPDATE",
        "REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT",
    ),
]

_NEWER = "(excluded.day > day OR (excluded.day = day AND excluded.half > half))"
_SQLITE_CHECKIN_ADDED = f"""
    INSERT INTO workforce_checkintally (enterprise_id, slot, day, half, checked)
    SELECT enterprise_id, {SQLITE_SLOT.format(d="NEW.day", h="NEW.half")}, NEW.day, NEW.half, 1
    FROM workforce_employee WHERE id = NEW.employee_id AND work_status IN {EXPECTED}
    ON CONFLICT (enterprise_id, slot) DO UPDATE SET
        checked = CASE WHEN excluded.day = day AND excluded.half = half THEN checked + 1
                       WHEN {_NEWER} THEN 1 ELSE checked END,
        day = CASE WHEN {_NEWER} THEN excluded.day ELSE day END,
        half = CASE WHEN {_NEWER} THEN excluded.half ELSE half END;"""
_SQLITE_CHECKIN_REMOVED = f"""
    UPDATE workforce_checkintally SET checked = checked - 1
    WHERE day = OLD.day AND half = OLD.half AND enterprise_id = (
        SELECT enterprise_id FROM workforce_employee
        WHERE id = OLD.employee_id AND work_status IN {EXPECTED});"""
_SQLITE_MOVED = """
    UPDATE workforce_checkintally SET checked = checked {sign} 1
    WHERE {who}.work_status IN {expected} AND enterprise_id = {who}.enterprise_id
      AND EXISTS (SELECT 1 FROM workforce_checkin c WHERE c.employee_id = {who}.id
                  AND c.day = workforce_checkintally.day AND c.half = workforce_checkintally.half);"""
SQLITE_TRIGGERS = {
    "workforce_counts_employees_added": f"""
        AFTER INSERT ON workforce_employee WHEN NEW.work_status IN {EXPECTED} BEGIN
        INSERT INTO workforce_staffcount (enterprise_id, expected) VALUES (NEW.enterprise_id, 1)
        ON CONFLICT (enterprise_id) DO UPDATE SET expected = expected + 1; END""",
    "workforce_counts_employees_removed": f"""
        AFTER DELETE ON workforce_employee WHEN OLD.work_status IN {EXPECTED} BEGIN
        UPDATE workforce_staffcount SET expected = expected - 1
        WHERE enterprise_id = OLD.enterprise_id; END""",
    "workforce_counts_employee_changed": f"""
        AFTER UPDATE OF work_status, enterprise_id ON workforce_employee
        WHEN (OLD.work_status IN {EXPECTED}) <> (NEW.work_status IN {EXPECTED})
          OR OLD.enterprise_id <> NEW.enterprise_id BEGIN
        UPDATE workforce_staffcount SET expected = expected - 1
        WHERE enterprise_id = OLD.enterprise_id AND OLD.work_status IN {EXPECTED};
        INSERT INTO workforce_staffcount (enterprise_id, expected)
        SELECT NEW.enterprise_id, 1 WHERE NEW.work_status IN {EXPECTED}
        ON CONFLICT (enterprise_id) DO UPDATE SET expected = expected + 1;
        {_SQLITE_MOVED.format(sign="-", who="OLD", expected=EXPECTED)}
        {_SQLITE_MOVED.format(sign="+", who="NEW", expected=EXPECTED)} END""",
    "workforce_counts_checkins_added": f"""
        AFTER INSERT ON workforce_checkin BEGIN {_SQLITE_CHECKIN_ADDED} END""",
    "workforce_counts_checkins_removed": f"""
        AFTER DELETE ON workforce_checkin BEGIN {_SQLITE_CHECKIN_REMOVED} END""",
    "workforce_counts_checkins_changed": f"""
        AFTER UPDATE OF employee_id, day, half ON workforce_checkin BEGIN
        {_SQLITE_CHECKIN_REMOVED} {_SQLITE_CHECKIN_ADDED} END""",
}


def fill(cursor, vendor: str) -> None:
    """The counts of the data there: the expected people, and the check-ins of today and
    yesterday (four half-days: four slots)."""
    today = timezone.localdate()
    slot = (PG_SLOT if vendor == "postgresql" else SQLITE_SLOT).format(d="c.day", h="c.half")
    slot = slot.replace("%", "%%")  # a query with parameters
    cursor.execute(
        "INSERT INTO workforce_staffcount (enterprise_id, expected) "
        f"SELECT enterprise_id, count(*) FROM workforce_employee WHERE work_status IN {EXPECTED} "
        "GROUP BY enterprise_id"
    )
    cursor.execute(
        "INSERT INTO workforce_checkintally (enterprise_id, slot, day, half, checked) "
        f"SELECT e.enterprise_id, {slot}, c.day, c.half, count(*) "
        "FROM workforce_checkin c JOIN workforce_employee e ON e.id = c.employee_id "
        f"WHERE e.work_status IN {EXPECTED} AND c.day IN (%s, %s) "
        "GROUP BY e.enterprise_id, c.day, c.half",
        [(today - datetime.timedelta(days=1)).isoformat(), today.isoformat()],
    )


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            for name, body in PG_FUNCTIONS.items():
                cursor.execute(
                    f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                    f"BEGIN {body} RETURN NULL; END $$"
                )
            for name, table, event, each in PG_TRIGGERS:
                cursor.execute(
                    f"CREATE TRIGGER {name} AFTER {event} ON {table} {each} "
                    f"EXECUTE FUNCTION {name}()"
                )
        elif vendor == "sqlite":
            for name, body in SQLITE_TRIGGERS.items():
                cursor.execute(f"CREATE TRIGGER {name} {body}")
        else:
            return
        fill(cursor, vendor)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            for name, table, _event, _each in PG_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        elif vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0009_lean_indexes"),
        ("workforce", "0006_checkin_partitions"),
    ]

    operations = [
        migrations.CreateModel(
            name="StaffCount",
            fields=[
                (
                    "enterprise",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="enterprises.enterprise",
                        verbose_name="enterprise",
                    ),
                ),
                ("expected", models.IntegerField(default=0, verbose_name="expected to check in")),
            ],
            options={
                "verbose_name": "staff count",
                "verbose_name_plural": "staff counts",
            },
        ),
        migrations.CreateModel(
            name="CheckInTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slot", models.PositiveSmallIntegerField(verbose_name="slot")),
                ("day", models.DateField(verbose_name="day")),
                (
                    "half",
                    models.PositiveSmallIntegerField(
                        choices=[(0, "Morning"), (1, "Afternoon")], verbose_name="half-day"
                    ),
                ),
                ("checked", models.IntegerField(default=0, verbose_name="checked in")),
                (
                    "enterprise",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="checkin_tallies",
                        to="enterprises.enterprise",
                        verbose_name="enterprise",
                    ),
                ),
            ],
            options={
                "verbose_name": "check-in tally",
                "verbose_name_plural": "check-in tallies",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("enterprise", "slot"), name="workforce_tally_slot"
                    )
                ],
            },
        ),
        # The day's abnormal readings, latest first (the overview lists the latest 100).
        migrations.RemoveIndex(
            model_name="checkin",
            name="workforce_checkin_abnormal",
        ),
        migrations.AddIndex(
            model_name="checkin",
            index=models.Index(
                condition=models.Q(("abnormal", True)),
                fields=["day", "-at"],
                name="workforce_checkin_abnormal_at",
            ),
        ),
        migrations.RunPython(install, uninstall),
    ]
