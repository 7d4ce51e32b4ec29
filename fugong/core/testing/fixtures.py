"""Data built once per test class (Django's ``setUpTestData``, for pytest): the build runs in a
transaction that stays open while the class's tests run, each in a savepoint of its own, and
is rolled back after the last one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from django.db import transaction

T = TypeVar("T")


def built_for_the_class(django_db_blocker, build: Callable[[], T]) -> Iterator[T]:
    """Use from a ``scope="class"`` fixture: ``yield from built_for_the_class(blocker, build)``.
    Tests must not keep changes to the objects built in memory (refetch what they change)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
