"""Procedure forms described as data (a versioned JSON schema) and turned into Django forms.

A schema is ``{"pages": [{"title": str, "fields": [field, ...]}, ...]}``; a field is
``{"name", "label", "type", "required", "help", "choices", "min", "max", "max_length",
"condition": {"field", "value"} | None, "fields": [...] (group), "max_items" (group)}``.
A *group* is a repeatable set of sub-fields (one row per item: children, vehicles...).
A *condition* makes a field apply only when another field (earlier in the form, or on the
same page) has a given value; fields whose condition is not met are neither required nor
kept.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.html import escape

from territoire.core.forms import AccessibleFormMixin
from territoire.core.selectors import commune_find

FIELD_TYPES: dict[str, str] = {
    "text": "Texte",
    "textarea": "Texte long",
    "number": "Nombre",
    "date": "Date",
    "choice": "Choix dans une liste",
    "file": "Pièce jointe (PDF, JPEG, PNG)",
    "address": "Adresse postale",
    "email": "Adresse électronique",
    "phone": "Numéro de téléphone",
    "checkbox": "Case à cocher",
    "commune": "Commune de la CUA",
    "group": "Groupe répétable",
}
NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
PHONE = RegexValidator(
    r"^(?:\+33\s?|0)[1-9](?:[\s.-]?\d{2}){4}$",
    "Numéro de téléphone invalide : 10 chiffres, par exemple 03 21 00 00 00.",
)
MAX_GROUP_ITEMS = 20


def empty_schema() -> dict[str, Any]:
    return {"pages": [{"title": "Votre demande", "fields": []}]}


def all_fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Top-level fields of every page, in order."""
    return [field for page in schema.get("pages", []) for field in page.get("fields", [])]


