"""Requests (诉求) of enterprises and their handling (issue 14, MISSION C5): the categories,
time limits and routing table are data; a request moves through one transition table
(``fugong.cases.workflow``) and keeps a timeline of events, extension requests and the
dispatcher's callbacks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fugong.accounts.choices import OfficeKind
from fugong.cases.choices import (
    ExtensionStatus,
    Nature,
    Rating,
    RouteLevel,
    Source,
    Status,
    TipStatus,
    Urgency,
)
from fugong.core.crypto import EncryptedTextField
from fugong.core.models import TimestampedModel
from fugong.core.scope import ScopeRules

CASE_SCOPE = ScopeRules(
    jurisdiction_path="jurisdiction__path",  # command offices and grid chiefs of its place
    office="offices",  # the departments it is dispatched to (lead and co-handling)
    assigned_user="enterprise__assignments__user",  # the enterprise's 包保 cadres
    enterprise="enterprise_id",  # the enterprise's own users
    park_operator="enterprise__park__operator_id",
    many=frozenset({"offices", "enterprise__assignments__user"}),
)

# What hangs off a request is seen by whoever sees the request.
CASE_CHILD_SCOPE = ScopeRules(
    jurisdiction_path="case__jurisdiction__path",
    office="case__offices",
    assigned_user="case__enterprise__assignments__user",
    enterprise="case__enterprise_id",
    park_operator="case__enterprise__park__operator_id",
    many=frozenset({"case__offices", "case__enterprise__assignments__user"}),
)


class Category(models.Model):
    """A category of requests (MISSION C5: 用工, 物流运输, 产业链供应链 …), kept as data."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50)
    position = models.PositiveIntegerField(_("position"), default=10)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("request category")
        verbose_name_plural = _("request categories")

    def __str__(self) -> str:
        return self.name


class TimeLimit(models.Model):
    """Working days a department has to reply, by nature and urgency, optionally for one
    category (the most specific row applies)."""

    nature = models.CharField(_("nature"), max_length=20, choices=Nature.choices)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("category")
    )
    days = models.PositiveSmallIntegerField(_("working days"))

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        constraints = [
            models.UniqueConstraint(
                fields=["nature", "urgency", "category"],
                name="cases_time_limit_once",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.nature} {self.urgency} {self.category_id or '*'}: {self.days}"


class Route(TimestampedModel):
    """One row of the dispatch table: requests of a category go to a department of this kind
    at this level (the lowest position leads, the others co-handle). A jurisdiction's own
    rows replace the table above it; rows without one are the default table."""

    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("jurisdiction"),
    )
    category = models.ForeignKey(Category, on_delete=models.CASCADE, verbose_name=_("category"))
    office_kind = models.CharField(_("department"), max_length=20, choices=OfficeKind.choices)
    level = models.CharField(
        _("level"), max_length=10, choices=RouteLevel.choices, default=RouteLevel.COUNTY
    )
    position = models.PositiveIntegerField(_("position"), default=10)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("dispatch route")
        verbose_name_plural = _("dispatch routes")

    def __str__(self) -> str:
        return f"{self.category} → {self.get_office_kind_display()}"


