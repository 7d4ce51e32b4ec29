"""The closed loop of an enterprise's request (诉求), on China's 12345 hotline practice:
受理、转办、承办、督办、办结、回访、评价 (issue 14, MISSION C5)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for dispatch")  # 待转办
    DISPATCHED = "dispatched", _("Dispatched, not yet signed for")  # 已转办待签收
    HANDLING = "handling", _("Being handled")  # 办理中
    RETURNED = "returned", _("Returned as mis-routed")  # 已退回
    REPLIED = "replied", _("Replied, waiting for the rating")  # 已答复待评价
    CLOSED = "closed", _("Closed")  # 已办结
    WITHDRAWN = "withdrawn", _("Withdrawn")  # 已撤回


Status = CaseStatus  # the name the app uses; the API's schema is named CaseStatus

# Waiting for the government (the time limit runs).
OPEN = frozenset({Status.SUBMITTED, Status.DISPATCHED, Status.HANDLING, Status.RETURNED})
# With a department (its time limit runs and counts against it).
WITH_DEPARTMENT = frozenset({Status.DISPATCHED, Status.HANDLING})


class Nature(models.TextChoices):
    """What the enterprise asks for; with the urgency it sets the time limit."""

    CONSULT = "consult", _("Consultation")  # 咨询
    HELP = "help", _("Request for help")  # 求助
    COMPLAINT = "complaint", _("Complaint")  # 投诉
    SUGGESTION = "suggestion", _("Suggestion")  # 建议
    # 帮办代办 (seed 001 §九): a task team handles a government procedure for the enterprise,
    # logs each step and hands back the result.
    PROXY = "proxy", _("Procedure handled on its behalf (帮办代办)")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Not urgent")  # 一般
    URGENT = "urgent", _("Urgent")  # 紧急


class Source(models.TextChoices):
    ENTERPRISE = "enterprise", _("Raised by the enterprise")  # 企业自报
    ON_BEHALF = "on_behalf", _("Raised on its behalf by its liaison or cadre")  # 代为反映
    VISIT = "visit", _("Found on a visit")  # 走访发现


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")  # 满意
    BASIC = "basic", _("Basically satisfied")  # 基本满意
    UNSATISFIED = "unsatisfied", _("Unsatisfied")  # 不满意


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the dispatcher")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class RouteLevel(models.TextChoices):
    """Where the department of a routing row sits, relative to the enterprise."""

    TOWN = "town", _("The enterprise's town or street")
    COUNTY = "county", _("The county")


class TipStatus(models.TextChoices):
    """A whistle-blowing report (举报): received → screened and dispatched → replied → closed,
    or dismissed by the screener with the reason."""

    RECEIVED = "received", _("Received, waiting for screening")  # 待甄别
    DISPATCHED = "dispatched", _("Dispatched to a department")  # 已转办
    REPLIED = "replied", _("Replied by the department")  # 已答复
    CLOSED = "closed", _("Closed")  # 已办结
    DISMISSED = "dismissed", _("Dismissed")  # 不予受理
