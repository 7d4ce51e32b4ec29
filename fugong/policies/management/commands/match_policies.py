"""Match every benefit in force with every enterprise again (after a bulk import, say)."""

import time

from django.core.management.base import BaseCommand

from fugong.policies import matching


class Command(BaseCommand):
    help = "Match every published policy benefit with all enterprises again."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-events", action="store_true", help="tell nobody")

    def handle(self, *args, **options):
        started = time.perf_counter()
        counts = matching.match_all(notify=not options["quiet_events"])
        self.stdout.write(
            f"{len(counts)} benefits, {sum(counts.values())} eligible pairs, "
            f"{time.perf_counter() - started:.1f} s"
        )