class Case(TimestampedModel):
    """An enterprise's request (诉求) from raising to the enterprise's rating."""

    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("jurisdiction"),
    )  # the enterprise's place when raised: who sees it and who dispatches it
    issuer = models.ForeignKey(
        "accounts.Jurisdiction",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("numbered by"),
    )  # its town (or street), which numbers its requests
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=40)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="cases",
        verbose_name=_("enterprise"),
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("raised by"),
    )
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.ENTERPRISE
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    nature = models.CharField(
        _("nature"), max_length=20, choices=Nature.choices, default=Nature.HELP
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("what is asked"), max_length=4000)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    revision = models.PositiveIntegerField(_("revision"), default=0)
    lead_office = models.ForeignKey(
        "accounts.Office",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("handling department"),
    )
    offices = models.ManyToManyField(
        "accounts.Office",
        blank=True,
        related_name="+",
        verbose_name=_("departments"),
    )  # the lead and the co-handling departments: they see the request
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    due = models.DateField(_("reply due"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True, max_length=4000)
    on_time = models.BooleanField(_("replied on time"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices, blank=True)
    rating_reason = models.CharField(_("why"), max_length=500, blank=True)
    reopened = models.BooleanField(_("reopened once"), default=False)
    escalation = models.PositiveSmallIntegerField(_("escalated"), default=0)  # levels up
    visit = models.ForeignKey(
        "cases.Visit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        verbose_name=_("raised on the visit"),
    )

    scope_rules = CASE_SCOPE
    # Free text that may name people with their phones: masked in the audit log.
    audit_masked_fields = ("title", "text", "reply", "rating_reason")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "year", "sequence"], name="cases_case_number_once"
            )
        ]
        indexes = [
            # The inbox and the overdue list read a status in this order, a page at a time
            # (selectors.Queue), and the dispatcher's queue in the next.
            models.Index(fields=["status", "due", "id"], name="cases_case_status_due_id"),
            models.Index(
                fields=["status", "-urgency", "created_at", "id"], name="cases_case_queue"
            ),
            models.Index(fields=["lead_office", "status"], name="cases_case_office_status"),
            # The green channel's requests of a queue: its few enterprises' open ones.
            models.Index(fields=["enterprise", "status"], name="cases_case_ent_status"),
            # A command office's counts (its places' requests waiting or overdue), read from
            # the index alone.
            models.Index(fields=["jurisdiction", "status", "due"], name="cases_case_place_status"),
        ]

    def __str__(self) -> str:
        return self.number


class CaseEvent(models.Model):
    """Every step of a request: who, when, for which department, from which state to which,
    and why."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("request")
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(_("by"), max_length=150)
    office = models.ForeignKey(
        "accounts.Office",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("department"),
    )
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(
        _("from status"), max_length=20, choices=Status.choices, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=20, choices=Status.choices)
    reason = models.TextField(_("reason"), blank=True)

    scope_rules = CASE_CHILD_SCOPE
    audit_masked_fields = ("reason",)

    class Meta:
        ordering = ["case", "at", "id"]
        verbose_name = _("request event")
        verbose_name_plural = _("request events")

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"


def attachment_path(instance: CaseAttachment, filename: str) -> str:
    """The request's folder; the name is generated (``core.files.clean_upload``)."""
    return f"cases/{instance.case_id}/{filename}"


