"""The dashboard of each level: headline tiles, the category table, the breakdown by child
jurisdiction with its chart, the trend, and the reported figures against the registry as it
stands. Every count links to the enterprise list that lists exactly those units."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.accounts.choices import Role
from fugong.accounts.models import Jurisdiction
from fugong.accounts.selectors import user_roles
from fugong.core.errors import UserError
from fugong.core.ids import parse_id
from fugong.stats import figures as F
from fugong.stats import inspections as stats_inspections
from fugong.stats import jobs as stats_jobs
from fugong.stats import requests as stats_requests
from fugong.stats import selectors, staff
from fugong.stats.choices import Denominator

TEMPLATE = "stats/dashboard.html"
DASHBOARD_ROLES = {Role.PLATFORM_ADMIN, Role.COMMAND}
TREND_DAYS = 60

# The figures a correction may be about (figures.CORRECTED_FIGURES).
FIGURE_NAMES = {
    "units": gettext_lazy("Units"),
    "need": gettext_lazy("Need to resume"),
    "resumed": gettext_lazy("Resumed"),
    "resumed_need": gettext_lazy("Resumed, of those that need to"),
    "employees": gettext_lazy("Employees"),
    "returned": gettext_lazy("Staff back"),
}


@dataclass(frozen=True)
class Column:
    """A column of the dashboard's tables. ``condition``: the enterprise-list filter that,
    added to the row's, lists exactly the units counted (None: not a count of units)."""

    key: str
    label: str
    title: str = ""
    condition: dict[str, str] | None = None
    rate: bool = False


@dataclass(frozen=True)
class Shown:
    """One figure on the page: a count links to its list, a rate is shown in percent."""

    key: str
    value: int | Decimal | None
    href: str = ""
    rate: bool = False


@dataclass
class Row:
    key: str
    label: str
    figures: list[Shown]
    href: str = ""  # where the label leads (a child's dashboard)
    indent: int = 0
    total: bool = False


def _list_url(query: dict[str, list[str] | str]) -> str:
    return reverse("enterprises:list") + "?" + urlencode(query, doseq=True)


def _value(cell: F.Cell, key: str, denominator: str) -> int | Decimal | None:
    if key == "rate":
        return cell.rate(denominator)
    if key == "return_rate":
        return cell.return_rate
    if key.startswith("ledger:"):
        return cell.ledger(key.split(":", 1)[1])
    return getattr(cell, key)


def _columns(day: datetime.date, *, ledgers: bool) -> list[Column]:
    iso = day.isoformat()
    columns = [
        Column("units", _("Units"), condition={}),
        Column("need", _("Need to resume"), condition={"need": "true"}),
        Column(
            "resumed",
            _("Resumed"),
            _("Resumed on or before the day, in any ledger"),
            {"status": "resumed", "as_of": iso},
        ),
        # The 日报's 其中需复工单位已复工: the numerator of the rate with the denominator "need".
        Column(
            "resumed_need",
            _("Resumed, of those that need to"),
            _("Units that need to resume and resumed on or before the day"),
            {"status": "resumed", "as_of": iso, "need": "true"},
        ),
        Column("rate", _("Resumption rate"), rate=True),
        Column("new_resumed", _("Resumed on the day"), condition={"resumed_day": iso}),
        Column("employees", _("Employees")),
        Column("returned", _("Staff back"), _("Staff back at the resumed units")),
        Column("return_rate", _("Return rate"), rate=True),
    ]
    if ledgers:
        source = F.units_source()
        columns += [
            Column(
                f"ledger:{value}", str(source.ledger_short[value]), str(label), {"ledger": value}
            )
            for value, label in source.ledgers
        ]
    return columns


def _figures(
    cell: F.Cell, columns: list[Column], denominator: str, base: dict[str, list[str]] | None
) -> list[Shown]:
    """The row's figures; ``base`` is the enterprise-list filter of the row's units (None:
    the row cannot be listed, so its counts are not links)."""
    shown = []
    for column in columns:
        value = _value(cell, column.key, denominator)
        href = ""
        if base is not None and column.condition is not None:
            href = _list_url({**base, **column.condition})
        shown.append(Shown(column.key, value, href, column.rate))
    return shown


