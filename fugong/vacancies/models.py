"""The vacancy database (动态空岗信息库, seed 001 §二, MISSION C8): the posts an enterprise
needs people for, with the headcount and how many are filled so far, and the enterprise's
choice of whether its vacancies appear on the public job board.

What the figures count:

- a vacancy is **open** when it is published (``status`` = published) and not expired
  (``expires_on`` is today or later); a draft or a closed one is not open;
- its **shortage** (空岗) is ``headcount - filled`` (never below 0; the services keep
  ``filled`` ≤ ``headcount``) and counts only for open vacancies;
- a vacancy is **on the public board** when it is open and its enterprise allows it
  (``listed``, copied from ``BoardSetting.public`` by the services).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from fugong.core.models import TimestampedModel
from fugong.core.scope import ScopeRules
from fugong.vacancies.choices import Education, VacancyStatus

VACANCY_SCOPE = ScopeRules(
    jurisdiction_path="enterprise__jurisdiction__path",
    office="enterprise__routed_offices",
    assigned_user="enterprise__assignments__user",
    enterprise="enterprise_id",
    many=frozenset({"enterprise__routed_offices", "enterprise__assignments__user"}),
)


class Vacancy(TimestampedModel):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="vacancies",
        verbose_name=_("enterprise"),
    )  # fmt: skip
    post = models.CharField(_("post"), max_length=60)
    headcount = models.PositiveIntegerField(_("people needed"))
    filled = models.PositiveIntegerField(_("filled so far"), default=0)
    pay_min = models.PositiveIntegerField(_("pay from (yuan/month)"), null=True, blank=True)
    pay_max = models.PositiveIntegerField(_("pay up to (yuan/month)"), null=True, blank=True)
    place = models.ForeignKey(
        "accounts.Jurisdiction", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("place of work"),
    )  # fmt: skip
    address = models.CharField(_("address of work"), max_length=200, blank=True)
    education = models.CharField(
        _("education"), max_length=10, choices=Education.choices, blank=True
    )
    age_min = models.PositiveSmallIntegerField(_("age from"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("age up to"), null=True, blank=True)
    skills = models.TextField(_("skills and other requirements"), blank=True, max_length=2000)
    contact_name = models.CharField(_("contact person"), max_length=60, blank=True)
    contact_phone = models.CharField(_("contact phone (published)"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=VacancyStatus.choices, default=VacancyStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    expires_on = models.DateField(_("open until"))
    # Copied by the services: the enterprise's industry section (GB/T 4754 letter) and its
    # BoardSetting.public, so that the public board filters one table.
    industry_section = models.CharField(_("industry"), max_length=4, blank=True)
    listed = models.BooleanField(_("on the public job board"), default=True)
    search_key = models.CharField(_("search key"), max_length=600, blank=True, editable=False)
    revision = models.PositiveIntegerField(_("revision"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("created by"),
    )  # fmt: skip

    scope_rules = VACANCY_SCOPE
    audit_masked_fields = ("contact_phone",)
    audit_excluded_fields = ("search_key",)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(filled__lte=F("headcount")), name="vacancy_filled"),
            models.CheckConstraint(
                condition=Q(pay_min__isnull=True)
                | Q(pay_max__isnull=True)
                | Q(pay_min__lte=F("pay_max")),
                name="vacancy_pay_range",
            ),  # fmt: skip
            models.CheckConstraint(condition=Q(headcount__gte=1), name="vacancy_headcount"),
        ]
        indexes = [
            models.Index(fields=["enterprise", "status"], name="vacancy_enterprise"),
            # The public board: the published and listed vacancies, newest first, with what
            # the board filters by (search key, expiry, industry, place). A page is the
            # first rows of the index; a search or a filter reads the index alone and
            # fetches only the rows that match (SQLite; PostgreSQL has the trigram index of
            # migration 0002 as well).
            models.Index(
                fields=[
                    "-published_at",
                    "-id",
                    "search_key",
                    "expires_on",
                    "industry_section",
                    "place",
                ],
                condition=Q(status=VacancyStatus.PUBLISHED, listed=True),
                name="vacancy_board_filters",
            ),  # fmt: skip
            models.Index(fields=["place", "status"], name="vacancy_place"),
        ]
        verbose_name = _("vacancy")
        verbose_name_plural = _("vacancies")

    def __str__(self) -> str:
        return self.post

    @property
    def shortage(self) -> int:
        return max(self.headcount - self.filled, 0)

    @property
    def place_text(self) -> str:
        """The place of work with its town (``services.place_text``)."""
        from fugong.vacancies.services import place_text

        return place_text(self.place)


class BoardSetting(TimestampedModel):
    """An enterprise's choice about the public job board (default: its vacancies appear)."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="board_setting",
        verbose_name=_("enterprise"),
    )  # fmt: skip
    public = models.BooleanField(_("show our vacancies on the public job board"), default=True)

    scope_rules = ScopeRules(
        jurisdiction_path="enterprise__jurisdiction__path", enterprise="enterprise_id"
    )

    class Meta:
        verbose_name = _("job board setting")
        verbose_name_plural = _("job board settings")

    def __str__(self) -> str:
        return str(self.enterprise_id)
