"""Data built once per test class (Django's ``setUpTestData``, for pytest): the build runs in a
transaction that stays open while the class's tests run, each in a savepoint of its own, and
is rolled back after the last one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
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


def world_fixtures(build: Callable[[], T], *, scope: str = "class"):
    """The two fixtures of a test module whose tests share data built once per class (or
    module): ``_built, world = world_fixtures(build)`` at the module's top level. Tests ask for
    ``world`` (the built data, each test in a savepoint of its own)."""

    @pytest.fixture(scope=scope, name="_built")
    def built(django_db_setup, django_db_blocker) -> Iterator[T]:
        yield from built_for_the_class(django_db_blocker, build)

    @pytest.fixture(name="world")
    def world(db, _built: T) -> T:
        return _built

    return built, world
