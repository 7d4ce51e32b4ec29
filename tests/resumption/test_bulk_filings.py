"""The bulk filing generator of the benchmarks: it tops the filings up to a number, every
submitted filing is routed with its lead office among its offices, the same seed gives the
same filings, and the scope still holds (a reviewer's queue holds only filings routed to
their office)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from fugong.accounts.choices import Role
from fugong.accounts.models import Membership
from fugong.demo.bulk_filings import bulk_filings
from fugong.resumption import policy
from fugong.resumption.choices import PENDING_GOVERNMENT, Status
from fugong.resumption.models import Filing
from fugong.resumption.selectors import review_queue

pytestmark = pytest.mark.django_db

ADDED = 30


def new_filings(after: int):
    return Filing.objects.filter(pk__gt=after).order_by("pk")


def signature(after: int) -> list[tuple]:
    return [
        (f.enterprise_id, f.mode, f.status, f.priority, f.stage_due, f.lead_office_id,
         tuple(sorted(o.pk for o in f.routed_offices.all())))
        for f in new_filings(after).prefetch_related("routed_offices")
    ]  # fmt: skip


def test_tops_up_to_the_target_with_routed_filings(demo):
    before = Filing.objects.count()
    last = Filing.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    assert bulk_filings(before + ADDED, seed=3) == ADDED
    assert Filing.objects.count() == before + ADDED
    assert bulk_filings(before + ADDED, seed=3) == 0  # already there

    filings = list(new_filings(last).prefetch_related("routed_offices"))
    assert len(filings) == ADDED
    assert len({f.status for f in filings}) >= 3
    submitted = [f for f in filings if f.submitted_at]
    assert submitted, "some of the new filings were submitted"
    for filing in filings:
        offices = {o.pk for o in filing.routed_offices.all()}
        assert filing.jurisdiction_id == filing.enterprise.jurisdiction_id
        if filing.submitted_at:
            assert filing.lead_office_id in offices, filing
            assert filing.rule_results
            # As on submission, the enterprise is routed to its filing's offices.
            assert offices <= set(filing.enterprise.routed_offices.values_list("pk", flat=True))
            # … and it has the files its mode asks for, each one readable.
            assert policy.missing_attachments(filing) == [], filing
            for attachment in filing.attachments.all():
                with attachment.file.open("rb") as f:
                    assert len(f.read()) == attachment.size > 0
        else:
            assert filing.status in (Status.DRAFT, Status.WITHDRAWN)
            assert not offices and filing.lead_office_id is None
        if filing.status in PENDING_GOVERNMENT:
            assert filing.stage_due is not None


def test_same_seed_same_filings(demo):
    before = Filing.objects.count()
    last = Filing.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with transaction.atomic():
        bulk_filings(before + ADDED, seed=5)
        first = signature(last)
        transaction.set_rollback(True)
    assert Filing.objects.count() == before
    bulk_filings(before + ADDED, seed=5)
    assert signature(last) == first


def test_a_reviewer_queue_holds_only_filings_routed_to_their_office(demo, client, user):
    before = Filing.objects.count()
    last = Filing.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    # Enough filings that some wait for an office with a reviewer, whatever the demo's dates.
    bulk_filings(before + 4 * ADDED, seed=3)

    waiting = new_filings(last).filter(status__in=PENDING_GOVERNMENT)
    assert waiting.exists(), "some new filings wait for a reviewer"
    checked = 0
    for membership in Membership.objects.filter(
        role=Role.REVIEWER, is_active=True, office__isnull=False
    ).select_related("user", "office"):
        reviewer = membership.user
        queue = list(review_queue(user=reviewer).prefetch_related("routed_offices"))
        offices = set(
            reviewer.memberships.filter(is_active=True, office__isnull=False).values_list(
                "office_id", flat=True
            )
        )
        for filing in queue:
            assert offices & {o.pk for o in filing.routed_offices.all()}, (reviewer, filing)
        # Every new filing waiting for one of the reviewer's offices is in their queue.
        expected = set(waiting.filter(routed_offices__in=offices).values_list("pk", flat=True))
        assert expected <= {f.pk for f in queue}
        checked += bool(expected)
    assert checked, "a reviewer has new filings in their queue"

    # The page as a town economy-office reviewer: only filings routed to their office.
    client.force_login(user("town01_jmb"))
    response = client.get(reverse("resumption:queue"))
    assert response.status_code == 200
    office = Membership.objects.get(user__username="town01_jmb", role=Role.REVIEWER).office_id
    for filing in response.context["page"].object_list:
        assert filing.routed_offices.filter(pk=office).exists()
