"""Filings for tests, made through the resumption services on a registry from
``fugong.enterprises.testing.build_registry``."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fugong.accounts.choices import Role
from fugong.accounts.models import Membership, User
from fugong.accounts.testing import person
from fugong.enterprises.models import Enterprise
from fugong.resumption import policy, services
from fugong.resumption.demo import png_bytes
from fugong.resumption.models import Filing

PHONE = "13812345678"


def good_application(**changes) -> dict:
    """An application that meets every rule of a county without settings of its own: planned
    ten days ahead, a leading group with a phone number, no dormitory or isolation room."""
    values = {
        "leading_group": f"张三 总经理 {PHONE}",
        "emergency_plan": "发现发热人员立即隔离并报告。",
        "masks": 500,
        "staff_local": 10,
        "staff_city": 2,
        "has_dormitory": False,
        "has_isolation_room": False,
        "planned_date": timezone.localdate() + datetime.timedelta(days=10),
    }
    return {**values, **changes}


def owner_of(enterprise: Enterprise) -> User:
    """The user who files for ``enterprise``: its own user (``w_t<n>_ent1`` for the first of
    each town) or, for the others, a user of its own (``w_ent<pk>``, made on first use)."""
    membership = (
        Membership.objects.filter(enterprise=enterprise, role=Role.ENTERPRISE, is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if membership is not None:
        return membership.user
    return person(f"w_ent{enterprise.pk}", Role.ENTERPRISE, enterprise=enterprise)


def add_filing(registry, enterprise: Enterprise, **application) -> Filing:
    """A draft filing for ``enterprise``, started by its owner (``owner_of``)."""
    user = owner_of(enterprise)
    return services.filing_create(actor=user, enterprise=enterprise, **application)


def attach_required(filing: Filing, actor: User) -> Filing:
    """Every file the filing's mode asks for, as a small PNG each."""
    for kind in policy.missing_attachments(filing):
        upload = SimpleUploadedFile(f"{kind}.png", png_bytes(kind), content_type="image/png")
        services.attachment_add(actor=actor, filing=filing, kind=kind, upload=upload)
    return Filing.objects.get(pk=filing.pk)


def submitted_filing(registry, enterprise: Enterprise, **changes) -> Filing:
    """A filing of ``enterprise`` with a good application (``good_application(**changes)``) and
    its required files, submitted by its owner; routed to the town's reviewing offices."""
    owner = owner_of(enterprise)
    filing = services.filing_create(
        actor=owner, enterprise=enterprise, **good_application(**changes)
    )
    filing = attach_required(filing, owner)
    return services.filing_submit(actor=owner, filing=filing)


def reviewer_of(filing: Filing) -> User:
    """A member of the filing's lead office, which reviews it."""
    membership = (
        Membership.objects.filter(
            office_id=filing.lead_office_id,
            role__in=[Role.REVIEWER, Role.PARK_OPERATOR],
            is_active=True,
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    assert membership, f"no reviewer for filing {filing.pk}"
    return membership.user
