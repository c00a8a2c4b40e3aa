"""Forms of the governance pages. They validate and present; the services write."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db import models

from territoire.core.forms import AccessibleFormMixin
from territoire.core.models import Commune, User
from territoire.governance import legal
from territoire.governance.models import (
    DATA_CATEGORIES,
    DATA_THEMES,
    SECURITY_MEASURES,
    AlgorithmEntry,
    CharterPrinciple,
    Dataset,
    Meeting,
    Opinion,
    Outcome,
    ProcessingActivity,
    Project,
    ProjectState,
)
from territoire.governance.services.review import PROJECT_FIELDS

FIELDSET = "governance/forms/fieldset.html"
# EDPB criteria that follow from the sheet's answers (assessments.edpb_criteria_met); the
# others are ticked, "innovative" too since a technology can be new without AI.
DERIVED_CRITERIA = {"sensitive", "vulnerable", "large_scale", "automated_decision"}
CUA_CHOICE = "cua"


def fieldset(field: forms.Field) -> Any:
    """Render ``field`` (radio buttons, checkboxes) as a fieldset with its legend."""
    field.template_name = FIELDSET  # type: ignore[attr-defined]
    return field


def _multiple(label: str, items: dict[str, Any], help_text: str = "") -> forms.MultipleChoiceField:
    choices = [
        (code, item.label if hasattr(item, "label") else item) for code, item in items.items()
    ]
    return fieldset(
        forms.MultipleChoiceField(
            label=label,
            choices=choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=help_text,
        )
    )


def owner_choices(communes, with_cua: bool) -> list[tuple[str, str]]:
    choices = [(CUA_CHOICE, "Communauté urbaine d'Arras")] if with_cua else []
    return choices + [(str(c.pk), c.name) for c in communes]


class OwnerMixin:
    """A "who owns this" select: the CUA or one of the communes the person works for."""

    def owner_commune(self) -> Commune | None:
        value = self.cleaned_data["owner"]  # type: ignore[attr-defined]
        return None if value == CUA_CHOICE else Commune.objects.get(pk=int(value))


class ProjectForm(OwnerMixin, AccessibleFormMixin, forms.ModelForm):
    owner = forms.ChoiceField(label="Porteur du projet")
    edpb_criteria = _multiple(
        "Critères de risque (lignes directrices du CEPD)",
        {k: v for k, v in legal.EDPB_CRITERIA.items() if k not in DERIVED_CRITERIA},
        "Les autres critères découlent de vos réponses ci-dessus (l'usage de l'IA compte "
        "comme usage innovant).",
    )
    cnil_cases = _multiple("Cas de la liste de la CNIL", legal.CNIL_CASES)
    ai_uses = _multiple(
        "Usages de l'IA",
        {**legal.PROHIBITED_USES, **legal.HIGH_RISK_USES, **legal.LIMITED_RISK_USES},
        "Cochez tout ce que fait le système ; le niveau de risque en découle.",
    )

    SECTIONS = [
        ("Le projet", ["owner", "title", "purpose", "public_benefit", "service_owner"]),
        (
            "Les données",
            [
                "data_categories",
                "personal_data",
                "sensitive_data",
                "data_sources",
                "other_institutions",
            ],
        ),
        (
            "Les personnes concernées",
            [
                "people_affected",
                "vulnerable_people",
                "large_scale",
                "individual_decisions",
                "fully_automated",
            ],
        ),
        (
            "Intelligence artificielle et sobriété",
            [
                "is_ai",
                "ai_kind",
                "ai_uses",
                "frugality_test",
                "energy_footprint",
                "equipment_footprint",
            ],
        ),
        ("Hébergement et prestataires", ["hosting", "vendors"]),
        ("Contrôle humain et droits des personnes", ["human_oversight", "information_and_contest"]),
        ("Risques pour la vie privée", ["edpb_criteria", "cnil_cases"]),
    ]

    class Meta:
        model = Project
        fields = [name for name in PROJECT_FIELDS]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in [
                "purpose",
                "public_benefit",
                "data_categories",
                "data_sources",
                "other_institutions",
                "people_affected",
                "frugality_test",
                "energy_footprint",
                "equipment_footprint",
                "human_oversight",
                "information_and_contest",
            ]
        }
        help_texts = {
            "data_categories": "Par exemple : comptages anonymes, consommations d'eau, état civil.",
            "sensitive_data": (
                "Santé, opinions, origine, biométrie, mais aussi localisation, finances, "
                "infractions."
            ),
            "individual_decisions": (
                "Le traitement sert à prendre des décisions concernant une personne "
                "(aide, tarif, place…)."
            ),
            "frugality_test": (
                "Quelle solution plus simple a été envisagée, et pourquoi ne suffit-elle pas ?"
            ),
            "energy_footprint": (
                "Entraînement, calcul, stockage : ordre de grandeur en kWh par an si connu."
            ),
            "information_and_contest": (
                "Comment les personnes sont informées et comment elles contestent une décision."
            ),
        }

    def __init__(self, *args, communes=(), with_cua: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["owner"]).choices = owner_choices(communes, with_cua)
        if self.instance.pk:
            self.fields["owner"].disabled = True
            self.fields["owner"].initial = (
                str(self.instance.commune_id) if self.instance.commune_id else CUA_CHOICE
            )
            self.fields["owner"].help_text = "Le porteur d'un projet ne change pas."
        for name in (
            "ai_kind",
            "frugality_test",
            "energy_footprint",
            "equipment_footprint",
            "hosting",
            "vendors",
            "data_sources",
            "other_institutions",
        ):
            self.fields[name].required = False

    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in PROJECT_FIELDS}


class ProjectFilterForm(AccessibleFormMixin, forms.Form):
    q = forms.CharField(label="Rechercher", required=False, max_length=100)
    state = forms.ChoiceField(
        label="État", required=False, choices=[("", "Tous")] + list(ProjectState.choices)
    )


class ReviewersForm(AccessibleFormMixin, forms.Form):
    reviewers = fieldset(
        forms.ModelMultipleChoiceField(
            label="Rapporteurs",
            queryset=User.objects.none(),
            widget=forms.CheckboxSelectMultiple,
            help_text="Au moins deux membres du comité ; pas l'auteur du projet.",
        )
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["reviewers"]
        field.queryset = members  # type: ignore[attr-defined]
        field.label_from_instance = lambda user: user.get_full_name() or user.email  # type: ignore[attr-defined]


class OpinionForm(AccessibleFormMixin, forms.Form):
    """A score and a comment for each principle of the review's charter."""

    def __init__(
        self, *args, principles: list[CharterPrinciple], previous: dict[int, Opinion], **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.principles = principles
        for principle in principles:
            earlier = previous.get(principle.pk)
            self.fields[f"score_{principle.pk}"] = fieldset(
                forms.TypedChoiceField(
                    label=f"Note — {principle.title}",
                    choices=Opinion.SCORES,
                    coerce=int,
                    widget=forms.RadioSelect,
                    initial=earlier.score if earlier else None,
                )
            )
            self.fields[f"comment_{principle.pk}"] = forms.CharField(
                label=f"Commentaire — {principle.title}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                initial=earlier.comment if earlier else "",
                help_text="Obligatoire pour une note de 1 ou 2.",
            )

    def groups(self):
        return [(p, self[f"score_{p.pk}"], self[f"comment_{p.pk}"]) for p in self.principles]

    def opinions(self) -> dict[int, tuple[int, str]]:
        return {
            p.pk: (self.cleaned_data[f"score_{p.pk}"], self.cleaned_data[f"comment_{p.pk}"])
            for p in self.principles
        }


class DecisionForm(AccessibleFormMixin, forms.Form):
    outcome = fieldset(
        forms.ChoiceField(label="Avis du comité", choices=Outcome.choices, widget=forms.RadioSelect)
    )
    reasons = forms.CharField(label="Motifs", widget=forms.Textarea(attrs={"rows": 5}))
    conditions = forms.CharField(
        label="Conditions",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Une condition par ligne ; seulement pour un avis favorable sous conditions.",
    )
    due_on = forms.DateField(
        label="Échéance des conditions",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Format attendu : JJ/MM/AAAA",
    )
    meeting = forms.ModelChoiceField(
        label="Séance", queryset=Meeting.objects.none(), required=False, empty_label="Hors séance"
    )

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings  # type: ignore[attr-defined]

    def condition_list(self):
        due = self.cleaned_data.get("due_on")
        return [
            (line, due) for line in self.cleaned_data["conditions"].splitlines() if line.strip()
        ]


class ConditionMetForm(AccessibleFormMixin, forms.Form):
    note = forms.CharField(
        label="Comment la condition a été remplie", widget=forms.Textarea(attrs={"rows": 2})
    )


class MeetingForm(AccessibleFormMixin, forms.Form):
    held_on = forms.DateTimeField(
        label="Date et heure",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
        help_text="Format attendu : JJ/MM/AAAA HH:MM",
    )
    place = forms.CharField(label="Lieu", max_length=200)


class MeetingNotesForm(AccessibleFormMixin, forms.Form):
    notes = forms.CharField(
        label="Notes de séance", required=False, widget=forms.Textarea(attrs={"rows": 8})
    )


class CharterVersionForm(AccessibleFormMixin, forms.Form):
    title = forms.CharField(label="Titre", max_length=200)
    summary = forms.CharField(
        label="Préambule", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    change_note = forms.CharField(
        label="Ce qui change par rapport à la version précédente",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PrincipleForm(AccessibleFormMixin, forms.ModelForm):
    class Meta:
        model = CharterPrinciple
        fields = ["code", "position", "title", "explanation", "questions"]
        widgets = {
            "explanation": forms.Textarea(attrs={"rows": 4}),
            "questions": forms.Textarea(attrs={"rows": 4}),
        }


class SearchForm(AccessibleFormMixin, forms.Form):
    q = forms.CharField(label="Rechercher", required=False, max_length=100)


class DatasetSearchForm(SearchForm):
    theme = forms.ChoiceField(
        label="Thème",
        required=False,
        choices=[("", "Tous")] + sorted(DATA_THEMES.items(), key=lambda i: i[1]),
    )


def _https_urls(field, **kwargs):
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class AlgorithmForm(OwnerMixin, AccessibleFormMixin, forms.ModelForm):
    owner = forms.ChoiceField(label="Administration")

    class Meta:
        model = AlgorithmEntry
        formfield_callback = _https_urls
        fields = [
            "name",
            "service",
            "contact_email",
            "context",
            "purpose",
            "decision_role",
            "automation_level",
            "legal_basis",
            "decisions_per_year",
            "public_concerned",
            "significant_effects",
            "data_processed",
            "data_sources",
            "algorithm_type",
            "operations",
            "source_code_url",
            "documentation_url",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in [
                "context",
                "purpose",
                "decision_role",
                "legal_basis",
                "public_concerned",
                "data_processed",
                "data_sources",
                "operations",
            ]
        }

    def __init__(self, *args, communes=(), with_cua: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["owner"]).choices = owner_choices(communes, with_cua)
        self.order_fields(["owner"])
        if self.instance.pk:
            self.fields["owner"].disabled = True
            self.fields["owner"].initial = (
                str(self.instance.commune_id) if self.instance.commune_id else CUA_CHOICE
            )


class ActivityForm(AccessibleFormMixin, forms.ModelForm):
    """A sheet of the CNIL model; retention is asked for each data category."""

    security_measures = _multiple("Mesures de sécurité", SECURITY_MEASURES)

    class Meta:
        model = ProcessingActivity
        fields = [
            "name",
            "software",
            "joint_controller",
            "purposes",
            "legal_basis",
            "data_subjects",
            "sensitive_data",
            "sensitive_details",
            "recipients_internal",
            "recipients_external",
            "processors",
            "transfers_outside_eu",
            "transfer_details",
            "security_measures",
            "security_other",
            "dpia_status",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 2})
            for name in [
                "purposes",
                "data_subjects",
                "recipients_internal",
                "recipients_external",
                "processors",
                "transfer_details",
                "security_other",
            ]
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        retention = self.instance.retention or {}
        for code, label in DATA_CATEGORIES.items():
            self.fields[f"retention_{code}"] = forms.CharField(
                label=f"Conservation — {label}",
                required=False,
                max_length=200,
                initial=retention.get(code, ""),
                help_text=(
                    "Laisser vide si cette catégorie n'est pas traitée. "
                    "Exemple : 3 ans après la fin du contrat."
                ),
            )
        self.fields["security_measures"].initial = self.instance.security_measures

    def clean(self):
        cleaned = super().clean() or {}
        if not any(str(cleaned.get(f"retention_{code}") or "").strip() for code in DATA_CATEGORIES):
            self.add_error(
                "retention_identity",
                "Indiquez au moins une catégorie de données et sa durée de conservation.",
            )
        return cleaned

    def retention_fields(self):
        return [self[f"retention_{code}"] for code in DATA_CATEGORIES]

    def main_fields(self):
        return [self[name] for name in self.Meta.fields]

    def values(self) -> dict[str, Any]:
        values = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        values["retention"] = {
            code: self.cleaned_data.get(f"retention_{code}", "") for code in DATA_CATEGORIES
        }
        return values


class DatasetForm(OwnerMixin, AccessibleFormMixin, forms.ModelForm):
    """A catalogue entry and up to three files (distributions)."""

    owner = forms.ChoiceField(label="Producteur")
    DISTRIBUTIONS = 3

    class Meta:
        model = Dataset
        fields = [
            "title",
            "description",
            "theme",
            "keywords",
            "licence",
            "temporal_start",
            "temporal_end",
            "frequency",
            "contact_email",
            "published",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "temporal_start": forms.DateInput(attrs={"type": "date"}),
            "temporal_end": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {
            "keywords": "Séparés par des virgules.",
            "temporal_start": "Format attendu : JJ/MM/AAAA",
            "temporal_end": "Format attendu : JJ/MM/AAAA ; vide si les données sont à jour.",
        }

    def __init__(self, *args, communes=(), with_cua: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["owner"]).choices = owner_choices(communes, with_cua)
        self.order_fields(["owner"])
        existing = list(self.instance.distributions.all()) if self.instance.pk else []
        if self.instance.pk:
            self.fields["owner"].disabled = True
            self.fields["owner"].initial = (
                str(self.instance.commune_id) if self.instance.commune_id else CUA_CHOICE
            )
        for n in range(1, self.DISTRIBUTIONS + 1):
            current = existing[n - 1] if len(existing) >= n else None
            self.fields[f"file_title_{n}"] = forms.CharField(
                label=f"Fichier {n} — titre",
                required=False,
                max_length=200,
                initial=current.title if current else "",
            )
            self.fields[f"file_url_{n}"] = forms.CharField(
                label=f"Fichier {n} — adresse",
                required=False,
                max_length=300,
                initial=current.access_url if current else "",
                help_text="Adresse complète (https://…) ou chemin sur ce site (/…).",
            )
            self.fields[f"file_type_{n}"] = forms.CharField(
                label=f"Fichier {n} — type de média",
                required=False,
                max_length=100,
                initial=current.media_type if current else "",
                help_text="Par exemple : text/csv, application/json.",
            )

    def clean(self):
        cleaned = super().clean() or {}
        for n in range(1, self.DISTRIBUTIONS + 1):
            values = [
                str(cleaned.get(f"file_{key}_{n}") or "").strip()
                for key in ("title", "url", "type")
            ]
            if any(values) and not all(values):
                self.add_error(
                    f"file_url_{n}", "Renseignez le titre, l'adresse et le type du fichier."
                )
            url = values[1]
            if url and not url.startswith(("https://", "http://", "/")):
                self.add_error(f"file_url_{n}", "L'adresse commence par https:// ou par /.")
        return cleaned

    def dataset_fields(self):
        return [self[name] for name in ["owner", *self.Meta.fields]]

    def file_groups(self):
        return [
            (n, [self[f"file_{key}_{n}"] for key in ("title", "url", "type")])
            for n in range(1, self.DISTRIBUTIONS + 1)
        ]

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}

    def distributions(self) -> list[dict[str, str]]:
        out = []
        for n in range(1, self.DISTRIBUTIONS + 1):
            title = self.cleaned_data.get(f"file_title_{n}", "").strip()
            if title:
                out.append(
                    {
                        "title": title,
                        "access_url": self.cleaned_data[f"file_url_{n}"].strip(),
                        "media_type": self.cleaned_data[f"file_type_{n}"].strip(),
                    }
                )
        return out
