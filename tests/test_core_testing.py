"""The shared checks of fugong.core.testing can fail: each runs against tiny views
(tests/core_testing_urls.py) that hold the property and against ones that break it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from fugong.accounts.models import User
from fugong.accounts.testing import person
from fugong.core.testing import (
    Call,
    FixedQueryCount,
    HidesOutsideScope,
    OneAuditRowPerWrite,
    RefusesWithoutRole,
    Write,
    built_for_the_class,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db, settings):
    settings.ROOT_URLCONF = "tests.core_testing_urls"
    return SimpleNamespace(me=person("w_checker"))


def refusal(url: str) -> RefusesWithoutRole:
    class Check(RefusesWithoutRole):
        def refused_calls(self, w):
            return [Call(w.me, "get", url)]

    return Check()


def test_the_refusal_check_passes_the_shared_403(client, world):
    refusal("/refuses/").test_refused_without_the_role(client, world)


@pytest.mark.parametrize("url", ["/lets-anyone-in/", "/refuses-its-own-way/"])
def test_the_refusal_check_fails_a_view_that_lets_in_or_refuses_its_own_way(client, world, url):
    with pytest.raises(AssertionError):
        refusal(url).test_refused_without_the_role(client, world)


def scope(hidden: str, seen: str) -> HidesOutsideScope:
    class Check(HidesOutsideScope):
        def hidden_calls(self, w):
            return [Call(w.me, "get", hidden)]

        def seen_calls(self, w):
            return [Call(w.me, "get", seen)]

    return Check()


def test_the_scope_check_passes_a_hidden_object(client, world):
    check = scope("/hides/1/", "/shows/1/")
    check.test_hidden_outside_the_scope(client, world)
    check.test_seen_inside_the_scope(client, world)


def test_the_scope_check_fails_a_leak_and_a_wrong_url(client, world):
    check = scope("/shows/1/", "/hides/1/")
    with pytest.raises(AssertionError):
        check.test_hidden_outside_the_scope(client, world)
    with pytest.raises(AssertionError):
        check.test_seen_inside_the_scope(client, world)


def audit(url: str) -> OneAuditRowPerWrite:
    class Check(OneAuditRowPerWrite):
        def writes(self, w):
            return [Write(Call(w.me, "post", url, {"name": "新名字"}), model="accounts.user")]

    return Check()


def test_the_audit_check_passes_one_row_by_the_user(client, world):
    audit("/writes-once/").test_one_audit_row_per_write(client, world)


@pytest.mark.parametrize(
    "url", ["/writes-nothing/", "/writes-twice/", "/writes-as-someone-else/", "/refuses/"]
)
def test_the_audit_check_fails_no_row_two_rows_another_actor_or_a_refusal(client, world, url):
    with pytest.raises(AssertionError):
        audit(url).test_one_audit_row_per_write(client, world)


def queries(url: str) -> FixedQueryCount:
    class Check(FixedQueryCount):
        def query_calls(self, w):
            return [Call(w.me, "get", url)]

        def grow(self, w):
            for n in range(3):
                person(f"w_grown{n}")

    return Check()


def test_the_query_check_passes_a_list_in_one_query(client, world):
    queries("/lists-in-one-query/").test_query_count_fixed_as_the_data_grows(client, world)


def test_the_query_check_fails_a_query_per_row(client, world):
    with pytest.raises(AssertionError, match="queries with"):
        queries("/lists-a-query-per-row/").test_query_count_fixed_as_the_data_grows(client, world)


def test_the_query_check_fails_when_grow_adds_nothing_shown(client, world):
    check = queries("/lists-in-one-query/")
    check.grow = lambda w: None
    with pytest.raises(AssertionError, match="grow"):
        check.test_query_count_fixed_as_the_data_grows(client, world)


def test_the_class_build_is_rolled_back_when_the_class_ends(django_db_blocker):
    build = built_for_the_class(django_db_blocker, lambda: person("w_built_once"))
    assert next(build).username == "w_built_once"
    with django_db_blocker.unblock():
        assert User.objects.filter(username="w_built_once").exists()
    build.close()  # what pytest does after the class's last test
    with django_db_blocker.unblock():
        assert not User.objects.filter(username="w_built_once").exists()


@pytest.fixture(scope="class")
def _built(django_db_setup, django_db_blocker):
    yield from built_for_the_class(django_db_blocker, lambda: person("w_built_for_two"))


class TestEachTestOfTheClassStartsFromTheBuild:
    """The first test renames the built user; the second still finds the name it was built
    with (each test runs in a savepoint of its own, rolled back after it)."""

    changed: list[int] = []

    def test_one_changes_the_built_row(self, db, _built):
        User.objects.filter(pk=_built.pk).update(full_name="改过")
        self.changed.append(_built.pk)

    def test_two_finds_it_as_built(self, db, _built):
        # Run alone (-k two) or on another xdist worker than test_one: nothing to prove, and
        # it says so instead of passing.
        if _built.pk not in self.changed:
            pytest.skip("test_one_changes_the_built_row did not run on this build")
        assert User.objects.get(pk=_built.pk).full_name == "w_built_for_two"
