"""Notice numbers (复工复产通知书文号): prefix〔year〕NNNN号, one sequence per numbering
jurisdiction and year, never duplicated nor skipped, also when several approvers issue at the
same moment (PostgreSQL only: SQLite serialises every writer anyway). The data is a small county
of its own (fugong.resumption.testing.build_casts with a fourth town in the county's approval
mode), built once for a class, or committed within the one transactional test."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from fugong.accounts.choices import Role
from fugong.accounts.models import User
from fugong.accounts.testing import person
from fugong.core import numbering
from fugong.core.errors import Conflict
from fugong.core.testing import world_fixtures
from fugong.resumption import policy, services
from fugong.resumption.choices import Mode, Status
from fugong.resumption.models import Filing, Notice, ResumptionPolicy
from fugong.resumption.testing import (
    Casts,
    add_approval_town,
    add_cast,
    build_casts,
    days,
    drive,
    new_filing,
)

S = Status
NUMBER = re.compile(r"^(?P<prefix>.+)〔(?P<year>\d{4})〕(?P<seq>\d{4,})号$")


def _build() -> Casts:
    """``build_casts()`` and town 4, approval mode by the county's policy, with the cast
    ``approval_town4``."""
    casts = build_casts()
    add_approval_town(casts)
    return casts


_built, world = world_fixtures(_build)


def year() -> int:
    return timezone.localtime(timezone.now()).year


def last_number(jurisdiction) -> int:
    return numbering.last(services.NOTICE, jurisdiction, year())


def test_format():
    assert services.format_notice_number("青溪复工", 2026, 7) == "青溪复工〔2026〕0007号"
    assert services.format_notice_number("青溪复工", 2026, 123) == "青溪复工〔2026〕0123号"
    assert services.format_notice_number("X", 2027, 12345) == "X〔2027〕12345号"
    m = NUMBER.match(services.format_notice_number("青溪城关街道复工", 2026, 1))
    assert m and m["prefix"] == "青溪城关街道复工" and m["year"] == "2026" and m["seq"] == "0001"


class TestNumbers:
    """On the county built once for the class (a class, not the module: the transactional test
    below must not run inside the build's open transaction)."""

    def test_numbers_run_per_jurisdiction_and_year(self, world):
        town01, town4 = world.county.place(1), world.county.place(4)
        assert [services.next_notice_number(town01, 2031) for _ in range(3)] == [1, 2, 3]
        assert services.next_notice_number(town4, 2031) == 1
        assert services.next_notice_number(town01, 2032) == 1
        assert services.next_notice_number(town01, 2031) == 4
        assert numbering.last(services.NOTICE, town01, 2031) == 4

    def test_issued_numbers_run_in_sequence_by_the_town(self, world):
        ent2, tenant = world[Mode.APPROVAL], world["park_tenant"]  # both of town 1
        town01 = world.county.place(1)
        start = last_number(town01)
        first = new_filing(ent2, S.NOTICE_ISSUED).notice
        second = new_filing(tenant, S.NOTICE_ISSUED).notice
        prefix = policy.notice_prefix(town01)
        assert prefix
        for n, notice in enumerate((first, second), start=start + 1):
            assert (notice.jurisdiction, notice.year, notice.sequence) == (town01, year(), n)
            assert notice.number == f"{prefix}〔{year()}〕{n:04d}号"
            assert NUMBER.match(notice.number)
            assert notice.issued_by == ent2.town_cmd
            assert notice.token and not notice.revoked
        assert last_number(town01) == start + 2
        # Another town keeps its own sequence and its own prefix: numbers never clash.
        c4 = world["approval_town4"]
        town4 = world.county.place(4)
        start04 = last_number(town4)
        third = new_filing(c4, S.NOTICE_ISSUED).notice
        assert (third.jurisdiction, third.sequence) == (town4, start04 + 1)
        assert third.number.startswith(policy.notice_prefix(town4))
        assert policy.notice_prefix(town4) != prefix
        assert len({first.number, second.number, third.number}) == 3
        assert last_number(town01) == start + 2

    def test_early_resumption_is_numbered_by_the_county(self, world):
        c = world[Mode.APPROVAL]
        town01, county = world.county.place(1), world.county.county
        start, start_town = last_number(county), last_number(town01)
        filing = new_filing(c, S.ACCEPTED, planned_date=days(5))
        assert filing.needs_county_approval
        notice = drive(filing, S.NOTICE_ISSUED, c, approver=c.county_cmd).notice
        assert (notice.jurisdiction, notice.sequence) == (county, start + 1)
        # The county's own policy names its prefix (build_casts: 测试复工).
        own = ResumptionPolicy.objects.filter(jurisdiction=county).exclude(notice_prefix="").first()
        assert own is not None
        assert notice.number == services.format_notice_number(own.notice_prefix, year(), start + 1)
        assert last_number(town01) == start_town  # the town's sequence is untouched

    def test_a_towns_own_prefix_is_used(self, world):
        c = world["approval_town4"]
        town4 = world.county.place(4)
        ResumptionPolicy.objects.create(
            jurisdiction=town4,
            mode=Mode.APPROVAL,
            effective_from=days(0),
            notice_prefix="测试4镇复工",
        )
        notice = new_filing(c, S.NOTICE_ISSUED).notice
        assert notice.number == f"测试4镇复工〔{year()}〕{notice.sequence:04d}号"

    def test_a_rolled_back_issue_gives_its_number_back(self, world):
        """The number is taken in the transaction that creates the notice: a failure after it
        leaves no gap."""
        c = world[Mode.APPROVAL]
        town01 = world.county.place(1)
        filing = new_filing(c, S.APPROVED)
        start = last_number(town01)

        class Boom(Exception):
            pass

        with pytest.raises(Boom), transaction.atomic():
            services.notice_issue(actor=c.town_cmd, filing=filing)
            raise Boom
        assert last_number(town01) == start
        assert Filing.objects.get(pk=filing.pk).status == S.APPROVED
        notice = services.notice_issue(actor=c.town_cmd, filing=filing)
        assert notice.sequence == start + 1
        # A second notice for the same filing is impossible.
        with pytest.raises(Conflict):
            services.notice_issue(actor=c.town_cmd, filing=filing)
        assert last_number(town01) == start + 1


# --- at the same moment (PostgreSQL) -----------------------------------------------------------

ON_POSTGRES = connection.vendor == "postgresql"
NOT_POSTGRES = (
    "concurrent approvals need real row locks and a connection per thread: PostgreSQL only "
    f"(this run uses {connection.vendor}; set DATABASE_URL=postgres://...)"
)


def race(*calls) -> list:
    """Run ``calls`` at the same moment, each in its own thread (so its own database
    connection, closed at the end); what each returned or raised, in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung (a deadlock?)"
    return results


def _accepted_early_filings(casts: Casts, n: int) -> list[Filing]:
    """``n`` filings of as many more approval-mode enterprises of town 1 (``add_cast``), planned
    before the county's earliest date (so the county approves and numbers them), taken to
    "passed acceptance"."""
    found = []
    for i in range(n):
        c = add_cast(casts, Mode.APPROVAL, f"race{i}")
        found.append(new_filing(c, S.ACCEPTED, planned_date=days(5)))
    return found


@pytest.mark.skipif(not ON_POSTGRES, reason=NOT_POSTGRES)
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("committed_demo")
class TestAtTheSameMoment:
    """One transactional test only: each empties the database when it ends, and the demo
    county then has to be loaded again (a few seconds). The test builds and commits a county
    of its own (build_casts) and reads no demo row: ``committed_demo`` only loads the session's
    data again, should an earlier transactional test have emptied the database."""

    def test_concurrent_approvals_and_concurrent_reviewers(self):
        casts = build_casts()
        self.two_reviewers_at_once_one_wins_the_other_gets_conflict(casts)
        self.concurrent_approvals_get_unique_contiguous_numbers(casts)  # other enterprises

    def concurrent_approvals_get_unique_contiguous_numbers(self, casts):
        n = 8
        filings = _accepted_early_filings(casts, n)
        assert all(f.needs_county_approval for f in filings)
        county = casts.county.county
        start = last_number(county)

        def approve_and_issue(pk):
            def call():
                actor = User.objects.get(username="w_county_cmd")
                filing = Filing.objects.get(pk=pk)
                filing = services.filing_transition(actor=actor, filing=filing, action="approve")
                return services.notice_issue(actor=actor, filing=filing)

            return call

        results = race(*(approve_and_issue(f.pk) for f in filings))
        errors = [r for r in results if not isinstance(r, Notice)]
        assert not errors, errors
        sequences = sorted(r.sequence for r in results)
        assert sequences == list(range(start + 1, start + n + 1))  # 1..n on a fresh counter
        numbers = [r.number for r in results]
        assert len(set(numbers)) == n
        for notice in results:
            assert notice.number == services.format_notice_number(
                policy.notice_prefix(county), year(), notice.sequence
            )
        assert last_number(county) == start + n
        stored = Notice.objects.filter(jurisdiction=county, year=year())
        assert sorted(stored.values_list("sequence", flat=True)) == list(range(1, start + n + 1))
        assert set(Filing.objects.filter(pk__in=[f.pk for f in filings]).values_list(
            "status", flat=True
        )) == {S.NOTICE_ISSUED}  # fmt: skip

    def two_reviewers_at_once_one_wins_the_other_gets_conflict(self, casts):
        # The approval cast's filing is led by town 1's work safety office (安监办); it gets a
        # second reviewer beside w_t1_ajb.
        c = casts[Mode.APPROVAL]
        office = c.reviewer.memberships.get(role=Role.REVIEWER).office
        person("w_t1_ajb2", Role.REVIEWER, office=office)
        filing = new_filing(c, S.SUBMITTED)
        assert filing.lead_office == office

        def act(username, action, revision=None, reason=""):
            def call():
                return services.filing_transition(
                    actor=User.objects.get(username=username),
                    filing=Filing.objects.get(pk=filing.pk),
                    action=action,
                    reason=reason,
                    revision=revision,
                )

            return call

        # Both start the review at once (no revision sent: the state decides).
        results = race(act("w_t1_ajb", "start_review"), act("w_t1_ajb2", "start_review"))
        winners = [r for r in results if isinstance(r, Filing)]
        losers = [r for r in results if isinstance(r, Conflict)]
        assert (len(winners), len(losers)) == (1, 1), results
        filing.refresh_from_db()
        assert filing.status == S.UNDER_REVIEW
        assert filing.events.filter(action="start_review").count() == 1

        # Both decide on the same page at once: one returns, the other rejects.
        seen = filing.revision
        results = race(
            act("w_t1_ajb", "return", seen, "补充隔离室情况"),
            act("w_t1_ajb2", "reject", seen, "不符合复工条件"),
        )
        winners = [r for r in results if isinstance(r, Filing)]
        losers = [r for r in results if isinstance(r, Conflict)]
        assert (len(winners), len(losers)) == (1, 1), results
        filing.refresh_from_db()
        assert filing.status == winners[0].status
        assert filing.status in (S.RETURNED, S.REJECTED)
        assert filing.revision == seen + 1
        assert filing.events.filter(action__in=["return", "reject"]).count() == 1
