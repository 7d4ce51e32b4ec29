from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    """Requests (诉求) of enterprises answered on time and measured (issue 14, MISSION C5):
    raised, dispatched by a routing table, handled by the departments within working-day
    limits, replied, rated; the closed loop of the 12345 hotline."""

    name = "fugong.cases"
    label = "cases"
    verbose_name = _("Requests")

    def ready(self) -> None:
        from fugong.accounts.choices import Role
        from fugong.cases import common, events, work  # noqa: F401  (common: its job)
        from fugong.core import registry
        from fugong.core.registry import MenuItem

        for kind in events.KINDS:
            registry.add_event_kind(kind)
        for source in work.SOURCES:
            registry.add_work_source(source)
        registry.add_urls("cases/", "fugong.cases.urls", order=450)
        # 举报: the public page (no login) and its CAPTCHA's pictures.
        registry.add_urls("tips/captcha/", "captcha.urls", order=451)
        registry.add_urls("tips/", "fugong.cases.public_urls", order=452)
        registry.add_api_router("/cases", "fugong.cases.api.router", order=650)
        registry.add_startup_task(_escalate)
        _name_the_captcha()
        _register_figures()
        registry.add_demo_step("cases", "fugong.cases.demo.build_cases", after=("users",))
        registry.add_menu(
            MenuItem(
                _("Requests"),
                "cases:list",
                "chat-left-text",
                frozenset(
                    {
                        Role.PLATFORM_ADMIN,
                        Role.COMMAND,
                        Role.CADRE,
                        Role.ENTERPRISE,
                        Role.PARK_OPERATOR,
                    }
                ),
                "/cases/",
                order=240,
            ),
            MenuItem(
                _("Requests to dispatch"),
                "cases:queue",
                "signpost",
                frozenset({Role.COMMAND}),
                "/cases/queue/",
                order=241,
            ),
            MenuItem(
                _("Requests to handle"),
                "cases:inbox",
                "inbox",
                frozenset({Role.DEPARTMENT, Role.REVIEWER}),
                "/cases/inbox/",
                order=242,
            ),
            MenuItem(
                _("Common problems"),
                "cases:common",
                "diagram-3",
                frozenset({Role.COMMAND}),
                "/cases/common/",
                order=244,
            ),
            MenuItem(
                _("Green channel"),
                "cases:green",
                "lightning-charge",
                frozenset({Role.COMMAND}),
                "/cases/green/",
                order=247,
            ),
            MenuItem(
                _("Visits"),
                "cases:visits",
                "person-walking",
                frozenset({Role.CADRE, Role.COMMAND}),
                "/cases/visits/",
                order=245,
            ),
            MenuItem(
                _("Visit coverage"),
                "cases:coverage",
                "bullseye",
                frozenset({Role.COMMAND}),
                "/cases/visits/coverage/",
                order=246,
            ),
            MenuItem(
                _("Tips"),
                "cases:tips",
                "megaphone",
                frozenset({Role.COMMAND, Role.DEPARTMENT, Role.REVIEWER}),
                "/cases/tips/",
                order=248,
            ),
            MenuItem(
                _("Overdue requests"),
                "cases:overdue",
                "alarm",
                frozenset({Role.COMMAND, Role.DEPARTMENT, Role.REVIEWER}),
                "/cases/overdue/",
                order=243,
            ),
        )


def _name_the_captcha() -> None:
    """django-simple-captcha (the public tip page's CAPTCHA) names its app and model in plain
    English, not marked for translation: named here, so the admin's permission lists show
    them in the user's language."""
    from django.apps import apps

    if "captcha" in apps.app_configs:
        from captcha.models import CaptchaStore

        apps.get_app_config("captcha").verbose_name = _("CAPTCHA")
        CaptchaStore._meta.verbose_name = _("CAPTCHA picture")
        CaptchaStore._meta.verbose_name_plural = _("CAPTCHA pictures")


def _escalate(command) -> None:
    """督办 when the server starts (and daily from cron: ``fugong escalate-cases``)."""
    from fugong.cases.services import escalate_overdue

    issued = escalate_overdue()
    if issued:
        command.stdout.write(f"Overdue requests escalated: {issued} urging notice(s).")


def _register_figures() -> None:
    """The requests, counted by the statistics layer (docs/statistics.md, "Requests")."""
    from fugong.cases.choices import WITH_DEPARTMENT, Rating, Status
    from fugong.cases.models import Case
    from fugong.stats.sources import RequestSource, register_requests

    register_requests(
        RequestSource(
            model=Case,
            place_path="jurisdiction__path",
            status="status",
            withdrawn=Status.WITHDRAWN,
            with_department=tuple(sorted(WITH_DEPARTMENT)),
            created="created_at",
            replied_at="replied_at",
            on_time="on_time",
            rating="rating",
            content=(Rating.SATISFIED, Rating.BASIC),
            rated_at="closed_at",
            due="due",
            escalation="escalation",
            department="lead_office",
            category="category",
        )
    )
