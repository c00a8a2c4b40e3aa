"""Forms of the rights module: one per questionnaire step (plain French, one group of
questions per page), saving with consent, local aids, pooled import, follow-up."""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django import forms

from territoire.core.forms import AccessibleFormMixin
from territoire.core.models import Commune
from territoire.rights.models import ConsentBy, LocalAid, Outcome, Partner
from territoire.rights.situation import CURRENT_BENEFITS, Activity, Housing, School

YES_NO = [("", "Non"), ("1", "Oui")]
BENEFIT_LABELS = {
    "rsa": "RSA",
    "ppa": "Prime d'activité",
    "aide_logement": "Aide au logement (APL, ALS ou ALF)",
    "af": "Allocations familiales",
    "cf": "Complément familial",
    "asf": "Allocation de soutien familial",
    "paje_base": "Allocation de base de la PAJE",
    "aeeh": "Allocation d'éducation de l'enfant handicapé",
    "aspa": "Minimum vieillesse (ASPA)",
    "aah": "Allocation aux adultes handicapés (AAH)",
    "asi": "Allocation supplémentaire d'invalidité",
    "ass": "Allocation de solidarité spécifique",
}
ACTIVITY_CHOICES = [
    (Activity.WORKING.value, "Je travaille (salarié ou indépendant)"),
    (Activity.UNEMPLOYED.value, "Je cherche un emploi"),
    (Activity.STUDENT.value, "Je fais des études"),
    (Activity.RETIRED.value, "Je suis retraité(e)"),
    (Activity.INACTIVE.value, "Autre situation (sans activité, au foyer…)"),
]
HOUSING_CHOICES = [
    (Housing.TENANT.value, "Locataire d'un logement vide"),
    (Housing.TENANT_FURNISHED.value, "Locataire d'un logement meublé"),
    (Housing.SOCIAL_TENANT.value, "Locataire d'un logement social (HLM)"),
    (Housing.BUYER.value, "Propriétaire qui rembourse un prêt pour son premier logement"),
    (Housing.OWNER.value, "Propriétaire sans prêt en cours"),
    (Housing.HOSTED.value, "Hébergé(e) gratuitement"),
]
SCHOOL_CHOICES = [
    (School.NONE.value, "Pas encore scolarisé ou autre"),
    (School.NURSERY.value, "École maternelle"),
    (School.PRIMARY.value, "École élémentaire"),
    (School.COLLEGE.value, "Collège"),
    (School.LYCEE.value, "Lycée"),
    (School.HIGHER.value, "Études supérieures"),
]
INCAPACITY_CHOICES = [
    ("", "Je ne sais pas ou pas de taux reconnu"),
    ("moins_50", "Moins de 50 %"),
    ("50_79", "De 50 à 79 %"),
    ("80_plus", "80 % ou plus"),
]


def _money(
    label: str, help_text: str = "", required: bool = False, maximum: int = 100_000
) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal(0),
        max_value=Decimal(maximum),
        decimal_places=2,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={
            "invalid": "Indiquez un montant en euros, par exemple 850 ou 850,50.",
            "min_value": "Le montant ne peut pas être négatif.",
            "max_value": "Le montant semble trop élevé : vérifiez-le.",
        },
    )


def _birth(label: str, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text="Format attendu : JJ/MM/AAAA, par exemple 14/07/1985",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"autocomplete": "off"}),
        error_messages={
            "invalid": "Indiquez une date au format JJ/MM/AAAA.",
            "required": "Indiquez la date de naissance.",
        },
    )


