"""``fugong purge-health``: delete the check-ins, travel histories and roster files older than
FUGONG_HEALTH_RETENTION_DAYS (the counts are kept; each purge is logged). Run nightly."""

from django.core.management.base import BaseCommand

from fugong.workforce.retention import purge


class Command(BaseCommand):
    help = "Delete the health records older than FUGONG_HEALTH_RETENTION_DAYS (PIPL)."

    def handle(self, *args, **options) -> None:
        done = purge()
        self.stdout.write(
            f"{done['checkins']} check-in(s), {done['travel_14d']} travel history(ies) and "
            f"{done['roster_files']} roster file(s) deleted."
        )
