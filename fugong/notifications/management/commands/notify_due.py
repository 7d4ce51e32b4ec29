"""``fugong notify-due``: send the messages whose retry time has come (and those a dead
worker left half sent). ``fugong serve`` runs it when it starts; with a task backend that
cannot defer a task, run it from cron every minute."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from fugong.notifications.services import deliveries_due


class Command(BaseCommand):
    help = "Send the notifications waiting to be tried again whose time has come."

    def handle(self, *args, **options) -> None:
        sent = deliveries_due()
        self.stdout.write(f"{sent} notification(s) sent.")