class StepForm(AccessibleFormMixin, forms.Form):
    """A questionnaire step. ``answers`` are all the answers so far (steps may depend on
    earlier ones); ``to_session`` gives JSON-safe values to keep."""

    def __init__(self, *args: Any, answers: dict[str, Any] | None = None, **kwargs: Any):
        self.answers = answers or {}
        super().__init__(*args, **kwargs)

    def adult_count(self) -> int:
        return int(self.answers.get("foyer", {}).get("adults", 1) or 1)

    def to_session(self) -> dict[str, Any]:
        out = {}
        for name, value in self.cleaned_data.items():
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, Commune):
                value = value.insee_code
            out[name] = value
        return out

    @staticmethod
    def from_session(values: dict[str, Any]) -> dict[str, Any]:
        """Session values → initial values of the form (dates shown as JJ/MM/AAAA)."""
        out = {}
        for name, value in values.items():
            if isinstance(value, str) and len(value) == 10 and value[4] == "-":
                with contextlib.suppress(ValueError):
                    value = date.fromisoformat(value)
            out[name] = value
        return out


class HouseholdForm(StepForm):
    adults = forms.TypedChoiceField(
        label="Combien d'adultes vivent dans le foyer ?",
        choices=[("1", "1 adulte (vous seul·e)"), ("2", "2 adultes (vous et votre conjoint·e)")],
        coerce=int,
        help_text="Comptez votre conjoint·e (marié·e, pacsé·e ou en concubinage).",
    )
    adult1_birth = _birth("Votre date de naissance")
    adult2_birth = _birth("Date de naissance de votre conjoint·e", required=False)
    children = forms.TypedChoiceField(
        label="Combien d'enfants avez-vous à charge ?",
        choices=[(str(i), str(i)) for i in range(0, 9)],
        coerce=int,
        help_text="Enfants qui vivent avec vous, jusqu'à 20 ans.",
    )

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        if data.get("adults") == 2 and not data.get("adult2_birth"):
            self.add_error("adult2_birth", "Indiquez la date de naissance de votre conjoint·e.")
        today = date.today()
        for name in ("adult1_birth", "adult2_birth"):
            born = data.get(name)
            if born and not (today.year - 110 <= born.year and born <= today):
                self.add_error(name, "Cette date de naissance n'est pas plausible.")
        return data


class ChildrenForm(StepForm):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        count = int(self.answers.get("foyer", {}).get("children", 0) or 0)
        for i in range(1, count + 1):
            self.fields[f"c{i}_birth"] = _birth(f"Enfant {i} : date de naissance")
            self.fields[f"c{i}_school"] = forms.ChoiceField(
                label=f"Enfant {i} : scolarité", choices=SCHOOL_CHOICES, required=False
            )
            self.fields[f"c{i}_disabled"] = forms.BooleanField(
                label=f"Enfant {i} : il ou elle a un handicap reconnu par la MDPH", required=False
            )


class SituationForm(StepForm):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for i in range(1, self.adult_count() + 1):
            who = "Vous" if i == 1 else "Votre conjoint·e"
            self.fields[f"a{i}_activity"] = forms.ChoiceField(
                label=f"{who} : situation professionnelle", choices=ACTIVITY_CHOICES
            )
            self.fields[f"a{i}_disabled"] = forms.BooleanField(
                label=f"{who} : handicap reconnu par la MDPH", required=False
            )
            self.fields[f"a{i}_incapacity"] = forms.ChoiceField(
                label=f"{who} : taux d'incapacité reconnu",
                choices=INCAPACITY_CHOICES,
                required=False,
                help_text="Il figure sur la notification de la MDPH.",
            )
            self.fields[f"a{i}_restriction"] = forms.BooleanField(
                label=f"{who} : restriction durable pour accéder à un emploi reconnue par la MDPH",
                required=False,
            )
            self.fields[f"a{i}_pregnant"] = forms.BooleanField(
                label=f"{who} : grossesse en cours", required=False
            )


