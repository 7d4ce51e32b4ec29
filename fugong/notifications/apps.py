from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Notifications (issue 12, MISSION C13): the events the apps declare reach the people
    they concern in their inbox (站内信), after the step that raised them has committed."""

    name = "fugong.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from django.urls import reverse
        from django.utils.translation import gettext

        from fugong.accounts.choices import COMMAND_ROLES
        from fugong.core import registry
        from fugong.core.registry import EventKind, MenuItem
        from fugong.notifications import signals  # noqa: F401  (connects the workflow steps)

        registry.add_urls("notifications/", "fugong.notifications.urls", order=600)
        registry.add_top_bar("notifications/_badge_slot.html", order=10)
        registry.add_startup_task(_send_due)
        registry.add_demo_step(
            "notifications", "fugong.notifications.demo.build_setup", after=("filings",)
        )
        registry.add_event_kind(
            EventKind(
                code="notifications.robot_test",
                label=_("Test message to a group robot"),
                recipients=lambda robot: [],
                title=lambda params: gettext("Test message to the group %(robot)s") % params,
                url=lambda robot: reverse("home"),  # the group reads it: the platform's home
                retry=False,  # a test says at once what failed
            )
        )
        registry.add_menu(
            MenuItem(
                _("Notification set-up"),
                "notifications:setup",
                "bell",
                COMMAND_ROLES,
                "/notifications/setup/",
                order=720,
            )
        )
        # The bell in the top bar leads to the inbox (no menu entry: the menu is full).


def _send_due(command) -> None:
    """Send what waited while the server was down (retries whose time has come)."""
    from fugong.notifications.services import deliveries_due

    sent = deliveries_due()
    if sent:
        command.stdout.write(f"{sent} notification(s) waiting to be sent were sent.")
