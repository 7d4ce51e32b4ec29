"""``fugong escalate-cases``: 督办, the requests past their reply date escalated one level up
with a numbered 催办通知书 (docs/cases.md). Run daily (cron); the server runs it at start-up."""

from django.core.management.base import BaseCommand

from fugong.cases.services import escalate_overdue


class Command(BaseCommand):
    help = "Escalate the overdue requests one level up with a numbered urging notice."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"{escalate_overdue()} urging notice(s) issued.")