def commune_field(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The first top-level field of type "commune" (routing of CUA-wide requests)."""
    return next((f for f in all_fields(schema) if f.get("type") == "commune"), None)


def field_names(schema: dict[str, Any]) -> set[str]:
    names = set()
    for field in all_fields(schema):
        names.add(field["name"])
        names.update(sub["name"] for sub in field.get("fields", []))
    return names


def check_field(field: dict[str, Any], existing: set[str], earlier: set[str]) -> dict[str, str]:
    """French errors of one field definition, keyed by attribute."""
    errors = {}
    if not NAME.match(field.get("name", "")):
        errors["name"] = (
            "Identifiant invalide : lettres minuscules sans accent, chiffres et _ (40 au plus), "
            "en commençant par une lettre."
        )
    elif field["name"] in existing:
        errors["name"] = "Un autre champ porte déjà cet identifiant."
    if not str(field.get("label", "")).strip():
        errors["label"] = "Indiquez le libellé du champ."
    if field.get("type") not in FIELD_TYPES:
        errors["type"] = "Choisissez un type de champ."
    if field.get("type") == "choice" and len(field.get("choices") or []) < 2:
        errors["choices"] = "Une liste de choix a au moins deux choix (un par ligne)."
    low, high = field.get("min"), field.get("max")
    if low is not None and high is not None and Decimal(str(low)) > Decimal(str(high)):
        errors["max"] = "Le maximum doit être supérieur au minimum."
    condition = field.get("condition")
    if condition and condition.get("field") not in earlier:
        errors["condition"] = "La condition doit porter sur un champ placé avant celui-ci."
    return errors


def check_schema(schema: dict[str, Any]) -> None:
    """Raise ValidationError if the schema is malformed (services call it on every edit)."""
    pages = schema.get("pages")
    if not isinstance(pages, list) or not pages:
        raise ValidationError("Le formulaire doit avoir au moins une page.")
    seen: set[str] = set()
    for page in pages:
        if not str(page.get("title", "")).strip():
            raise ValidationError("Chaque page a un titre.")
        for field in page.get("fields", []):
            errors = check_field(field, seen, seen)
            if errors:
                raise ValidationError(
                    f"Champ « {field.get('label')} » : {next(iter(errors.values()))}"
                )
            seen.add(field["name"])
            for sub in field.get("fields", []):
                if sub.get("type") in ("group", "file"):
                    raise ValidationError("Un groupe ne contient ni groupe ni pièce jointe.")
                errors = check_field(sub, seen, seen)
                if errors:
                    raise ValidationError(next(iter(errors.values())))
                seen.add(sub["name"])


def condition_met(field: dict[str, Any], values: dict[str, Any]) -> bool:
    condition = field.get("condition")
    if not condition:
        return True
    value = values.get(condition["field"])
    if isinstance(value, bool):
        value = "oui" if value else "non"
    return str(value or "") == str(condition.get("value", ""))


def _help(field: dict[str, Any], labels: dict[str, str]) -> str:
    parts = [field.get("help", "")]
    condition = field.get("condition")
    if condition:
        parts.append(
            f"À remplir seulement si « {labels.get(condition['field'], condition['field'])} » "
            f"vaut « {condition.get('value', '')} »."
        )
    # Escaped here: the shared field template marks help texts safe, and these come from
    # agents' form definitions.
    return escape(" ".join(part for part in parts if part))


def django_field(field: dict[str, Any], labels: dict[str, str]) -> forms.Field:
    """The Django field of one schema field (required is checked by the page form, so that
    conditions can waive it)."""
    kind = field["type"]
    common: dict[str, Any] = {
        "label": field["label"],
        "required": False,
        "help_text": _help(field, labels),
    }
    if kind == "number":
        return forms.DecimalField(
            min_value=field.get("min"),
            max_value=field.get("max"),
            max_digits=14,
            decimal_places=4,
            **common,
        )
    if kind == "date":
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common
        )
    if kind == "choice":
        choices = [("", "— Choisir —")] + [(c, c) for c in field.get("choices", [])]
        return forms.ChoiceField(choices=choices, **common)
    if kind == "file":
        return forms.FileField(
            widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}), **common
        )
    if kind == "email":
        return forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}), **common)
    if kind == "phone":
        return forms.CharField(
            max_length=20,
            validators=[PHONE],
            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            **common,
        )
    if kind == "address":
        return forms.CharField(
            max_length=300,
            widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
            **common,
        )
    if kind == "checkbox":
        return forms.BooleanField(**common)
    if kind == "commune":
        from territoire.core.models import Commune

        communes = Commune.objects.order_by("name").values_list("insee_code", "name")
        return forms.ChoiceField(choices=[("", "— Choisir —"), *communes], **common)
    max_length = field.get("max_length") or (5000 if kind == "textarea" else 300)
    widget = forms.Textarea(attrs={"rows": 5}) if kind == "textarea" else forms.TextInput()
    return forms.CharField(max_length=max_length, widget=widget, **common)


def with_condition(django: forms.Field, field: dict[str, Any]) -> forms.Field:
    """Mark the widget with its condition, for the page's script that hides it while the
    condition is not met (procedures-conditions.js)."""
    condition = field.get("condition")
    if condition:
        django.widget.attrs["data-show-if"] = condition["field"]
        django.widget.attrs["data-show-if-value"] = str(condition.get("value", ""))
    return django


def to_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


class PageForm(AccessibleFormMixin, forms.Form):
    """The fields of one page of a procedure form. Group rows are named
    ``<group>__<row>__<field>``; file fields are validated here and stored by the service."""

    def __init__(
        self,
        *args,
        page: dict[str, Any],
        labels: dict[str, str],
        values: dict[str, Any],
        rows: dict[str, int],
        partial: bool = False,
        **kwargs,
    ):
        """``partial``: saving a draft, where required answers may still be missing."""
        self.page, self.values, self.rows, self.partial = page, values, rows, partial
        super().__init__(*args, **kwargs)
        self.groups: list[tuple[dict[str, Any], list[list[str]]]] = []
        for field in page["fields"]:
            if field["type"] == "group":
                names = []
                for row in range(rows.get(field["name"], 1)):
                    row_names = []
                    for sub in field.get("fields", []):
                        name = f"{field['name']}__{row}__{sub['name']}"
                        self.fields[name] = django_field(sub, labels)
                        self.fields[name].label = f"{sub['label']} ({row + 1})"
                        row_names.append(name)
                    names.append(row_names)
                self.groups.append((field, names))
            else:
                self.fields[field["name"]] = with_condition(django_field(field, labels), field)
                already = field["type"] == "file" and values.get(field["name"])
                if field.get("required") and not field.get("condition") and not already:
                    # Shown as required; enforced by clean() (conditions may waive it).
                    self.fields[field["name"]].required = not partial
                if already:
                    self.fields[field["name"]].help_text = (
                        f"Fichier déjà joint : {escape(values[field['name']]['name'])}. "
                        "Envoyez-en un autre pour le remplacer."
                    )

    def group_names(self) -> set[str]:
        return {name for _, rows in self.groups for row in rows for name in row}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.partial:
            return data
        merged = {**self.values, **data}
        for field in self.page["fields"]:
            if not condition_met(field, merged):
                continue
            if field["type"] == "group":
                if field.get("required") and not any(
                    data.get(name) not in (None, "", False)
                    for _, rows in self.groups
                    if _ is field
                    for row in rows
                    for name in row
                ):
                    self.add_error(None, f"« {field['label']} » : remplissez au moins une ligne.")
                for group, rows in self.groups:
                    if group is not field:
                        continue
                    for row in rows:
                        filled = any(data.get(name) not in (None, "", False) for name in row)
                        for name, sub in zip(row, field.get("fields", []), strict=True):
                            if filled and sub.get("required") and data.get(name) in (None, ""):
                                self.add_error(name, "Ce champ est obligatoire.")
                continue
            name = field["name"]
            if not field.get("required") or name in self.errors:
                continue
            if field["type"] == "file":
                if not data.get(name) and not self.values.get(name):
                    self.add_error(name, "Joignez ce document.")
            elif field["type"] == "checkbox":
                if not data.get(name):
                    self.add_error(name, "Cochez cette case pour continuer.")
            elif data.get(name) in (None, ""):
                self.add_error(name, "Ce champ est obligatoire.")
        return data

    def values_to_store(self) -> dict[str, Any]:
        """The page's answers as JSON values (groups as lists of rows; files left out)."""
        out: dict[str, Any] = {}
        data = self.cleaned_data
        for field in self.page["fields"]:
            if field["type"] == "group":
                rows = []
                for group, names in self.groups:
                    if group is not field:
                        continue
                    for row in names:
                        item = {
                            sub["name"]: to_json(data.get(name))
                            for name, sub in zip(row, field.get("fields", []), strict=True)
                        }
                        if any(v not in (None, "", False) for v in item.values()):
                            rows.append(item)
                out[field["name"]] = rows
            elif field["type"] != "file":
                out[field["name"]] = to_json(data.get(field["name"]))
        # An answer whose condition is not met is not kept (typed before the person changed
        # their mind, or sent by a browser without the page's script).
        merged = {**self.values, **out}
        for field in self.page["fields"]:
            if field["name"] in out and not condition_met(field, merged):
                out[field["name"]] = [] if field["type"] == "group" else None
        return out


def initial_for(
    page: dict[str, Any], values: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, int]]:
    """Initial form values and group row counts from stored answers (resuming a draft)."""
    initial: dict[str, Any] = {}
    rows: dict[str, int] = {}
    for field in page["fields"]:
        if field["type"] == "group":
            items = values.get(field["name"]) or []
            rows[field["name"]] = max(1, len(items))
            for index, item in enumerate(items):
                for sub in field.get("fields", []):
                    initial[f"{field['name']}__{index}__{sub['name']}"] = item.get(sub["name"])
        elif field["type"] != "file":
            initial[field["name"]] = values.get(field["name"])
    return initial, rows