class CaseAttachment(models.Model):
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("request")
    )
    file = models.FileField(_("file"), upload_to=attachment_path)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("file type"), max_length=10)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    scope_rules = CASE_CHILD_SCOPE
    audit_masked_fields = ("filename",)

    class Meta:
        ordering = ["case", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class Extension(models.Model):
    """A department asks the dispatcher for more working days (延期申请)."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("request")
    )
    office = models.ForeignKey(
        "accounts.Office", on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    days = models.PositiveSmallIntegerField(_("more working days"))
    why = models.CharField(_("reason"), max_length=500)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ExtensionStatus.choices,
        default=ExtensionStatus.PENDING,
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("asked by"),
    )
    asked_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    scope_rules = CASE_CHILD_SCOPE
    audit_masked_fields = ("why",)

    class Meta:
        ordering = ["case", "id"]
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")

    def __str__(self) -> str:
        return f"{self.case_id} +{self.days}"


class Callback(models.Model):
    """The dispatcher's call back to the enterprise (回访), logged."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="callbacks", verbose_name=_("request")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)
    reached = models.BooleanField(_("reached the enterprise"), default=True)
    note = models.CharField(_("what was said"), max_length=1000)

    scope_rules = CASE_CHILD_SCOPE
    audit_masked_fields = ("note",)

    class Meta:
        ordering = ["case", "id"]
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")

    def __str__(self) -> str:
        return f"{self.case_id} {self.at:%Y-%m-%d}"


class Urge(models.Model):
    """催办通知书: a request past its reply date is escalated one level up the tree; the
    command office of that level issues a numbered notice to the department, and the
    department's count of overdue requests holds it."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="urges", verbose_name=_("request")
    )
    level = models.PositiveSmallIntegerField(_("escalation"))  # 1: the first level up
    issuer = models.ForeignKey(
        "accounts.Jurisdiction",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issued by"),
    )
    office = models.ForeignKey(
        "accounts.Office",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("department"),
    )  # the department urged (the lead when it was issued)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=40)
    due_was = models.DateField(_("reply was due"))
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    scope_rules = CASE_CHILD_SCOPE

    class Meta:
        ordering = ["case", "level"]
        verbose_name = _("urging notice")
        verbose_name_plural = _("urging notices")
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "year", "sequence"], name="cases_urge_number_once"
            ),
            models.UniqueConstraint(fields=["case", "level"], name="cases_urge_once_a_level"),
        ]

    def __str__(self) -> str:
        return self.number


class CommonProblem(models.Model):
    """共性问题: requests of several enterprises about the same thing, grouped by their text
    (``fugong.cases.common``), which the command office may turn into a policy question."""

    class State(models.TextChoices):
        OPEN = "open", _("To decide")
        POLICY = "policy", _("Turned into a policy question")
        DISMISSED = "dismissed", _("Not a common problem")

    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("jurisdiction"),
    )  # the command office's place the grouping ran for
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    keywords = models.CharField(_("keywords"), max_length=200)
    enterprises = models.PositiveIntegerField(_("enterprises"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    question = models.TextField(_("policy question"), blank=True, max_length=2000)
    members = models.ManyToManyField(
        Case, related_name="common_problems", verbose_name=_("requests")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    scope_rules = ScopeRules(jurisdiction_path="jurisdiction__path")
    audit_masked_fields = ("question",)

    class Meta:
        ordering = ["-enterprises", "-id"]
        verbose_name = _("common problem")
        verbose_name_plural = _("common problems")

    def __str__(self) -> str:
        return f"{self.category} · {self.keywords}"


class VisitTarget(models.Model):
    """A coverage target for visits (走访): every enterprise of a kind is visited at least once
    in each period (seed 002: 100 % of the key enterprises; e.g. every key enterprise monthly).
    A place's own targets replace those above it; rows without a place are the default."""

    class Kind(models.TextChoices):
        KEY = "key", _("Key enterprises")
        ALL = "all", _("Every enterprise")

    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("jurisdiction"),
    )
    kind = models.CharField(_("which enterprises"), max_length=10, choices=Kind.choices)
    days = models.PositiveSmallIntegerField(_("period (days)"), default=30)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "days"]
        verbose_name = _("visit target")
        verbose_name_plural = _("visit targets")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} / {self.days}"


class Visit(TimestampedModel):
    """A visit (走访) to an enterprise by a cadre: planned, then done with what was found and
    the requests raised from it, or cancelled."""

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="visits",
        verbose_name=_("enterprise"),
    )
    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("jurisdiction"),
    )  # fmt: skip
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("visitor"),
    )
    day = models.DateField(_("day"))  # planned, then the day it was made
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PLANNED
    )
    asked_by_enterprise = models.BooleanField(_("the enterprise asked for it"), default=False)
    met = models.CharField(_("met"), max_length=200, blank=True)
    findings = models.TextField(_("what was found"), blank=True, max_length=4000)

    scope_rules = ScopeRules(
        jurisdiction_path="jurisdiction__path",
        assigned_user="enterprise__assignments__user",
        enterprise="enterprise_id",
        park_operator="enterprise__park__operator_id",
        many=frozenset({"enterprise__assignments__user"}),
    )
    audit_masked_fields = ("met", "findings")

    class Meta:
        ordering = ["-day", "-id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [models.Index(fields=["enterprise", "state", "day"], name="cases_visit_ent")]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.day}"


def visit_photo_path(instance: VisitPhoto, filename: str) -> str:
    return f"visits/{instance.visit_id}/{filename}"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="photos", verbose_name=_("visit")
    )
    file = models.FileField(_("photo"), upload_to=visit_photo_path)
    content_type = models.CharField(_("file type"), max_length=10)
    size = models.PositiveIntegerField(_("size"))

    scope_rules = ScopeRules(
        jurisdiction_path="visit__jurisdiction__path",
        assigned_user="visit__enterprise__assignments__user",
        enterprise="visit__enterprise_id",
        many=frozenset({"visit__enterprise__assignments__user"}),
    )

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")

    def __str__(self) -> str:
        return f"{self.visit_id}/{self.pk}"


