"""Forms of the knowledge base: public search, and the entry editor for agents."""

from __future__ import annotations

from typing import cast

from django import forms

from territoire.core.forms import AccessibleFormMixin
from territoire.core.models import Commune
from territoire.knowledge.models import Kind, Theme

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SearchForm(AccessibleFormMixin, forms.Form):
    q = forms.CharField(
        label="Votre question ou des mots-clés",
        required=False,
        max_length=200,
        help_text="Par exemple : « inscrire mon enfant à la cantine », « démarche carte grise »",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    commune = forms.ModelChoiceField(
        label="Votre commune",
        required=False,
        queryset=Commune.objects.all(),
        to_field_name="insee_code",
        empty_label="Toutes les communes",
    )
    kind = forms.ChoiceField(
        label="Type", required=False, choices=[("", "Tous les types"), *Kind.choices]
    )
    theme = forms.ModelChoiceField(
        label="Thème",
        required=False,
        queryset=Theme.objects.all(),
        to_field_name="slug",
        empty_label="Tous les thèmes",
    )


class EntryForm(AccessibleFormMixin, forms.Form):
    kind = forms.ChoiceField(label="Type de fiche", choices=Kind.choices)
    title = forms.CharField(label="Titre", max_length=200)
    summary = forms.CharField(
        label="Résumé",
        max_length=300,
        required=False,
        help_text="Une ou deux phrases affichées dans les résultats de recherche.",
    )
    body = forms.CharField(
        label="Contenu",
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Texte simple ; laissez une ligne vide entre deux paragraphes.",
    )
    commune = forms.ModelChoiceField(
        label="Commune concernée",
        required=False,
        queryset=Commune.objects.none(),
        to_field_name="insee_code",
        empty_label="Toute la CUA (46 communes)",
    )
    themes = forms.ModelMultipleChoiceField(
        label="Thèmes",
        required=False,
        queryset=Theme.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    legal_reference = forms.CharField(
        label="Référence du texte",
        max_length=200,
        required=False,
        help_text="Pour une référence juridique : code et article, par exemple "
        "« Code général des collectivités territoriales, art. L2212-2 ».",
    )
    source_url = forms.URLField(
        assume_scheme="https",
        label="Lien vers la source",
        required=False,
        help_text="Adresse complète, par exemple https://www.legifrance.gouv.fr/…",
    )
    source_label = forms.CharField(label="Nom de la source", max_length=200, required=False)
    review_by = forms.DateField(
        label="À relire avant le",
        required=False,
        widget=DATE_INPUT,
        help_text="Passé cette date, la fiche est signalée comme « à vérifier ».",
    )

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["commune"]).queryset = communes


class EditorFilterForm(AccessibleFormMixin, forms.Form):
    q = forms.CharField(label="Rechercher", required=False, max_length=200)
    stale = forms.BooleanField(label="Seulement les fiches à relire", required=False)


class ThemeNameForm(AccessibleFormMixin, forms.Form):
    name = forms.CharField(label="Nom du thème", max_length=100)


class ThemeDeleteForm(AccessibleFormMixin, forms.Form):
    move_to = forms.ModelChoiceField(
        label="Déplacer ses fiches vers le thème",
        required=False,
        queryset=Theme.objects.none(),
        empty_label="— choisir —",
        help_text="Obligatoire quand le thème classe des fiches.",
    )

    def __init__(self, *args, theme: Theme, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["move_to"])
        field.queryset = Theme.objects.exclude(pk=theme.pk).order_by("name")
