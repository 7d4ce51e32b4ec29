from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkforceConfig(AppConfig):
    """Workforce and health (issue 13, MISSION C4, seed 004): one file per person (一人一档)
    in each enterprise's roster; one identity per 身份证号 across enterprises, the number kept
    encrypted at rest and found by its keyed hash."""

    name = "fugong.workforce"
    label = "workforce"
    verbose_name = _("Workforce and health")

    def ready(self) -> None:
        from fugong.accounts.choices import Role
        from fugong.core import registry
        from fugong.core.imports import registry as imports
        from fugong.core.registry import MenuItem
        from fugong.workforce.importer import RosterImporter

        imports.register(RosterImporter())  # the roster on the import engine
        from fugong.workforce import events, export, rules  # noqa: F401  (register jobs)

        for kind in events.KINDS:
            registry.add_event_kind(kind)
        for source in events.SOURCES:
            registry.add_work_source(source)

        _register_staff_figures()
        registry.add_urls("workforce/", "fugong.workforce.urls", order=400)
        registry.add_api_router("/workforce", "fugong.workforce.api.router", order=600)
        from fugong.workforce import fastlane

        registry.add_fast_route(fastlane.ROUTE)  # one's own check-in, in front of Django
        from fugong.workforce import home

        for tile in home.TILES:
            registry.add_home_tile(tile)
        registry.add_startup_task(_purge_health)
        registry.add_demo_step("roster", "fugong.workforce.demo.build_roster", after=("users",))
        registry.add_menu(
            MenuItem(
                _("Employee roster"),
                "workforce:roster",
                "person-vcard",
                frozenset(
                    {
                        Role.PLATFORM_ADMIN,
                        Role.COMMAND,
                        Role.CADRE,
                        Role.ENTERPRISE,
                        Role.PARK_OPERATOR,
                    }
                ),
                "/workforce/",
                order=150,
            ),
            MenuItem(
                _("Passes to approve"),
                "workforce:pass_approvals",
                "patch-check",
                frozenset({Role.CADRE}),
                "/workforce/passes/",
                order=170,
            ),
            MenuItem(
                _("Gate check"),
                "workforce:gate",
                "qr-code-scan",
                frozenset({Role.ENTERPRISE, Role.PARK_OPERATOR}),
                "/workforce/gate/",
                order=175,
            ),
            MenuItem(
                _("My check-in"),
                "workforce:me",
                "thermometer-half",
                frozenset({Role.EMPLOYEE}),
                "/workforce/me/",
                order=20,
            ),
            MenuItem(
                _("Today's check-ins"),
                "workforce:today",
                "clipboard2-pulse",
                frozenset({Role.ENTERPRISE}),
                "/workforce/today/",
                order=155,
            ),
            MenuItem(
                _("Health of the day"),
                "workforce:health",
                "heart-pulse",
                frozenset({Role.CADRE, Role.COMMAND}),
                "/workforce/health/",
                order=158,
            ),
            MenuItem(
                _("Staff figures"),
                "workforce:figures",
                "bar-chart-line",
                frozenset({Role.COMMAND}),
                "/workforce/figures/",
                order=159,
            ),
            MenuItem(
                _("Region risk list"),
                "workforce:risks",
                "exclamation-triangle",
                frozenset({Role.PLATFORM_ADMIN}),
                "/workforce/risks/",
                order=165,
            ),
            MenuItem(
                _("Origin rules"),
                "workforce:rules",
                "signpost-split",
                frozenset({Role.COMMAND}),
                "/workforce/rules/",
                order=160,
            ),
        )


def _register_staff_figures() -> None:
    """The rosters and check-ins, counted by the statistics layer beside the self-reported
    headcount (docs/statistics.md, "Staff from the rosters")."""
    from fugong.stats.sources import StaffSource, register_staff
    from fugong.workforce.checkins import EXPECTED, current_half
    from fugong.workforce.choices import Half, WorkStatus
    from fugong.workforce.models import CheckIn, Employee

    register_staff(
        StaffSource(
            people=Employee,
            place_path="enterprise__jurisdiction__path",
            status="work_status",
            off_roster=(WorkStatus.LEFT,),
            at_work=(WorkStatus.AT_WORK,),
            expected=tuple(EXPECTED),
            checkins=CheckIn,
            checkin_person="employee",
            day="day",
            half="half",
            abnormal="abnormal",
            halves=tuple(Half.choices),
            current_half=current_half,
        )
    )


def _purge_health(command) -> None:
    """Delete the health records past their retention (PIPL) when the server starts."""
    from fugong.workforce.retention import purge

    done = purge()
    if any(done.values()):
        command.stdout.write(f"Health records past their retention deleted: {done}.")