class CaseNote(models.Model):
    """A step of the handling logged by a department (帮办代办: each step of the procedure
    done on the enterprise's behalf), seen by whoever sees the request."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="notes", verbose_name=_("request")
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    office = models.ForeignKey(
        "accounts.Office",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("department"),
    )
    text = models.CharField(_("step"), max_length=1000)

    scope_rules = CASE_CHILD_SCOPE
    audit_masked_fields = ("text",)

    class Meta:
        ordering = ["case", "at", "id"]
        verbose_name = _("handling step")
        verbose_name_plural = _("handling steps")

    def __str__(self) -> str:
        return f"{self.case_id} {self.at:%Y-%m-%d}"


# ---------------------------------------------------------------------------- 举报 (tips)

# Who sees a tip through the generic ``scoped()``: only the department it is dispatched to.
# The command offices of its town and above see it through ``tips.tip_list``, which reads
# their memberships' places: a place-wide rule here would also reach the cadres (包保, grid
# chiefs) whose memberships name a place, and they are the enterprise's liaisons. No rule
# reaches the enterprise, its park operator or its cadres: whistle-blowers are protected.
TIP_SCOPE = ScopeRules(office="lead_office_id")


def tip_photo_path(instance: Tip, filename: str) -> str:
    """The year's folder; the name is generated (``core.files.clean_upload``)."""
    return f"tips/{instance.year}/{filename}"


class Tip(TimestampedModel):
    """举报: a report by an enterprise's staff or a member of the public about an enterprise
    (seed 004: 鼓励企业内部职工、社会知情群众举报), sent without login from the public page,
    screened by the town's command office, dispatched to a department like a request (the
    routing table, the working-day time limit), replied and closed, or dismissed. The
    reporter keeps a tracking code to read the status and the reply; only its keyed hash is
    stored. The contact, if given, is encrypted at rest and never audited."""

    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("town or street"),
    )  # the town or street it concerns: it numbers the tip and screens it
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=40)
    enterprise_name = models.CharField(_("enterprise reported"), max_length=200)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("matched enterprise"),
    )  # set by the screener; no reverse accessor from the enterprise on purpose
    text = models.TextField(_("what is reported"), max_length=2000)
    by_staff = models.BooleanField(_("reported by a member of its staff"), default=False)
    contact_name = EncryptedTextField(_("contact name"), blank=True)
    contact_phone = EncryptedTextField(_("contact phone"), blank=True)
    photo = models.FileField(_("photo"), upload_to=tip_photo_path, blank=True)
    photo_type = models.CharField(_("photo type"), max_length=10, blank=True)
    code_hash = models.CharField(_("tracking code (hash)"), max_length=64, unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=TipStatus.choices, default=TipStatus.RECEIVED
    )
    revision = models.PositiveIntegerField(_("revision"), default=0)
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    lead_office = models.ForeignKey(
        "accounts.Office",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("department"),
    )
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("screened by"),
    )
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    due = models.DateField(_("reply by"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True, max_length=2000)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    on_time = models.BooleanField(_("replied on time"), null=True, blank=True)
    dismissal = models.CharField(_("why it was dismissed"), max_length=500, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    scope_rules = TIP_SCOPE
    # The contact is personal data and the code a secret: neither reaches the audit log.
    audit_excluded_fields = ("contact_name", "contact_phone", "code_hash")
    audit_masked_fields = ("text", "enterprise_name", "reply", "dismissal")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("tip")
        verbose_name_plural = _("tips")
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "year", "sequence"], name="cases_tip_number_once"
            )
        ]
        indexes = [
            models.Index(fields=["status", "due", "id"], name="cases_tip_status_due"),
            models.Index(fields=["lead_office", "status"], name="cases_tip_office_status"),
        ]

    def __str__(self) -> str:
        return self.number


class TipEvent(models.Model):
    """Every step of a tip: who (the reporter is nobody), when, from which state to which,
    and why."""

    tip = models.ForeignKey(
        Tip, on_delete=models.CASCADE, related_name="events", verbose_name=_("tip")
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(
        _("from status"), max_length=20, choices=TipStatus.choices, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=20, choices=TipStatus.choices)
    reason = models.TextField(_("reason"), blank=True)

    scope_rules = ScopeRules(office="tip__lead_office_id")
    audit_masked_fields = ("reason",)

    class Meta:
        ordering = ["tip", "at", "id"]
        verbose_name = _("tip event")
        verbose_name_plural = _("tip events")

    def __str__(self) -> str:
        return f"{self.tip_id} {self.action}"
