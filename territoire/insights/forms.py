"""Forms of the insights pages: an alert rule. They validate and present; the service
writes (and checks the per-kind parameters again)."""

from __future__ import annotations

from typing import Any

from django import forms

from territoire.core.forms import AccessibleFormMixin
from territoire.insights.models import RULE_PARAMS as PARAMS
from territoire.insights.models import RuleKind


def _number(label: str, help_text: str, **kwargs) -> forms.FloatField:
    return forms.FloatField(label=label, help_text=help_text, required=False, **kwargs)


class RuleForm(AccessibleFormMixin, forms.Form):
    commune = forms.ChoiceField(label="Commune")
    kind = forms.ChoiceField(label="Type de règle", choices=RuleKind.choices)
    name = forms.CharField(label="Nom", max_length=150, help_text="Par exemple : Fuites d'eau")
    is_active = forms.BooleanField(label="Règle active", required=False, initial=True)
    quantity = forms.CharField(
        label="Mesure (seuil)",
        required=False,
        max_length=50,
        help_text="Code de la mesure, par exemple co2, temperature, impulsions.",
    )
    above = _number("Alerte au-dessus de (seuil)", "Laisser vide pour ne pas l'utiliser.")
    below = _number("Alerte en dessous de (seuil)", "Laisser vide pour ne pas l'utiliser.")
    night_lph = _number("Débit de nuit maximal (L/h, fuite)", "Par défaut 5 L/h.", min_value=0)
    q3_lph = _number(
        "Débit nominal Q3 du compteur (L/h, rupture)",
        "Rupture : débit au-dessus de 10 % de Q3 pendant 30 min. Utilisé pour les compteurs"
        " sans étiquette « q3-<L/h> » (par exemple q3-2500), qui donne le Q3 propre au"
        " compteur. Vide : rupture détectée seulement sur les compteurs étiquetés.",
        min_value=1,
    )
    factor = _number("Intervalles manqués (capteur muet)", "Par défaut 3.", min_value=1)
    percent = _number("Batterie minimale (%)", "Par défaut 20 %.", min_value=0, max_value=100)
    lden = _number("Lden maximal (dB(A), bruit)", "Par défaut 68 (route).", min_value=0)
    lnight = _number("Lnight maximal (dB(A), bruit)", "Par défaut 62 (route).", min_value=0)
    tag = forms.CharField(
        label="Étiquette du parking (stationnement)",
        required=False,
        max_length=60,
        help_text="L'étiquette commune à ses places, par exemple parking-victor-hugo.",
    )
    label = forms.CharField(label="Nom du parking (stationnement)", required=False, max_length=100)
    rate = _number(
        "Taux d'occupation maximal (stationnement)",
        "Entre 0 et 1 ; par défaut 0,85.",
        min_value=0,
        max_value=1,
    )

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        commune = self.fields["commune"]
        assert isinstance(commune, forms.ChoiceField)
        commune.choices = [(c.slug, c.name) for c in communes]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == RuleKind.THRESHOLD:
            if not data.get("quantity"):
                self.add_error("quantity", "Indiquez la mesure surveillée.")
            if data.get("above") is None and data.get("below") is None:
                self.add_error("above", "Indiquez au moins un seuil (au-dessus ou en dessous).")
        if kind == RuleKind.OCCUPANCY and not data.get("tag"):
            self.add_error("tag", "Indiquez l'étiquette du parking.")
        return data

    def params(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            key: data[key]
            for key in PARAMS.get(data["kind"], ())
            if data.get(key) not in (None, "")
        }

    @staticmethod
    def initial_of(rule) -> dict[str, Any]:
        return {
            "commune": rule.commune.slug,
            "kind": rule.kind,
            "name": rule.name,
            "is_active": rule.is_active,
            **(rule.params or {}),
        }


class BuildingSettingsForm(AccessibleFormMixin, forms.Form):
    """The heating share is typed in percent (what agents read on energy audits)."""

    floor_area_m2 = forms.IntegerField(
        label="Surface de plancher (m²)", required=False, min_value=1,
        help_text="Surface des activités tertiaires, déclarée dans OPERAT.",
    )  # fmt: skip
    reference_year = forms.IntegerField(
        label="Année de référence", required=False, min_value=2010, max_value=2019,
        help_text="Entre 2010 et 2019 (décret n° 2019-771).",
    )  # fmt: skip
    reference_kwh = forms.FloatField(
        label="Consommation de l'année de référence (kWh d'énergie finale)", required=False,
        min_value=0.001,
    )  # fmt: skip
    heating_share = forms.FloatField(
        label="Part du chauffage dans la consommation (%)", min_value=0, max_value=100,
        help_text="Seule cette part est corrigée du climat (degrés-jours). Par exemple 60.",
    )  # fmt: skip
    reference_dju = forms.FloatField(
        label="DJU de l'année de référence (base 18 °C)", required=False, min_value=0.001,
        help_text=(
            "Degrés-jours unifiés de l'année de référence à la station météo de référence. "
            "Vide : la référence n'est pas corrigée du climat."
        ),
    )  # fmt: skip

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["heating_share"] = data["heating_share"] / 100
        return data

    @staticmethod
    def initial_of(building) -> dict[str, Any]:
        return {
            "floor_area_m2": building.floor_area_m2,
            "reference_year": building.reference_year,
            "reference_kwh": building.reference_kwh,
            "heating_share": round(building.heating_share * 100, 1),
            "reference_dju": building.reference_dju,
        }
