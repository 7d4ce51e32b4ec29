"""Modes, states, rules, routing flags and attachment kinds of resumption filings (seeds 001, 004)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from fugong.inspections.choices import CheckValue as CheckValue  # the checklist engine's


class Mode(models.TextChoices):
    """How a jurisdiction lets enterprises resume; the seeds disagree, so it is chosen per
    jurisdiction with an effective date."""

    APPROVAL = "approval", _("Approval (apply, review, on-site acceptance, notice)")  # 审批制
    RECORD = "record", _("Filing for the record (checked after resumption)")  # 备案制
    COMMITMENT = "commitment", _("Declaration and commitment (nothing may block)")  # 告知承诺制


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for revision")
    UNDER_REVIEW = "under_review", _("Under review")
    ACCEPTANCE_SCHEDULED = "acceptance_scheduled", _("On-site acceptance scheduled")
    ACCEPTED = "accepted", _("Passed on-site acceptance")
    ACCEPTANCE_FAILED = "acceptance_failed", _("Failed on-site acceptance")
    APPROVED = "approved", _("Approved")
    RECORDED = "recorded", _("Recorded")
    NOTICE_ISSUED = "notice_issued", _("Notice issued")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# States in which the enterprise may change the application.
EDITABLE = (Status.DRAFT, Status.RETURNED, Status.ACCEPTANCE_FAILED)
# A filing in one of these lets the enterprise resume: it is not asked to file again.
VALID = (Status.APPROVED, Status.RECORDED, Status.NOTICE_ISSUED)
# Finished one way or another.
CLOSED = VALID + (Status.REJECTED, Status.WITHDRAWN)
# Waiting for a government office (the reviewer's queue and the time limits).
PENDING_GOVERNMENT = (
    Status.SUBMITTED,
    Status.UNDER_REVIEW,
    Status.ACCEPTANCE_SCHEDULED,
    Status.ACCEPTED,
)


class RuleCode(models.TextChoices):
    """The checks made on submission (seed 004 §(二) 备案材料 and 复工验收程序)."""

    SUPPLIES = "supplies", _("Supplies cover the returning staff")
    LEAD_TIME = "lead_time", _("Filed early enough before the planned date")
    EARLIEST_DATE = "earliest_date", _("Not before the earliest resumption date")
    DORMITORY = "dormitory", _("Dormitory occupancy")
    ISOLATION_ROOM = "isolation_room", _("Isolation room for staff from outside the city")
    PLAN = "plan", _("Leading group and emergency plan")


class RouteFlag(models.TextChoices):
    """Conditions a routing rule can require besides category and industry."""

    CANTEEN = "canteen", _("Has a canteen")
    DORMITORY = "dormitory", _("Has a dormitory")
    COMMUTER_BUS = "commuter_bus", _("Has a commuter bus")
    IN_PARK = "in_park", _("Is in a building or park")


class OfficeLevel(models.TextChoices):
    """Where the routed office sits, relative to the enterprise."""

    TOWN = "town", _("The enterprise's town or street")
    COUNTY = "county", _("The county")
    COMMUNITY = "community", _("The enterprise's village or community")
    PARK = "park", _("The operator of the enterprise's park")


class AttachmentKind(models.TextChoices):
    PLAN = "plan", _("Resumption and prevention plan")  # 复工疫情防控实施方案
    ROSTER = "roster", _("Staff roster")  # 上岗员工花名册
    COMMITMENT = "commitment", _("Commitment letter")  # 承诺书
    BUS_LIST = "bus_list", _("Commuter bus list")  # 通勤班车明细表
    OTHER = "other", _("Other")
