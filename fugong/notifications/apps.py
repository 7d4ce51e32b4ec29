from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Notifications (issue 12, MISSION C13): the events the apps declare reach the people
    they concern in their inbox (站内信), after the step that raised them has committed."""

    name = "fugong.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from fugong.core import registry
        from fugong.notifications import signals  # noqa: F401  (connects the workflow steps)

        registry.add_urls("notifications/", "fugong.notifications.urls", order=600)
        registry.add_top_bar("notifications/_badge_slot.html", order=10)
        registry.add_startup_task(_send_due)
        # No menu entry: the bell in the top bar leads to the inbox (the menu is full).


def _send_due(command) -> None:
    """Send what waited while the server was down (retries whose time has come)."""
    from fugong.notifications.services import deliveries_due

    sent = deliveries_due()
    if sent:
        command.stdout.write(f"{sent} notification(s) waiting to be sent were sent.")
