from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """Levels of the jurisdiction tree (省 → 市 → 县/区 → 镇/街道 → 村/社区 → 网格)."""

    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County / district")
    TOWN = "town", _("Town")
    STREET = "street", _("Street (subdistrict)")
    VILLAGE = "village", _("Village")
    COMMUNITY = "community", _("Community")
    GRID = "grid", _("Grid")


# Depth of each level in the tree, and the length of its division code.
LEVEL_DEPTH = {
    Level.PROVINCE: 0,
    Level.CITY: 1,
    Level.COUNTY: 2,
    Level.TOWN: 3,
    Level.STREET: 3,
    Level.VILLAGE: 4,
    Level.COMMUNITY: 4,
    Level.GRID: 5,
}
CODE_LENGTH = {0: 6, 1: 6, 2: 6, 3: 9, 4: 12, 5: 15}


class Role(models.TextChoices):
    """The roles of MISSION §1."""

    PLATFORM_ADMIN = "platform_admin", _("Platform administrator")
    COMMAND = "command", _("Command office / leading group")
    REVIEWER = "reviewer", _("Reviewing office")
    CADRE = "cadre", _("Grid chief / cadre / liaison")
    DEPARTMENT = "department", _("Problem-handling department")
    ENTERPRISE = "enterprise", _("Enterprise user")
    PARK_OPERATOR = "park_operator", _("Park operator")
    EMPLOYEE = "employee", _("Employee")


class OfficeKind(models.TextChoices):
    """Offices named in MISSION §1 and the seeds; the kind drives routing and menus."""

    COMMAND = "command", _("Epidemic prevention and resumption command office")
    ECONOMY = "economy", _("Economy and trade office")  # 经贸办
    SAFETY = "safety", _("Work safety office")  # 安监办
    CONSTRUCTION = "construction", _("Construction office")  # 工程办
    RESIDENTS = "residents", _("Residents' committee")  # 社区居委会
    PARK_OPERATOR = "park_operator", _("Park operator")  # 园区运营方
    FOOD_SAFETY = "food_safety", _("Food safety office")  # 食安办
    INDUSTRY = "industry", _("Bureau of industry and information technology")  # 工信局
    SME_CENTRE = "sme_centre", _("SME service centre")  # 中小企业服务中心
    EMERGENCY = "emergency", _("Emergency management bureau")  # 应急管理局
    HR = "hr", _("Human resources and social security bureau")  # 人社局
    TRANSPORT = "transport", _("Transport bureau")  # 交通局
    FINANCE = "finance", _("Financial affairs office")  # 金融办
    HEALTH = "health", _("Health commission")  # 卫健局
    POWER = "power", _("Power supply company")  # 供电公司
    MARKET = "market", _("Market regulation bureau")  # 市场监管局


# Which role a member of each kind of office usually has.
REVIEWING_OFFICES = {
    OfficeKind.ECONOMY,
    OfficeKind.SAFETY,
    OfficeKind.CONSTRUCTION,
    OfficeKind.RESIDENTS,
    OfficeKind.FOOD_SAFETY,
    OfficeKind.INDUSTRY,
    OfficeKind.SME_CENTRE,
    OfficeKind.EMERGENCY,
}
HANDLING_OFFICES = {
    OfficeKind.HR,
    OfficeKind.TRANSPORT,
    OfficeKind.FINANCE,
    OfficeKind.HEALTH,
    OfficeKind.POWER,
    OfficeKind.MARKET,
}


class CadreTitle(models.TextChoices):
    GRID_CHIEF = "grid_chief", _("Grid chief")  # 网格长
    CADRE = "cadre", _("Assigned cadre")  # 包保干部
    LIAISON = "liaison", _("Enterprise liaison")  # 驻企联络员
    ENVOY = "envoy", _("Enterprise envoy")  # 企业特派员


# The roles that see enterprises and their filings in the menu.
ENTERPRISE_VIEWERS = frozenset(
    {
        Role.PLATFORM_ADMIN,
        Role.COMMAND,
        Role.REVIEWER,
        Role.CADRE,
        Role.PARK_OPERATOR,
        Role.ENTERPRISE,
    }
)
# The roles whose home shows the jurisdictions they command (figures, reports due).
COMMAND_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.COMMAND})
# The roles whose home shows the enterprises routed or dispatched to their office.
OFFICE_ROLES = frozenset({Role.REVIEWER, Role.DEPARTMENT, Role.PARK_OPERATOR})
