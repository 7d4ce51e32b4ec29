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


class Measure(models.TextChoices):
    """What a person coming back must do before working (seed 004), from the least strict."""

    NONE = "none", _("Nothing special")
    MONITOR = "monitor", _("Health monitoring (temperature twice a day)")  # 健康监测
    ISOLATE = "isolate", _("Isolation before work")  # 隔离观察
    DEFER = "defer", _("Return deferred")  # 暂缓返岗


STRICTNESS = {Measure.NONE: 0, Measure.MONITOR: 1, Measure.ISOLATE: 2, Measure.DEFER: 3}


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low risk")
    MEDIUM = "medium", _("Medium risk")
    HIGH = "high", _("High risk")


class PassStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the grid chief")  # 待网格长审批
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")


class Half(models.IntegerChoices):
    """The two daily temperature checks of seed 004 (每日开展两次体温监测)."""

    MORNING = 0, _("Morning")
    AFTERNOON = 1, _("Afternoon")


class Location(models.IntegerChoices):
    HOME = 0, _("At home")
    DORMITORY = 1, _("In the dormitory")
    SITE = 2, _("At the workplace")
    TRANSIT = 3, _("On the way")
    ISOLATION = 4, _("In isolation")


class Symptom(models.IntegerChoices):
    """Symptoms, as bits of one small number (a check-in row stays small)."""

    FEVER = 1, _("Fever")
    COUGH = 2, _("Cough")
    FATIGUE = 4, _("Fatigue")
    SORE_THROAT = 8, _("Sore throat")
    BREATHING = 16, _("Short of breath")
    DIARRHOEA = 32, _("Diarrhoea")


class Source(models.IntegerChoices):
    PHONE = 0, _("Phone page")
    BULK = 1, _("Enterprise's system (bulk API)")
