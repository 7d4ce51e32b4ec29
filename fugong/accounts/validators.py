from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from zxcvbn import zxcvbn

# zxcvbn is slow on very long input, and the start of a password is what decides its score.
_CHECKED_LENGTH = 72


class CharacterClassValidator:
    """A password must mix letters and digits."""

    def validate(self, password: str, user=None) -> None:
        if not (any(c.isalpha() for c in password) and any(c.isdigit() for c in password)):
            raise ValidationError(
                _("The password must contain both letters and digits."), code="password_classes"
            )

    def get_help_text(self) -> str:
        return _("Your password must contain both letters and digits.")


class StrengthValidator:
    """A password must be hard to guess by zxcvbn's estimate (score 0–4, from repeats,
    sequences, keyboard patterns, dictionary words and the user's own name and phone), so that
    ``a1a1a1a1a1`` or ``password123`` are refused even though they mix letters and digits."""

    def __init__(self, min_score: int = 3):
        self.min_score = min_score

    def validate(self, password: str, user=None) -> None:
        inputs = []
        if user is not None:
            for attr in ("username", "full_name", "first_name", "last_name", "email", "phone"):
                value = getattr(user, attr, "")
                if value:
                    inputs.append(str(value))
        result = zxcvbn(password[:_CHECKED_LENGTH], user_inputs=inputs)
        if result["score"] < self.min_score:
            raise ValidationError(
                _(
                    "This password is too easy to guess. Use a longer one without repeats, "
                    "sequences or your own name, e.g. a few unrelated words with digits."
                ),
                code="password_too_weak",
            )

    def get_help_text(self) -> str:
        return _("Your password must be hard to guess: no repeats, sequences or your own name.")
