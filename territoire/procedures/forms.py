"""Forms of the procedures (the request pages themselves are built from the schema, see
``schema.PageForm``)."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from territoire.core.forms import AccessibleFormMixin
from territoire.core.models import Commune, User
from territoire.knowledge.models import Entry, Status
from territoire.procedures.models import Procedure, RequestStatus, Routing
from territoire.procedures.schema import FIELD_TYPES
from territoire.procedures.workflow import BULK_ACTIONS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CatalogueForm(AccessibleFormMixin, forms.Form):
    q = forms.CharField(
        label="Rechercher une démarche",
        required=False,
        max_length=200,
        help_text="Par exemple : « terrasse », « atelier numérique », « signaler »",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    commune = forms.ModelChoiceField(
        label="Votre commune",
        required=False,
        queryset=Commune.objects.none(),
        to_field_name="insee_code",
        empty_label="Toutes les communes",
    )

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["commune"]).queryset = communes


class StartForm(AccessibleFormMixin, forms.Form):
    email = forms.EmailField(
        label="Votre adresse électronique",
        help_text="Vous y recevrez le numéro de suivi et chaque réponse. Format : nom@domaine.fr",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class TrackForm(AccessibleFormMixin, forms.Form):
    tracking_number = forms.CharField(
        label="Numéro de suivi", max_length=20, help_text="Par exemple : DM-7K4P-Q9XA"
    )
    email = forms.EmailField(
        label="Adresse électronique donnée lors de la demande",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


def _attachment_field() -> forms.FileField:
    return forms.FileField(
        label="Pièce jointe (facultative)",
        required=False,
        help_text="Un document PDF ou une image JPEG ou PNG, 5 Mo au plus.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )


class MessageForm(AccessibleFormMixin, forms.Form):
    body = forms.CharField(
        label="Votre message", max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    # Checked by the service (type by its first bytes, size), like the form's files.
    attachment = _attachment_field()


class ProcedureForm(AccessibleFormMixin, forms.Form):
    title = forms.CharField(label="Intitulé", max_length=200)
    summary = forms.CharField(label="Résumé", max_length=300, required=False)
    commune = forms.ModelChoiceField(
        label="Commune",
        required=False,
        queryset=Commune.objects.none(),
        to_field_name="insee_code",
        empty_label="Toute la CUA",
    )
    service = forms.CharField(
        label="Service instructeur",
        max_length=100,
        required=False,
        help_text="Les demandes arrivent dans la file de ce service (par exemple « Voirie »).",
    )
    who_can_ask = forms.CharField(
        label="Qui peut faire la demande", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    documents_needed = forms.CharField(
        label="Pièces à fournir",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Une pièce par ligne.",
    )
    delay_days = forms.IntegerField(
        label="Délai de traitement (jours)", min_value=1, max_value=365, initial=15
    )
    allow_anonymous = forms.BooleanField(
        label="Possible sans compte (suivi par numéro et adresse électronique)", required=False
    )
    routing = forms.ChoiceField(
        label="Qui traite les demandes",
        choices=Routing.choices,
        initial=Routing.CUA,
        help_text="Pour une démarche de toute la CUA : « la commune du demandeur » envoie chaque "
        "demande à la commune choisie dans le formulaire (champ « Commune de la CUA »).",
    )
    knowledge_entries = forms.ModelMultipleChoiceField(
        label="Fiches d'aide liées",
        required=False,
        queryset=Entry.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["commune"]).queryset = communes
        cast(
            forms.ModelMultipleChoiceField, self.fields["knowledge_entries"]
        ).queryset = Entry.objects.filter(status=Status.PUBLISHED).order_by("title")


class FieldForm(AccessibleFormMixin, forms.Form):
    """Add one field to a procedure form (the no-code form builder)."""

    label = forms.CharField(label="Libellé (la question posée)", max_length=200)
    name = forms.SlugField(
        label="Identifiant",
        max_length=40,
        help_text="Court, sans accent ni espace (par exemple « adresse_chantier ») ; il nomme "
        "la colonne dans les exports.",
    )
    type = forms.ChoiceField(label="Type de réponse", choices=list(FIELD_TYPES.items()))
    required = forms.BooleanField(label="Réponse obligatoire", required=False)
    help = forms.CharField(label="Aide affichée sous le libellé", max_length=300, required=False)
    choices = forms.CharField(
        label="Choix proposés (liste)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Un choix par ligne.",
    )
    min = forms.DecimalField(label="Minimum (nombre)", required=False)
    max = forms.DecimalField(label="Maximum (nombre)", required=False)
    max_length = forms.IntegerField(
        label="Longueur maximale (texte)", required=False, min_value=1, max_value=5000
    )
    page = forms.TypedChoiceField(label="Page", coerce=int, choices=[])
    group = forms.ChoiceField(label="Dans le groupe répétable", required=False, choices=[])
    condition_field = forms.ChoiceField(
        label="Afficher seulement si le champ", required=False, choices=[]
    )
    condition_value = forms.CharField(
        label="… vaut",
        required=False,
        max_length=200,
        help_text="Pour une case à cocher : « oui » ou « non ».",
    )

    def __init__(self, *args, schema: dict[str, Any], **kwargs):
        super().__init__(*args, **kwargs)
        pages = schema["pages"]
        cast(forms.ChoiceField, self.fields["page"]).choices = [
            (index, f"{index + 1}. {page['title']}") for index, page in enumerate(pages)
        ]
        fields = [f for page in pages for f in page["fields"]]
        cast(forms.ChoiceField, self.fields["group"]).choices = [("", "Aucun")] + [
            (f["name"], f["label"]) for f in fields if f["type"] == "group"
        ]
        cast(forms.ChoiceField, self.fields["condition_field"]).choices = [("", "Toujours")] + [
            (f["name"], f["label"]) for f in fields if f["type"] in ("choice", "checkbox", "text")
        ]

    def spec(self) -> dict[str, Any]:
        data = self.cleaned_data
        spec: dict[str, Any] = {
            "name": data["name"].replace("-", "_"),
            "label": data["label"].strip(),
            "type": data["type"],
            "required": data["required"],
            "help": data["help"].strip(),
        }
        if data["type"] == "choice":
            spec["choices"] = [c.strip() for c in data["choices"].splitlines() if c.strip()]
        if data["type"] == "number":
            spec["min"] = float(data["min"]) if data["min"] is not None else None
            spec["max"] = float(data["max"]) if data["max"] is not None else None
        if data["type"] in ("text", "textarea") and data["max_length"]:
            spec["max_length"] = data["max_length"]
        if data["condition_field"]:
            spec["condition"] = {
                "field": data["condition_field"],
                "value": data["condition_value"].strip(),
            }
        return spec


class PageTitleForm(AccessibleFormMixin, forms.Form):
    title = forms.CharField(label="Titre de la nouvelle page", max_length=200)


class QueueFilterForm(AccessibleFormMixin, forms.Form):
    q = forms.CharField(label="Numéro de suivi ou adresse", required=False, max_length=254)
    commune = forms.ModelChoiceField(
        label="Commune",
        required=False,
        queryset=Commune.objects.none(),
        to_field_name="insee_code",
        empty_label="Toutes",
    )
    procedure = forms.ModelChoiceField(
        label="Démarche", required=False, queryset=Procedure.objects.none(), empty_label="Toutes"
    )
    service = forms.ChoiceField(label="Service", required=False, choices=[])
    status = forms.ChoiceField(
        label="Statut",
        required=False,
        choices=[("open", "À traiter"), ("all", "Tous")]
        + [(v, label) for v, label in RequestStatus.choices if v != RequestStatus.DRAFT],
    )
    assigned = forms.ChoiceField(
        label="Attribution",
        required=False,
        choices=[("", "Toutes"), ("me", "Les miennes"), ("none", "Non attribuées")],
    )
    overdue = forms.BooleanField(label="En retard seulement", required=False)
    sort = forms.ChoiceField(
        label="Trier par",
        required=False,
        choices=[
            ("-submitted_at", "Plus récentes"),
            ("submitted_at", "Plus anciennes"),
            ("due_at", "Échéance la plus proche"),
            ("-due_at", "Échéance la plus lointaine"),
        ],
    )

    def __init__(self, *args, communes, procedures, services, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["commune"]).queryset = communes
        cast(forms.ModelChoiceField, self.fields["procedure"]).queryset = procedures
        cast(forms.ChoiceField, self.fields["service"]).choices = [("", "Tous")] + [
            (s, s) for s in services
        ]


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        label="Action sur les demandes cochées",
        choices=[("", "— Choisir —"), *BULK_ACTIONS.items()],
    )


class TransitionForm(AccessibleFormMixin, forms.Form):
    status = forms.ChoiceField(label="Nouveau statut", choices=[])
    message = forms.CharField(
        label="Message au demandeur",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obligatoire pour demander un complément ou refuser.",
    )

    def __init__(self, *args, allowed: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            (value, RequestStatus(value).label) for value in allowed
        ]


class NoteForm(AccessibleFormMixin, forms.Form):
    body = forms.CharField(
        label="Note interne (jamais montrée au demandeur)",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    attachment = _attachment_field()


class DueForm(AccessibleFormMixin, forms.Form):
    due = forms.DateField(label="Échéance", required=False, widget=DATE_INPUT)


class AssignForm(AccessibleFormMixin, forms.Form):
    assignee = forms.ModelChoiceField(
        label="Attribuer à",
        queryset=User.objects.none(),
        empty_label="— Personne —",
        required=False,
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = people


class EmailTextsForm(AccessibleFormMixin, forms.Form):
    """One text per status a requester is told about; placeholders are checked by the
    service (notices.check_text)."""

    def __init__(self, *args, procedure: Procedure, **kwargs):
        from territoire.procedures import notices

        super().__init__(*args, **kwargs)
        for status in notices.NOTIFIED:
            self.fields[status.value] = forms.CharField(
                label=f"Demande « {status.label} »",
                required=False,
                max_length=notices.MAX_LENGTH,
                initial=notices.text_for(procedure, status),
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text="Laissé vide : le texte par défaut.",
            )
