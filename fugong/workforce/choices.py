"""The categories of seed 004 and issue 13."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Origin(models.TextChoices):
    """Where a person comes back from (seed 004 sorts the 14-day rules by it)."""

    LOCAL = "local", _("Local")  # 本地
    CITY = "city", _("Elsewhere in the city")  # 市内区外
    PROVINCE = "province", _("Elsewhere in the province")  # 省内市外
    OUT_OF_PROVINCE = "out_of_province", _("Outside the province")  # 省外
    KEY_AREA = "key_area", _("Key epidemic area")  # 重点地区


class Transport(models.TextChoices):
    CAR = "car", _("Own car")  # 自驾
    CHARTER_BUS = "charter_bus", _("Charter bus")  # 包车
    TRAIN = "train", _("Train")
    PLANE = "plane", _("Plane")
    COACH = "coach", _("Long-distance coach")  # 长途客车
    OTHER = "other", _("Other")


class WorkStatus(models.TextChoices):
    NOT_RETURNED = "not_returned", _("Not yet returned")  # 未返岗
    OBSERVING = "observing", _("Under observation")  # 隔离观察中
    AT_WORK = "at_work", _("At work")  # 在岗
    REMOTE = "remote", _("Working from home")  # 居家办公
    LEFT = "left", _("Left the enterprise")  # 已离职