class HousingForm(StepForm):
    commune = forms.ModelChoiceField(
        label="Dans quelle commune habitez-vous ?",
        queryset=Commune.objects.order_by("name"),
        to_field_name="insee_code",
        empty_label="Choisissez votre commune",
        help_text="La commune fixe la zone de logement prise en compte pour les aides au logement.",
        error_messages={"required": "Choisissez votre commune dans la liste."},
    )
    housing = forms.ChoiceField(label="Vous êtes…", choices=HOUSING_CHOICES)
    rent = _money(
        "Loyer mensuel, charges non comprises (ou mensualité du prêt), en euros",
        "Laissez vide si vous êtes propriétaire sans prêt ou hébergé(e).",
    )

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        pays = data.get("housing") in (
            Housing.TENANT, Housing.TENANT_FURNISHED, Housing.SOCIAL_TENANT, Housing.BUYER
        )  # fmt: skip
        if pays and not data.get("rent"):
            self.add_error("rent", "Indiquez le montant de votre loyer ou de votre mensualité.")
        return data


class ResourcesForm(StepForm):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for i in range(1, self.adult_count() + 1):
            who = "Vous" if i == 1 else "Votre conjoint·e"
            for m, when in ((1, "le mois dernier"), (2, "il y a 2 mois"), (3, "il y a 3 mois")):
                self.fields[f"a{i}_salary_m{m}"] = _money(
                    f"{who} : salaire net (ou revenu d'activité) {when}, en euros",
                    "Le montant « net à payer » de la fiche de paie. Laissez vide si aucun."
                    if m == 1
                    else "",
                )
            self.fields[f"a{i}_salary_avg"] = _money(
                f"{who} : salaire net moyen par mois, sur les 9 mois d'avant, en euros",
                "La prime d'activité et les aides au logement regardent aussi ces mois-là.",
            )
            self.fields[f"a{i}_unemployment"] = _money(
                f"{who} : allocation chômage par mois, en euros"
            )
            self.fields[f"a{i}_pension"] = _money(
                f"{who} : pension de retraite ou d'invalidité par mois, en euros"
            )
        self.fields["alimony"] = _money(
            "Pension alimentaire reçue pour le foyer, par mois, en euros",
            "Laissez vide si vous n'en recevez pas.",
        )
        self.fields["reference_income"] = _money(
            "Revenu fiscal de référence de votre dernier avis d'impôt, en euros",
            "Facultatif. Il figure en première page de l'avis d'impôt. Sans lui, nous "
            "reprenons les revenus indiqués ci-dessus.",
        )


MICRO_CHOICES = [
    ("", "Je ne suis pas micro-entrepreneur"),
    ("micro_sales", "Vente de marchandises, restauration ou hébergement"),
    ("micro_services", "Prestations de services commerciales ou artisanales"),
    ("micro_liberal", "Activité libérale (profession non commerciale)"),
]


