"""One FilterSet for the enterprise list page, its export and the API (NetBox's pattern)."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from fugong.core.ids import parse_id
from fugong.core.scope import subtree_q
from fugong.core.text import clean_text
from fugong.enterprises.choices import Category, Ledger, Tier
from fugong.enterprises.models import Assignment, Enterprise, Industry
from fugong.enterprises.selectors import filter_node
from fugong.stats.figures import need_q

SECTION_CHOICES = [(c, c) for c in "ABCDEFGHIJKLMNOPQRST"]
STATUS_CHOICES = [("resumed", _("Resumed")), ("not_resumed", _("Not resumed yet"))]


class StableOrderingFilter(filters.OrderingFilter):
    """Sorting with the id as the last key, so that rows with equal values keep one order
    across pages, requests and databases."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            qs = qs.order_by(*qs.query.order_by, "id")
        return qs


class EnterpriseFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("Name or credit code"), method="search")
    jurisdiction = filters.NumberFilter(label=_("Jurisdiction"), method="in_jurisdiction")
    category = filters.MultipleChoiceFilter(
        label=_("Statistical category"), choices=Category.choices, distinct=False
    )
    industry = filters.CharFilter(label=_("Industry code"), method="in_industry")
    tier = filters.ChoiceFilter(label=_("Key tier"), choices=Tier.choices, empty_label="—")
    is_key = filters.BooleanFilter(
        label=_("Key enterprise"),
        widget=forms.Select(choices=[("", "—"), ("true", _("Yes")), ("false", _("No"))]),
    )
    ledger = filters.ChoiceFilter(label=_("Ledger"), choices=Ledger.choices, empty_label="—")
    status = filters.ChoiceFilter(
        label=_("Resumption"), choices=STATUS_CHOICES, method="by_status", empty_label="—"
    )
    # The statistics layer's lists (fugong.stats.figures): resumed as of a day, units that need
    # to resume, units resumed on one day, and industry sections in or out.
    as_of = filters.DateFilter(label=_("As of"), method="keep")
    need = filters.BooleanFilter(
        label=_("Needs to resume"),
        method="by_need",
        widget=forms.Select(choices=[("", "—"), ("true", _("Yes")), ("false", _("No"))]),
    )
    resumed_day = filters.DateFilter(label=_("Resumed on"), field_name="resumed_on")
    section = filters.MultipleChoiceFilter(
        label=_("Industry section"), choices=SECTION_CHOICES, method="in_sections"
    )
    xsection = filters.MultipleChoiceFilter(
        label=_("Not in industry section"), choices=SECTION_CHOICES, method="not_in_sections"
    )
    assigned = filters.CharFilter(label=_("Assigned person"), method="assigned_to")
    unassigned = filters.BooleanFilter(label=_("Nobody assigned"), method="nobody_assigned")
    sort = StableOrderingFilter(
        label=_("Sort by"),
        fields=(
            ("name", "name"),
            ("employee_count", "employee_count"),
            ("revenue_last_year", "revenue_last_year"),
            ("resumed_on", "resumed_on"),
            ("updated_at", "updated_at"),
        ),
        field_labels={
            "name": _("Name"),
            "employee_count": _("Employees"),
            "revenue_last_year": _("Revenue"),
            "resumed_on": _("Resumption date"),
            "updated_at": _("Last change"),
        },
    )

    class Meta:
        model = Enterprise
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = clean_text(value, 100)
        if not value:
            return queryset
        # Chinese has no letter case: a plain LIKE is several times faster than comparing
        # upper-cased names, and only a run of letters and digits can start a credit code.
        by_name = (
            Q(name__contains=value) if value.upper() == value.lower() else Q(name__icontains=value)
        )
        if value.isascii() and value.isalnum():
            return queryset.filter(by_name | Q(credit_code__startswith=value.upper()))
        return queryset.filter(by_name)

    def in_jurisdiction(self, queryset, name, value):
        node = filter_node(int(value)) if value is not None else None
        return (
            queryset.filter(subtree_q("jurisdiction__path", node.path)) if node else queryset.none()
        )

    def in_industry(self, queryset, name, value):
        value = clean_text(value, 4).upper()
        if not value:
            return queryset
        if value.isalpha():  # a section (门类): its divisions, found in the small industry table
            divisions = list(
                Industry.objects.filter(parent__code=value).values_list("pk", flat=True)
            )
            return queryset.filter(industry_id__in=divisions)
        return queryset.filter(industry__code=value)

    def keep(self, queryset, name, value):
        return queryset  # read by by_status

    def by_status(self, queryset, name, value):
        as_of = self.form.cleaned_data.get("as_of")
        if value == "resumed":
            if as_of:
                return queryset.filter(resumed_on__lte=as_of)
            return queryset.filter(resumed_on__isnull=False)
        if as_of:
            return queryset.filter(Q(resumed_on__isnull=True) | Q(resumed_on__gt=as_of))
        return queryset.filter(resumed_on__isnull=True)

    def by_need(self, queryset, name, value):
        if value is None:
            return queryset

        return queryset.filter(need_q()) if value else queryset.exclude(need_q())

    def in_sections(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(industry__parent__code__in=value)

    def not_in_sections(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Q(industry__isnull=True) | ~Q(industry__parent__code__in=value))

    def assigned_to(self, queryset, name, value):
        """By user name (or user id, for the API)."""
        value = clean_text(value, 150)
        if not value:
            return queryset
        user_id = parse_id(value)
        person = Q(user__username=value) | (Q(user_id=user_id) if user_id else Q(pk__in=[]))
        return queryset.filter(pk__in=Assignment.objects.filter(person).values("enterprise_id"))

    def nobody_assigned(self, queryset, name, value):
        if value is None:
            return queryset
        assigned = Exists(Assignment.objects.filter(enterprise_id=OuterRef("pk")))
        return queryset.filter(~assigned) if value else queryset.filter(assigned)


def filter_params(data) -> dict[str, list[str]]:
    """The filters in ``data`` (a QueryDict) as a job keeps them: only this FilterSet's own
    keys, each value clean text without NUL or other control characters (PostgreSQL cannot store
    them in the job's parameters), so the export filters exactly like the list."""
    return {
        key: [clean_text(value, max_length=500) for value in data.getlist(key)]
        for key in EnterpriseFilter.base_filters
        if key in data
    }