def _category_rows(board: selectors.Dashboard, columns: list[Column]) -> list[Row]:
    fig = board.figures
    node = {"jurisdiction": [str(fig.node.pk)]}
    rows = [
        Row(
            spec.key,
            spec.label,
            _figures(cell, columns, fig.denominator, {**node, **spec.query()}),
            indent=spec.indent,
        )
        for spec, cell in board.rows
    ]
    if board.uncategorised.units:
        rows.append(
            Row(
                "uncategorised",
                _("No category"),
                _figures(board.uncategorised, columns, fig.denominator, None),
            )
        )
    rows.append(
        Row("total", _("Total"), _figures(fig.total, columns, fig.denominator, node), total=True)
    )
    return rows


def _child_rows(board: selectors.Dashboard, columns: list[Column]) -> list[Row]:
    fig = board.figures
    if not fig.children:
        return []  # a node with nothing under it: its own figures are the table above
    rows = [
        Row(
            child.jurisdiction.code,
            child.jurisdiction.name,
            _figures(
                child.cell, columns, fig.denominator, {"jurisdiction": [str(child.jurisdiction.pk)]}
            ),
            href=_dashboard_url(child.jurisdiction, fig.day),
        )
        for child in fig.children
    ]
    if fig.direct.units:
        # No list holds exactly the units on the node itself, so these are not links.
        rows.append(
            Row(
                "direct",
                _("Registered at this level"),
                _figures(fig.direct, columns, fig.denominator, None),
            )
        )
    if rows:
        rows.append(
            Row(
                "total",
                _("Total"),
                _figures(fig.total, columns, fig.denominator, {"jurisdiction": [str(fig.node.pk)]}),
                total=True,
            )
        )
    return rows


def _dashboard_url(node: Jurisdiction, day: datetime.date | None) -> str:
    query = {"node": node.pk}
    if day is not None and day != timezone.localdate():
        query["day"] = day.isoformat()
    return reverse("stats:dashboard") + "?" + urlencode(query)


def _number(value) -> float | None:
    return None if value is None else float(value)


def _trend_data(points: list[F.TrendPoint]) -> dict:
    return {
        "days": [p.day.isoformat() for p in points],
        "axes": {"units": _("Units"), "people": _("People"), "percent": "%"},
        "series": [
            {"name": _("Resumed units"), "axis": "units", "data": [p.resumed for p in points]},
            {
                "name": _("Resumption rate"),
                "axis": "percent",
                "data": [_number(p.rate) for p in points],
            },
            {"name": _("Staff back"), "axis": "people", "data": [p.returned for p in points]},
            {
                "name": _("Return rate"),
                "axis": "percent",
                "data": [_number(p.return_rate) for p in points],
            },
        ],
    }


def _child_chart(fig: F.Figures) -> dict:
    return {
        "names": [c.jurisdiction.name for c in fig.children],
        "values": [_number(c.cell.rate(fig.denominator)) for c in fig.children],
        "label": _("Resumption rate (%)"),
    }


def denominator_text(denominator: str) -> str:
    if denominator == Denominator.ALL:
        return _("Resumption rate = resumed units ÷ all units")
    return _("Resumption rate = resumed units that needed to resume ÷ units that need to resume")


def _tiles(fig: F.Figures) -> tuple[list[dict], list[dict]]:
    """The headline figures; counts carry the list they count."""
    total, day = fig.total, fig.day.isoformat()
    node = {"jurisdiction": [str(fig.node.pk)]}
    rate_list = {**node, "status": "resumed", "as_of": day}
    if fig.denominator != Denominator.ALL:
        rate_list["need"] = "true"
    tiles = [
        {"key": "units", "label": _("Units"), "value": total.units, "href": _list_url(node)},
        {
            "key": "need",
            "label": _("Need to resume"),
            "value": total.need,
            "href": _list_url({**node, "need": "true"}),
        },
        {
            "key": "resumed",
            "label": _("Resumed"),
            "value": total.resumed,
            "href": _list_url({**node, "status": "resumed", "as_of": day}),
        },
        {
            "key": "rate",
            "label": _("Resumption rate"),
            "value": total.rate(fig.denominator),
            "rate": True,
            "numerator": total.rate_numerator(fig.denominator),
            "numerator_href": _list_url(rate_list),
            "denominator": total.rate_denominator(fig.denominator),
            "denominator_href": _list_url(
                node if fig.denominator == Denominator.ALL else {**node, "need": "true"}
            ),
        },
        {"key": "employees", "label": _("Employees"), "value": total.employees},
        {"key": "returned", "label": _("Staff back"), "value": total.returned},
        {"key": "return_rate", "label": _("Return rate"), "value": total.return_rate, "rate": True},
        {
            "key": "new_resumed",
            "label": _("Resumed today")
            if fig.day == timezone.localdate()
            else _("Resumed on the day"),
            "value": total.new_resumed,
            "href": _list_url({**node, "resumed_day": day}),
        },
    ]
    ledgers = [
        {
            "key": f"ledger:{value}",
            "label": label,
            "value": total.ledger(value),
            "href": _list_url({**node, "ledger": value}),
        }
        for value, label in F.units_source().ledgers
    ]
    return tiles, ledgers


