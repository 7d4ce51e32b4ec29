from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from fugong.accounts.choices import Role
from fugong.core import registry
from fugong.core.registry import MenuItem

GOVERNMENT = frozenset(
    {Role.PLATFORM_ADMIN, Role.COMMAND, Role.REVIEWER, Role.DEPARTMENT, Role.CADRE}
)


class InspectionsConfig(AppConfig):
    name = "fugong.inspections"
    label = "inspections"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        registry.add_urls("inspections/", "fugong.inspections.urls", order=460)
        registry.add_urls("open/inspections/", "fugong.inspections.public_urls", order=470)
        registry.add_api_router("/inspections", "fugong.inspections.api.router", order=660)
        registry.add_menu(
            MenuItem(
                _("Inspections"),
                "inspections:list",
                "clipboard2-pulse",
                GOVERNMENT | {Role.ENTERPRISE},
                "/inspections/",
                order=460,
            ),
            MenuItem(
                _("Random draws"),
                "inspections:draws:list",
                "shuffle",
                frozenset({Role.PLATFORM_ADMIN, Role.COMMAND, Role.REVIEWER, Role.DEPARTMENT}),
                "/inspections/draws/",
                order=462,
            ),
            MenuItem(
                _("Rectification orders"),
                "inspections:orders",
                "exclamation-diamond",
                GOVERNMENT | {Role.ENTERPRISE},
                "/inspections/orders/",
                order=465,
            ),
        )
        from fugong.inspections import events, work

        for kind in events.KINDS:
            registry.add_event_kind(kind)
        for source in work.SOURCES:
            registry.add_work_source(source)
        registry.add_suspension(_stops_in_force)
        registry.add_demo_step(
            "inspections", "fugong.inspections.demo.build_inspections", after=("cases",)
        )
        _register_figures()


def _stops_in_force(enterprise_id: int) -> list[str]:
    """An order to stop in force suspends the enterprise's resumption notice."""
    from django.utils.translation import gettext

    from fugong.inspections.choices import StopStatus
    from fugong.inspections.models import StopOrder

    numbers = StopOrder.objects.filter(
        enterprise_id=enterprise_id, status=StopStatus.IN_FORCE
    ).values_list("number", flat=True)
    return [gettext("Ordered to stop operating (%(number)s)") % {"number": n} for n in numbers]


def _register_figures() -> None:
    """Inspections, rectification orders and orders to stop, counted by the statistics layer
    (docs/statistics.md, "Inspections and rectification")."""
    from fugong.inspections.choices import InspectionKind, InspectionStatus, OrderStatus
    from fugong.inspections.models import Inspection, Rectification, StopOrder
    from fugong.stats.sources import InspectionSource, register_inspections

    register_inspections(
        InspectionSource(
            inspections=Inspection,
            kind="kind",
            status="status",
            done=InspectionStatus.DONE,
            submitted=InspectionStatus.SUBMITTED,
            performed_at="performed_at",
            passed="passed",
            reviewed_at="reviewed_at",
            kinds=tuple(
                (k.value, k.label) for k in InspectionKind if k != InspectionKind.SELF_CHECK
            ),
            self_check=InspectionKind.SELF_CHECK,
            orders=Rectification,
            order_status="status",
            order_cancelled=OrderStatus.CANCELLED,
            order_closed=OrderStatus.CLOSED,
            issued_at="issued_at",
            deadline="deadline",
            closed_at="closed_at",
            on_time="on_time",
            stops=StopOrder,
            lifted_at="lifted_at",
        )
    )
