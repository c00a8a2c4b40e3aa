"""Forms of automations: a rule (with at most one condition on the page), the manual
override and the dry run period."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from territoire.automations.models import Aggregate, Operator, Trigger
from territoire.automations.services import ConditionData, RuleData
from territoire.core.forms import AccessibleFormMixin
from territoire.core.models import Commune
from territoire.sensors.models import Device, Series


def _series(commune, text: str, field: str) -> Series:
    """'DevEUI:quantité' → the series of a device of ``commune``."""
    eui, _, quantity = text.partition(":")
    found = Series.objects.filter(
        device__commune=commune, device__dev_eui=eui.strip().lower(), quantity=quantity.strip()
    ).select_related("device")
    series = found.first()
    if series is None:
        raise forms.ValidationError(
            {
                field: "Mesure introuvable dans cette commune : écrivez DevEUI:mesure, "
                "par exemple a84041000181c001:temperature."
            }
        )
    return series


class RuleForm(AccessibleFormMixin, forms.Form):
    commune: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=Commune.objects.none(), label="Commune", empty_label=None
    )
    name = forms.CharField(label="Nom de la règle", max_length=120)
    trigger = forms.ChoiceField(label="Quand", choices=Trigger.choices)
    at_time = forms.TimeField(
        label="Heure (pour « à une heure fixe »)", required=False, help_text="Par exemple 22:30."
    )
    offset_minutes = forms.IntegerField(
        label="Décalage en minutes (lever ou coucher du soleil)",
        initial=0,
        min_value=-720,
        max_value=720,
        help_text="Négatif : avant ; positif : après. Par exemple 15 pour 15 minutes après.",
    )
    trigger_series = forms.CharField(
        label="Mesure déclenchante (pour « à chaque nouvelle mesure »)",
        required=False,
        help_text="DevEUI:mesure, par exemple a84041000181c001:humidite.",
    )
    cond_series = forms.CharField(
        label="Condition : mesure",
        required=False,
        help_text="DevEUI:mesure ; vide : sans condition.",
    )
    cond_aggregate = forms.ChoiceField(
        label="Condition : calcul", choices=Aggregate.choices, initial=Aggregate.LAST
    )
    cond_window = forms.IntegerField(
        label="Condition : sur les dernières (heures)", initial=24, min_value=1, max_value=744
    )
    cond_operator = forms.ChoiceField(label="Condition : doit être", choices=Operator.choices)
    cond_threshold = forms.FloatField(label="Condition : seuil", required=False)
    command = forms.CharField(label="Alors : commande", max_length=50, initial="set_interval")
    params = forms.CharField(
        label="Paramètres de la commande (JSON)",
        initial='{"seconds": 600}',
        help_text='Par exemple {"seconds": 600}.',
    )
    devices = forms.CharField(
        label="Capteurs commandés",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Un DevEUI par ligne.",
    )

    def __init__(self, *args: Any, communes=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes  # type: ignore[attr-defined]

    def clean_params(self) -> dict:
        try:
            params = json.loads(self.cleaned_data["params"] or "{}")
        except json.JSONDecodeError as exc:
            raise forms.ValidationError("Paramètres illisibles : écrivez un objet JSON.") from exc
        if not isinstance(params, dict):
            raise forms.ValidationError("Paramètres illisibles : écrivez un objet JSON.")
        return params

    def rule_data(self) -> RuleData:
        """The service's input; raises ValidationError naming fields of this form."""
        data = self.cleaned_data
        commune = data["commune"]
        euis = [line.strip().lower() for line in data["devices"].split() if line.strip()]
        devices = list(Device.objects.filter(commune=commune, dev_eui__in=euis))
        if len(devices) != len(set(euis)):
            raise forms.ValidationError({"devices": "Un DevEUI est inconnu dans cette commune."})
        conditions = []
        if data.get("cond_series"):
            if data.get("cond_threshold") is None:
                raise forms.ValidationError({"cond_threshold": "Indiquez le seuil."})
            conditions.append(
                ConditionData(
                    series=_series(commune, data["cond_series"], "cond_series"),
                    operator=data["cond_operator"],
                    threshold=data["cond_threshold"],
                    aggregate=data["cond_aggregate"],
                    window_hours=data["cond_window"],
                )
            )
        trigger_series = None
        if data["trigger"] == Trigger.READING and data.get("trigger_series"):
            trigger_series = _series(commune, data["trigger_series"], "trigger_series")
        return RuleData(
            name=data["name"],
            trigger=data["trigger"],
            at_time=data.get("at_time"),
            offset_minutes=data.get("offset_minutes") or 0,
            trigger_series=trigger_series,
            command=data["command"].strip(),
            params=data["params"],
            devices=devices,
            conditions=conditions,
        )


class SuspendForm(AccessibleFormMixin, forms.Form):
    until = forms.DateTimeField(
        label="Suspendre jusqu'au",
        help_text="Date et heure, par exemple 30/11/2026 08:00.",
        input_formats=["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    reason = forms.CharField(label="Motif", max_length=200)


class DryRunForm(AccessibleFormMixin, forms.Form):
    days = forms.IntegerField(label="Nombre de jours", min_value=1, max_value=31, initial=7)