def _page(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    context.setdefault("today", timezone.localdate())
    return render(request, TEMPLATE, context, status=status)


def _jobs(user, node, day):
    """The jobs and buses of the node up to the day, or None when there are none to show."""
    figures = stats_jobs.compute(user=user, node=node, end=day)
    return None if figures.total.empty else figures


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not user_roles(request.user) & DASHBOARD_ROLES:
        raise PermissionDenied
    asked = request.GET.get("node", "").strip()
    pk = parse_id(asked)
    node = None if asked and pk is None else selectors.dashboard_node(user=request.user, pk=pk)
    if node is None:
        message = (
            _(
                "There is no jurisdiction numbered “%(id)s” that you may see; "
                "choose one from your own dashboard."
            )
            % {"id": asked[:20]}
            if asked
            else _("Your account has no jurisdiction yet. Ask your administrator to add one.")
        )
        return _page(request, {"error": message, "missing": True}, status=404)
    ancestors = selectors.dashboard_ancestors(user=request.user, node=node)
    day_text = request.GET.get("day", "").strip()
    try:
        day = F.parse_day(day_text)
        F.check_day(node, day)
    except UserError as exc:
        return _page(
            request,
            {
                "node": node,
                "ancestors": ancestors,
                "day_value": day_text[:20],
                "error": exc.message,
            },
            status=400,
        )
    board = selectors.dashboard_get(user=request.user, node=node, day=day, days=TREND_DAYS)
    fig = board.figures
    category_columns = _columns(day, ledgers=True)
    child_columns = _columns(day, ledgers=False)
    tiles, ledger_tiles = _tiles(fig)
    return _page(
        request,
        {
            "node": node,
            "ancestors": ancestors,
            "day": day,
            "day_value": day.isoformat(),
            "is_today": day == timezone.localdate(),
            "board": board,
            "figures": fig,
            "denominator_text": denominator_text(fig.denominator),
            "tiles": tiles,
            "ledger_tiles": ledger_tiles,
            "category_columns": category_columns,
            "category_rows": _category_rows(board, category_columns),
            "child_columns": child_columns,
            "child_rows": _child_rows(board, child_columns),
            "child_chart_json": json.dumps(_child_chart(fig), ensure_ascii=False),
            "trend_data": _trend_data(board.trend),
            "staff": staff.compute(user=request.user, node=node, day=day),
            "requests": stats_requests.compute(user=request.user, node=node, day=day),
            "inspections": stats_inspections.compute(user=request.user, node=node, end=day),
            "jobs": _jobs(request.user, node, day),
            # A child's row leads to its dashboard of the same day.
            "staff_link": reverse("stats:dashboard")
            + ("?" if day == timezone.localdate() else f"?day={day.isoformat()}&")
            + "node=",
            "trend_days": TREND_DAYS,
            "frozen": board.frozen,
            "corrections": [
                {
                    "label": c.label,
                    "key": c.figure,
                    "figure": FIGURE_NAMES.get(c.figure, c.figure),
                    "reported": c.reported,
                    "now": c.now,
                    "change": c.now - c.reported,
                }
                for c in board.corrections
            ],
        },
    )


urlpatterns = [
    path("", dashboard, name="dashboard"),
]
