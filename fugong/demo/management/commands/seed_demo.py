from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from config.env import env_str
from fugong.demo.generator import SCALES, demo_loaded, load_demo


class Command(BaseCommand):
    help = "Load the demo county (deterministic for a given --scale and --seed)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds data (keeps existing data).",
        )

    def handle(self, *args, scale: str, seed: int, if_empty: bool, **options) -> None:
        if demo_loaded():
            if if_empty:
                self.stdout.write(
                    "The database already holds data; kept it as it is. "
                    "The demo password was printed when the demo was first loaded."
                )
                return
            raise CommandError(
                "The database already holds data. Use a new FUGONG_DATA_DIR or DATABASE_URL."
            )
        password = env_str("FUGONG_DEMO_PASSWORD") or None
        if password:
            try:
                validate_password(password)
            except ValidationError as exc:
                raise CommandError(
                    "FUGONG_DEMO_PASSWORD is too weak: " + " ".join(exc.messages)
                ) from exc
        result = load_demo(scale=scale, seed=seed, password=password)
        counts = ", ".join(f"{v} {k}" for k, v in result.counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"Demo county loaded ({scale}, seed {seed}): {counts}.")
        )
        self.stdout.write("Demo accounts (user name — role — where):")
        for account in result.accounts:
            self.stdout.write(f"  {account.username:<16} {account.role:<15} {account.where}")
        if result.password_generated:
            self.stdout.write(
                self.style.WARNING(
                    f"Password for every demo account: {result.password}\n"
                    "It is printed only this once; set FUGONG_DEMO_PASSWORD to choose your own."
                )
            )
        else:
            self.stdout.write("Password for every demo account: the value of FUGONG_DEMO_PASSWORD.")
