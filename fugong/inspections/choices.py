"""Choices of the inspections app: checklist kinds and item types, the kinds of inspection,
and the states of inspections, rectification orders and orders to stop."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChecklistKind(models.TextChoices):
    ACCEPTANCE = "acceptance", _("On-site resumption acceptance")  # 复工验收
    POST_RESUMPTION = "post_resumption", _("Check after resumption")  # 复工复产后检查
    SAFETY = "safety", _("Work safety check")  # 安全生产检查
    RESTAURANT = "restaurant", _("Restaurant self-check")  # 餐饮单位复工复产自查表


class ItemKind(models.TextChoices):
    CHECK = "check", _("Pass / fail / not applicable")
    NUMBER = "number", _("Number")
    TEXT = "text", _("Text")
    PHOTO = "photo", _("Photo")


class CheckValue(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    NOT_APPLICABLE = "na", _("Not applicable")


class PassRule(models.TextChoices):
    """How a filled checklist passes."""

    ALL = "all", _("Every item passes")  # any failed item fails the check
    SCORE = "score", _("The score reaches the pass mark and no critical item fails")


class AppliesIf(models.TextChoices):
    """An item that applies only to enterprises with the facility (seed 004: 对有食堂的企业,
    对有班车的企业, 对有宿舍的企业); elsewhere it is not applicable and not asked."""

    ALWAYS = "", _("Every enterprise")
    CANTEEN = "has_canteen", _("Enterprises with a canteen")
    COMMUTER_BUS = "has_commuter_bus", _("Enterprises with a commuter bus")
    DORMITORY = "has_dormitory", _("Enterprises with a dormitory")


class InspectionKind(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled inspection")  # 计划检查
    SPOT = "spot", _("Spot check")  # 抽查检查
    UNANNOUNCED = "unannounced", _("Unannounced inspection")  # 明察暗访
    RANDOM = "random", _("Random inspection (double random)")  # 双随机抽查
    SELF_CHECK = "self_check", _("Self-check by the enterprise")  # 企业自查
    REINSPECTION = "reinspection", _("Re-inspection")  # 复查


# Kinds an office plans by hand (a random one comes from a draw, a re-inspection from an order).
PLANNED_BY_HAND = (InspectionKind.SCHEDULED, InspectionKind.SPOT, InspectionKind.UNANNOUNCED)


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")  # 待检查 (a self-check: 待企业填报)
    SUBMITTED = "submitted", _("Self-check submitted, waiting for review")  # 自查待审核
    DONE = "done", _("Done")  # 已检查
    CANCELLED = "cancelled", _("Cancelled")


class OrderStatus(models.TextChoices):
    OPEN = "open", _("Being rectified")  # 整改中
    REPORTED = "reported", _("Rectified, waiting for re-inspection")  # 已整改待复查
    CLOSED = "closed", _("Rectified and passed re-inspection")  # 已销号
    CANCELLED = "cancelled", _("Cancelled")


class StopStatus(models.TextChoices):
    IN_FORCE = "in_force", _("Stopped")  # 停业中
    LIFTED = "lifted", _("Lifted")  # 已解除
