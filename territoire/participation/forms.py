"""Forms of citizen participation: they validate and present; services write."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from territoire.core.forms import AccessibleFormMixin
from territoire.core.models import Commune
from territoire.participation.models import (
    ActionStatus,
    DigestFrequency,
    PhaseKind,
    ProposalStatus,
    QuestionKind,
    ReportReason,
    Survey,
)

# Radio buttons and check boxes are grouped in a fieldset whose legend is the question.
CHOICE_FIELD_TEMPLATE = "participation/forms/choice_field.html"


class ProfileForm(AccessibleFormMixin, forms.Form):
    pseudonym = forms.CharField(
        label="Pseudonyme",
        max_length=40,
        help_text="Affiché avec vos contributions à la place de votre nom.",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    commune = forms.ModelChoiceField(
        label="Commune de résidence (facultatif)",
        required=False,
        queryset=Commune.objects.order_by("name"),
        to_field_name="insee_code",
        empty_label="Je ne souhaite pas l'indiquer",
        help_text="Déclarée par vous, non vérifiée ; elle permet de participer aux votes "
        "réservés aux habitants d'une commune.",
    )
    digest_frequency = forms.ChoiceField(
        label="Résumé par courriel de ce que je suis",
        choices=DigestFrequency.choices,
        initial=DigestFrequency.DAILY,
        required=False,  # left empty: every day, as before the choice existed
        widget=forms.RadioSelect,
        help_text="Pour les concertations et propositions que vous suivez. Chaque courriel "
        "contient aussi un lien pour se désabonner en un clic.",
    )
    accept_notice = forms.BooleanField(
        label="J'ai lu la notice sur mes données ci-dessus et je l'accepte",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        setattr(self.fields["digest_frequency"], "template_name", CHOICE_FIELD_TEMPLATE)  # noqa: B010


class ProposalForm(AccessibleFormMixin, forms.Form):
    title = forms.CharField(label="Titre", max_length=150, help_text="150 caractères au plus.")
    body = forms.CharField(
        label="Description", max_length=5000, widget=forms.Textarea(attrs={"rows": 8})
    )
    category = forms.ChoiceField(label="Catégorie", required=False)
    latitude = forms.DecimalField(
        label="Latitude (facultatif)",
        required=False,
        min_value=49,
        max_value=51,
        decimal_places=5,
        help_text="Pour situer la proposition sur la carte, par exemple 50.29100.",
    )
    longitude = forms.DecimalField(
        label="Longitude (facultatif)",
        required=False,
        min_value=2,
        max_value=4,
        decimal_places=5,
        help_text="Par exemple 2.77750.",
    )
    photo = forms.FileField(
        label="Photo (facultatif)",
        required=False,
        help_text="Image JPEG, PNG ou WebP, 5 Mo au plus. Ses métadonnées (appareil, "
        "position GPS) sont retirées avant publication.",
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    photo_alt = forms.CharField(
        label="Ce que montre la photo",
        required=False,
        max_length=200,
        help_text="Obligatoire avec une photo : une phrase lue aux personnes aveugles, par "
        "exemple « Le bassin vide du square Saint-Vaast ».",
    )

    def __init__(self, *args, categories: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["category"])
        field.choices = [("", "Sans catégorie")] + [(c, c) for c in categories]
        if not categories:
            del self.fields["category"]


class DebateForm(AccessibleFormMixin, forms.Form):
    title = forms.CharField(label="Sujet du débat", max_length=150)
    body = forms.CharField(label="Texte", max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))


class CommentForm(AccessibleFormMixin, forms.Form):
    body = forms.CharField(
        label="Votre commentaire", max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class AnswerForm(AccessibleFormMixin, forms.Form):
    status = forms.ChoiceField(
        label="Réponse",
        choices=[c for c in ProposalStatus.choices if c[0] != ProposalStatus.PENDING],
    )
    answer = forms.CharField(
        label="Explication",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Obligatoire quand la proposition n'est pas retenue.",
    )


class ReportForm(AccessibleFormMixin, forms.Form):
    reason = forms.ChoiceField(
        label="Motif du signalement",
        choices=ReportReason.choices,
        widget=forms.RadioSelect,
    )
    detail = forms.CharField(
        label="Précisions (facultatif)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        setattr(self.fields["reason"], "template_name", CHOICE_FIELD_TEMPLATE)  # noqa: B010


class ModerationForm(AccessibleFormMixin, forms.Form):
    reason = forms.CharField(
        label="Motif", max_length=300, help_text="Affiché à la place de la contribution masquée."
    )


class SynthesisForm(AccessibleFormMixin, forms.Form):
    synthesis = forms.CharField(
        label="Synthèse", max_length=20_000, widget=forms.Textarea(attrs={"rows": 10})
    )


class DecisionForm(AccessibleFormMixin, forms.Form):
    decision = forms.CharField(
        label="Ce que la collectivité a décidé",
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class ActionForm(AccessibleFormMixin, forms.Form):
    title = forms.CharField(label="Action", max_length=200)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    status = forms.ChoiceField(label="État", choices=ActionStatus.choices)
    progress = forms.IntegerField(label="Avancement (%)", min_value=0, max_value=100, initial=0)


class ProcessForm(AccessibleFormMixin, forms.Form):
    title = forms.CharField(label="Titre", max_length=200)
    summary = forms.CharField(label="Résumé", max_length=300)
    description = forms.CharField(
        label="Présentation", required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    commune = forms.ModelChoiceField(
        label="Portée",
        required=False,
        queryset=Commune.objects.none(),
        to_field_name="insee_code",
        empty_label="Toute la Communauté Urbaine",
    )
    residents_only = forms.BooleanField(
        label="Soutiens et votes réservés aux habitants de la commune", required=False
    )
    categories = forms.CharField(
        label="Catégories (facultatif)",
        required=False,
        help_text="Une par ligne.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    kind = forms.ChoiceField(label="Étape en cours", choices=PhaseKind.choices)
    starts_on = forms.DateField(
        label="Début de l'étape", widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label="Fin de l'étape", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["commune"]).queryset = communes

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] <= data["starts_on"]:
            self.add_error("ends_on", "La fin de l'étape doit suivre son début.")
        return data


def survey_form(survey: Survey, data=None) -> forms.Form:
    """A form with one field per question of the survey (named q<id>)."""

    class SurveyForm(AccessibleFormMixin, forms.Form):
        pass

    form = SurveyForm(data)
    for question in survey.questions.all():
        name = f"q{question.pk}"
        choices = [(c, c) for c in question.choices]
        field: forms.Field
        if question.kind == QuestionKind.SINGLE:
            field = forms.ChoiceField(choices=choices, widget=forms.RadioSelect)
        elif question.kind == QuestionKind.MULTIPLE:
            field = forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple)
        elif question.kind == QuestionKind.SCALE:
            field = forms.ChoiceField(
                choices=[(str(n), str(n)) for n in range(1, 6)],
                widget=forms.RadioSelect,
                help_text="1 : pas du tout d'accord, 5 : tout à fait d'accord.",
            )
        else:
            field = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
        field.label = question.label
        field.required = question.required
        if question.kind != QuestionKind.TEXT:
            setattr(field, "template_name", CHOICE_FIELD_TEMPLATE)  # noqa: B010  (not in the stubs)
        form.fields[name] = field
    return form


class PhaseForm(AccessibleFormMixin, forms.Form):
    kind = forms.ChoiceField(label="Étape", choices=PhaseKind.choices)
    starts_on = forms.DateField(
        label="Début (inclus)", widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(label="Fin (exclue)", widget=forms.DateInput(attrs={"type": "date"}))


class TextForm(AccessibleFormMixin, forms.Form):
    title = forms.CharField(label="Titre du texte", max_length=200)
    introduction = forms.CharField(
        label="Introduction (facultatif)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    articles = forms.CharField(
        label="Articles",
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Commencez chaque article par une ligne « # Titre de l'article », suivie de "
        "son texte. Les articles sont numérotés dans l'ordre.",
    )


class SurveyCreateForm(AccessibleFormMixin, forms.Form):
    title = forms.CharField(label="Titre du questionnaire", max_length=200)
    introduction = forms.CharField(
        label="Introduction (facultatif)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    questions = forms.CharField(
        label="Questions",
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Une question par ligne : « type | question | choix 1; choix 2 ». Types : "
        "unique, multiple, echelle (de 1 à 5), libre. Terminez une question par "
        "« (facultatif) » si la réponse n'est pas obligatoire.",
    )


class ProposalEditForm(ProposalForm):
    remove_photo = forms.BooleanField(label="Retirer la photo", required=False)

    def __init__(self, *args, has_photo: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if has_photo:
            self.fields["photo"].label = "Remplacer la photo (facultatif)"
            self.fields["photo_alt"].required = False
        else:
            del self.fields["remove_photo"]


class CommentEditForm(AccessibleFormMixin, forms.Form):
    body = forms.CharField(
        label="Votre commentaire", max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ProcessEditForm(AccessibleFormMixin, forms.Form):
    title = forms.CharField(label="Titre", max_length=200)
    summary = forms.CharField(label="Résumé", max_length=300)
    description = forms.CharField(
        label="Présentation", required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    residents_only = forms.BooleanField(
        label="Soutiens et votes réservés aux habitants de la commune", required=False
    )
    categories = forms.CharField(
        label="Catégories (facultatif)",
        required=False,
        help_text="Une par ligne.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    votes_per_ballot = forms.IntegerField(
        label="Nombre de choix par bulletin de vote",
        min_value=1,
        max_value=50,
        help_text="Pendant l'étape « Vote », chacun coche au plus ce nombre de propositions.",
    )
    published = forms.BooleanField(label="Concertation publiée (visible de tous)", required=False)


def ballot_form(proposals, limit: int, data=None) -> forms.Form:
    """A ballot: one check box per candidate proposal, at most ``limit`` checked."""

    class BallotForm(AccessibleFormMixin, forms.Form):
        proposals = forms.TypedMultipleChoiceField(
            coerce=int,
            widget=forms.CheckboxSelectMultiple,
            error_messages={"required": "Cochez au moins une proposition."},
        )

    form = BallotForm(data)
    field = cast(forms.TypedMultipleChoiceField, form.fields["proposals"])
    field.choices = [(p.pk, p.title) for p in proposals]
    field.label = f"Vos choix ({limit} au plus)"
    field.help_text = (
        f"Cochez de 1 à {limit} proposition{'s' if limit > 1 else ''}. Le bulletin est "
        "définitif une fois envoyé."
    )
    setattr(field, "template_name", CHOICE_FIELD_TEMPLATE)  # noqa: B010
    return form
