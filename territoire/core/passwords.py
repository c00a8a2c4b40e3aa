"""Password rule added to Django's validators (length, common, numeric, similarity)."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class CharacterClassValidator:
    """At least three of: lower-case letter, upper-case letter, digit, other character
    (the ANSSI recommendation for a 12-character password)."""

    def validate(self, password: str, user=None) -> None:
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < 3:
            raise ValidationError(
                "Le mot de passe doit mêler au moins trois types de caractères parmi : "
                "minuscules, majuscules, chiffres et caractères spéciaux.",
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return (
            "Mêlez au moins trois types de caractères parmi : minuscules, majuscules, "
            "chiffres et caractères spéciaux."
        )