class OtherIncomeForm(StepForm):
    """Self-employment, rental and capital income (see situation.RESOURCES for where each
    answer goes in OpenFisca)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for i in range(1, self.adult_count() + 1):
            who = "Vous" if i == 1 else "Votre conjoint·e"
            self.fields[f"a{i}_micro_kind"] = forms.ChoiceField(
                label=f"{who} : activité de micro-entrepreneur (auto-entrepreneur)",
                choices=MICRO_CHOICES,
                required=False,
                help_text="Le type d'activité déclaré à l'Urssaf.",
            )
            self.fields[f"a{i}_micro_last3"] = _money(
                f"{who} : chiffre d'affaires des 3 derniers mois, au total, en euros",
                "Le total déclaré à l'Urssaf pour ces 3 mois.",
                maximum=1_000_000,
            )
            self.fields[f"a{i}_micro_before9"] = _money(
                f"{who} : chiffre d'affaires des 9 mois d'avant, au total, en euros",
                maximum=1_000_000,
            )
            self.fields[f"a{i}_bic_profit"] = _money(
                f"{who} : bénéfice industriel ou commercial (BIC, régime réel) de l'an "
                "dernier, en euros",
                "Pour les entreprises individuelles hors micro-entreprise. Laissez vide si aucun.",
                maximum=1_000_000,
            )
            self.fields[f"a{i}_bnc_profit"] = _money(
                f"{who} : bénéfice non commercial (BNC, déclaration contrôlée) de l'an "
                "dernier, en euros",
                maximum=1_000_000,
            )
            self.fields[f"a{i}_rental"] = _money(
                f"{who} : revenus locatifs par mois (loyers reçus moins les charges), en euros",
                "Si vous louez un logement ou un terrain. Laissez vide si aucun.",
            )
            self.fields[f"a{i}_capital"] = _money(
                f"{who} : revenus de placements par mois (intérêts, dividendes), en euros",
                "Hors livret A et livrets non imposables.",
            )

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        for i in range(1, self.adult_count() + 1):
            turnover = data.get(f"a{i}_micro_last3") or data.get(f"a{i}_micro_before9")
            if turnover and not data.get(f"a{i}_micro_kind"):
                self.add_error(
                    f"a{i}_micro_kind",
                    "Choisissez le type d'activité de la micro-entreprise, ou effacez le "
                    "chiffre d'affaires.",
                )
        return data


class BenefitsForm(StepForm):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for code in CURRENT_BENEFITS:
            self.fields[code] = _money(
                f"{BENEFIT_LABELS[code]} : montant reçu par mois, en euros",
                "Laissez vide si vous ne la recevez pas." if code == "rsa" else "",
            )


STEP_FORMS: dict[str, type[StepForm]] = {
    "foyer": HouseholdForm,
    "enfants": ChildrenForm,
    "situation": SituationForm,
    "logement": HousingForm,
    "ressources": ResourcesForm,
    "autres-revenus": OtherIncomeForm,
    "aides": BenefitsForm,
}


class SaveForm(AccessibleFormMixin, forms.Form):
    reference = forms.CharField(
        label="Référence du dossier",
        max_length=60,
        required=False,
        help_text="Facultatif. N'y mettez ni nom ni numéro de sécurité sociale.",
    )
    consent_by = forms.ChoiceField(label="Qui donne son accord ?", choices=ConsentBy.choices)
    consent = forms.BooleanField(
        label="La personne accepte que cette simulation soit conservée 6 mois",
        required=False,
    )


class LocalAidForm(AccessibleFormMixin, forms.ModelForm):
    commune = forms.ModelChoiceField(
        label="Commune",
        queryset=Commune.objects.none(),
        required=False,
        empty_label="Toute la CUA",
        help_text="Laissez « Toute la CUA » pour une aide de la communauté urbaine.",
    )
    claim_url = forms.URLField(label="Lien pour la demander", required=False, assume_scheme="https")

    class Meta:
        model = LocalAid
        fields = [
            "name", "description", "institution", "claim_url", "monthly_amount", "min_age",
            "max_age", "max_monthly_resources", "min_children", "requires_disability",
            "legal_basis", "is_active",
        ]  # fmt: skip

    def __init__(self, *args: Any, communes: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["commune"]).queryset = (
            communes if communes is not None else Commune.objects.all()
        )
        self.order_fields(["commune", *self.Meta.fields])


class ImportForm(AccessibleFormMixin, forms.Form):
    partner = forms.ChoiceField(label="Partenaire qui transmet le fichier", choices=Partner.choices)
    legal_basis = forms.CharField(
        label="Base légale de l'échange",
        max_length=300,
        help_text="Par exemple : art. 133 de la loi 3DS et convention du …; art. L114-8 du CRPA.",
    )
    period = forms.RegexField(
        label="Mois étudié",
        regex=r"^20\d\d-(0[1-9]|1[0-2])$",
        help_text="Format attendu : AAAA-MM",
        error_messages={"invalid": "Indiquez le mois au format AAAA-MM, par exemple 2026-10."},
    )
    file = forms.FileField(label="Fichier CSV (UTF-8)")


class FollowUpForm(AccessibleFormMixin, forms.Form):
    status = forms.ChoiceField(label="Nouvelle étape du suivi", choices=Outcome.choices)
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 3}))