def visible_pages(schema: dict[str, Any], values: dict[str, Any]) -> list[int]:
    """Indexes of pages with at least one field whose condition is met."""
    return [
        index
        for index, page in enumerate(schema.get("pages", []))
        if any(condition_met(field, values) for field in page.get("fields", []))
    ]


def answers(
    schema: dict[str, Any], values: dict[str, Any]
) -> list[tuple[str, list[tuple[str, Any]]]]:
    """(page title, [(label, shown value)]) for summaries, leaving out waived fields."""
    out = []
    for page in schema.get("pages", []):
        rows = []
        for field in page.get("fields", []):
            if not condition_met(field, values):
                continue
            value = values.get(field["name"])
            if field["type"] == "group":
                for index, item in enumerate(value or []):
                    for sub in field.get("fields", []):
                        rows.append(
                            (
                                f"{field['label']} {index + 1} — {sub['label']}",
                                _shown(sub, item.get(sub["name"])),
                            )
                        )
            else:
                rows.append((field["label"], _shown(field, value)))
        out.append((page["title"], rows))
    return out


def _shown(field: dict[str, Any], value: Any) -> str:
    if value in (None, "", []):
        return "—"
    if field["type"] == "checkbox":
        return "oui" if value else "non"
    if field["type"] == "commune":
        commune = commune_find(insee_code=value)
        return commune.name if commune else str(value)
    if field["type"] == "file":
        return value.get("name", "") if isinstance(value, dict) else str(value)
    if field["type"] == "date":
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except (TypeError, ValueError):
            return str(value)
    return str(value)
