"""core.numbering: one sequence per kind, issuing place and year, taken under a row lock."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from fugong.accounts.models import Jurisdiction
from fugong.core import numbering
from fugong.core.models import DocumentCounter

KIND = "tests.letter"


def _two_places():
    return list(Jurisdiction.objects.filter(depth=3).order_by("path")[:2])


def test_sequences_run_per_kind_place_and_year(demo):
    a, b = _two_places()
    assert [numbering.take(KIND, a, 2031) for _ in range(3)] == [1, 2, 3]
    assert numbering.take(KIND, b, 2031) == 1
    assert numbering.take(KIND, a, 2032) == 1
    assert numbering.take("tests.order", a, 2031) == 1
    assert numbering.take(KIND, a, 2031) == 4
    assert numbering.last(KIND, a, 2031) == 4
    assert numbering.last(KIND, b, 2040) == 0


def test_format():
    assert numbering.format_number("青溪复工", 2026, 7) == "青溪复工〔2026〕0007号"
    assert numbering.format_number("X", 2027, 12345) == "X〔2027〕12345号"


def test_a_rollback_gives_the_number_back(demo):
    a, _ = _two_places()
    numbering.take(KIND, a, 2031)
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        assert numbering.take(KIND, a, 2031) == 2
        1 / 0  # noqa: B018
    assert numbering.take(KIND, a, 2031) == 2


def test_seed_raises_counters_never_lowers(demo):
    a, b = _two_places()
    for _ in range(5):
        numbering.take(KIND, a, 2031)
    numbering.seed(DocumentCounter, KIND, [(a.pk, 2031, 3), (b.pk, 2031, 9)])
    assert numbering.last(KIND, a, 2031) == 5
    assert numbering.take(KIND, b, 2031) == 10


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("committed_demo")
def test_concurrent_issuers_get_distinct_contiguous_numbers():
    place = Jurisdiction.objects.filter(depth=3).order_by("path").first()
    n = 12
    barrier = threading.Barrier(n)
    got: list = []

    def issue():
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                got.append(numbering.take(KIND, place, 2031))
        except Exception as exc:  # noqa: BLE001 - reported below
            got.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(got) == list(range(1, n + 1)), got
    assert numbering.last(KIND, place, 2031) == n


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="migrating back and forth inside a test: PostgreSQL"
)
def test_the_notice_migration_seeds_the_counters_from_the_notices(demo):
    """Numbers go on where the notices issued so far stopped, even with their old counter
    rows gone."""
    from django.db.migrations.executor import MigrationExecutor
    from django.db.models import Max

    from fugong.resumption.models import Notice

    given = {
        (j, y): n
        for j, y, n in Notice.objects.values_list("jurisdiction_id", "year")
        .annotate(n=Max("sequence"))
        .order_by()
    }
    assert given, "the demo county has notices"
    before = [("resumption", "0006_field_verbose_names")]
    after = [("resumption", "0007_notice_numbers_in_core")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    old.get_model("resumption", "NoticeCounter").objects.all().delete()
    DocumentCounter.objects.filter(kind="resumption.notice").delete()
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    for (j, y), n in given.items():
        assert numbering.last("resumption.notice", Jurisdiction(pk=j), y) == n
