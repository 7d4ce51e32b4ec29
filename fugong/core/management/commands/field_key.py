"""``fugong field-key``: print a new key for FUGONG_FIELD_KEYS (32 random bytes, base64url)."""

from django.core.management.base import BaseCommand

from fugong.core.crypto import new_key


class Command(BaseCommand):
    help = "Print a new key for FUGONG_FIELD_KEYS (personal data encrypted at rest)."

    def handle(self, *args, **options) -> None:
        self.stdout.write(new_key())
