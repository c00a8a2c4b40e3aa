"""Forms of the core. They validate and present; the writes are the services'."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting

from territoire.core.audit import action_choices
from territoire.core.models import Commune, Role, User
from territoire.core.modules import MODULE_CHOICES
from territoire.core.permissions import Principal, can, role_fits_scope


class FormRenderer(TemplatesSetting):
    """Renders each field with our accessible markup (label, help, errors, input)."""

    form_template_name = "core/forms/form.html"
    field_template_name = "core/forms/field.html"


class AccessibleFormMixin:
    """Ties each input to its help and error texts (aria-describedby) so that screen readers
    read them when the field takes focus."""

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            if self.errors:  # type: ignore[attr-defined]
                # Focus goes to the error summary, not to the first field.
                field.widget.attrs.pop("autofocus", None)
            bound = self[name]  # type: ignore[index]
            described = [f"{bound.auto_id}_help"] if field.help_text else []
            if name in self.errors:  # type: ignore[attr-defined]
                described.insert(0, f"{bound.auto_id}_error")
                field.widget.attrs["aria-invalid"] = "true"
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)


def attach_service_errors(
    form: forms.Form, exc: ValidationError, aliases: dict[str, str] | None = None
) -> None:
    """A service's ValidationError shown on the form's fields (``aliases``: service field name
    → form field name), or above the form when it names no field of it."""
    aliases = aliases or {}
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            field = aliases.get(name, name)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class LoginForm(AccessibleFormMixin, AuthenticationForm):
    username = forms.EmailField(
        label="Adresse électronique",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        help_text="Format attendu : nom@domaine.fr",
    )
    password = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": (
            "Adresse électronique ou mot de passe incorrect. Vérifiez votre saisie ; "
            "après plusieurs erreurs, l'accès est suspendu quelques minutes."
        ),
        "inactive": "Ce compte est désactivé. Contactez l'administrateur de votre commune.",
    }

    def clean_username(self) -> str:
        # Accounts are stored lower-cased; people type their address as they like.
        return self.cleaned_data["username"].strip().lower()


class ResetRequestForm(AccessibleFormMixin, PasswordResetForm):
    email = forms.EmailField(
        label="Adresse électronique",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="Format attendu : nom@domaine.fr",
    )

    def get_users(self, email: str):
        """Active accounts with that address, including invited people who have not chosen a
        password yet (Django's default leaves them out, and they would get nothing)."""
        return User.objects.filter(email__iexact=email.strip(), is_active=True)


class NewPasswordForm(AccessibleFormMixin, SetPasswordForm):
    pass


class CommuneSearchForm(AccessibleFormMixin, forms.Form):
    q = forms.CharField(
        label="Rechercher une commune",
        required=False,
        max_length=100,
        help_text="Nom, code postal ou code INSEE",
    )


def grantable_roles(principal: Principal, commune: Commune | None) -> list[tuple[str, Any]]:
    """The roles ``principal`` may give in that scope."""
    return [
        (value, label)
        for value, label in Role.choices
        if role_fits_scope(value, commune) and can(principal, "core.grant_role", (commune, value))
    ]


class InviteForm(AccessibleFormMixin, forms.Form):
    email = forms.EmailField(
        label="Adresse électronique",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text="Si la personne n'a pas encore de compte, elle reçoit un lien pour choisir "
        "son mot de passe.",
    )
    first_name = forms.CharField(label="Prénom", max_length=150, required=False)
    last_name = forms.CharField(label="Nom", max_length=150, required=False)
    role = forms.ChoiceField(label="Rôle")
    module = forms.ChoiceField(
        label="Module (agents seulement)",
        required=False,
        choices=[("", "Tous les modules")] + list(MODULE_CHOICES),
    )

    def __init__(self, *args, principal: Principal, commune: Commune | None, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = grantable_roles(principal, commune)


class AuditFilterForm(AccessibleFormMixin, forms.Form):
    q = forms.CharField(
        label="Recherche", required=False, max_length=100, help_text="Objet, action ou auteur"
    )
    commune = forms.ModelChoiceField(
        label="Commune",
        required=False,
        queryset=Commune.objects.none(),
        to_field_name="insee_code",
        empty_label="Toutes",
    )
    action = forms.ChoiceField(label="Action", required=False)
    actor = forms.CharField(label="Auteur", required=False, max_length=100)
    since = forms.DateField(
        label="Du",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label="Au",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["commune"]).queryset = communes
        cast(forms.ChoiceField, self.fields["action"]).choices = [
            ("", "Toutes"),
            *action_choices(),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "La date de fin doit suivre la date de début.")
        return data


class ApiKeyForm(AccessibleFormMixin, forms.Form):
    name = forms.CharField(
        label="Nom de la clé",
        max_length=100,
        help_text="Par exemple : « Serveur de réseau LoRaWAN »",
    )
    module = forms.ChoiceField(label="Module", choices=MODULE_CHOICES)
