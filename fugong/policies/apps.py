from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from fugong.accounts.choices import Role
from fugong.core import registry

GOVERNMENT = frozenset(
    {Role.PLATFORM_ADMIN, Role.COMMAND, Role.REVIEWER, Role.DEPARTMENT, Role.CADRE}
)


class PoliciesConfig(AppConfig):
    name = "fugong.policies"
    label = "policies"
    verbose_name = _("Policies and benefits")

    def ready(self) -> None:
        from fugong.policies import events, jobs, signals  # noqa: F401  (jobs, signals)

        for kind in events.KINDS:
            registry.add_event_kind(kind)
        registry.add_demo_step(
            "policies", "fugong.policies.demo.build_policies", after=("inspections",)
        )
