"""The shared checks (fugong.core.testing) on the request pages and API: a request of one
enterprise, dispatched to the county's HR bureau, with a visit and an urging notice, built
once; users of another enterprise or town get 404 as if it did not exist, those in scope get
it; the roles without a list get the shared 403; each write leaves one audit row by its user."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from fugong.cases import services, visits
from fugong.cases.models import Case, Category
from fugong.core.testing import (
    Call,
    HidesOutsideScope,
    OneAuditRowPerWrite,
    RefusesWithoutRole,
    Write,
    built_for_the_class,
)
from fugong.resumption.testing import add_cast, build_casts

pytestmark = pytest.mark.django_db


def _build():
    casts = build_casts()
    mine, theirs = add_cast(casts, "approval", "chk_mine"), add_cast(casts, "record", "chk_other")
    enterprise = mine.enterprise.memberships.get().enterprise
    case = services.case_raise(
        actor=mine.enterprise,
        enterprise=enterprise,
        category=Category.objects.get(code="labour"),
        title="缺普工",
        text="急需普工。",
    )
    case = services.case_dispatch(actor=mine.town_cmd, case=case, lead=services.route(case)[0])
    Case.objects.filter(pk=case.pk).update(due=timezone.localdate() - datetime.timedelta(days=1))
    services.escalate_overdue()
    visit = visits.visit_plan(actor=mine.inspector, enterprise=enterprise, day=timezone.localdate())
    return SimpleNamespace(
        casts=casts, mine=mine, theirs=theirs, case=Case.objects.get(pk=case.pk), visit=visit
    )


@pytest.fixture(scope="class")
def _built(django_db_setup, django_db_blocker):
    yield from built_for_the_class(django_db_blocker, _build)


class TestRequestChecks(HidesOutsideScope, RefusesWithoutRole, OneAuditRowPerWrite):
    @pytest.fixture
    def world(self, db, _built):
        return _built

    def _objects(self, w):
        urge = w.case.urges.get()
        return [
            reverse("cases:detail", args=[w.case.pk]),
            reverse("cases:urge", args=[urge.pk]),
            reverse("cases:visit", args=[w.visit.pk]),
            f"/api/v1/cases/{w.case.pk}",
        ]

    def hidden_calls(self, w):
        for user in (w.theirs.enterprise, w.theirs.town_cmd, w.theirs.inspector):
            for url in self._objects(w):
                yield Call(user, "get", url)

    def seen_calls(self, w):
        yield Call(w.mine.enterprise, "get", reverse("cases:detail", args=[w.case.pk]))
        yield Call(w.mine.town_cmd, "get", reverse("cases:detail", args=[w.case.pk]))
        yield Call(w.casts.county["w_county_rsj"], "get", f"/api/v1/cases/{w.case.pk}")
        yield Call(w.casts.county["w_county_rsj"], "get", self._objects(w)[1])
        yield Call(w.mine.inspector, "get", reverse("cases:visit", args=[w.visit.pk]))

    def refused_calls(self, w):
        yield Call(w.mine.enterprise, "get", reverse("cases:queue"))
        yield Call(w.mine.enterprise, "get", reverse("cases:inbox"))
        yield Call(w.mine.enterprise, "get", reverse("cases:green"))
        yield Call(w.mine.enterprise, "get", reverse("cases:coverage"))
        yield Call(w.casts.county["w_county_rsj"], "get", reverse("cases:queue"))

    def writes(self, w):
        rsj = w.casts.county["w_county_rsj"]
        yield Write(
            Call(w.mine.town_cmd, "post", reverse("cases:callback", args=[w.case.pk]),
                 {"note": "电话回访", "reached": "on"}),
            model="cases.callback",
        )  # fmt: skip
        yield Write(
            Call(rsj, "post", reverse("cases:note", args=[w.case.pk]), {"text": "已联系"}),
            model="cases.casenote",
        )
        yield Write(
            Call(rsj, "post", reverse("cases:extension_ask", args=[w.case.pk]),
                 {"days": 3, "reason": "需协调"}),
            model="cases.extension",
        )  # fmt: skip
        enterprise = w.mine.enterprise.memberships.get().enterprise
        yield Write(
            Call(w.mine.town_cmd, "post", reverse("cases:green"),
                 {"enterprise": enterprise.pk, "on": "1", "reason": "防疫物资生产"}),
            model="enterprises.greenchannel",
        )  # fmt: skip
