"""Forms of automations: a rule (up to three conditions on the page), the manual override
(suspension, forced state), a booking slot and the dry run period."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from territoire.automations.models import Aggregate, Operator, Trigger
from territoire.automations.services import ConditionData, RuleData
from territoire.core.forms import AccessibleFormMixin
from territoire.core.models import Commune
from territoire.sensors.codecs import command_choices
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


CONDITION_SLOTS = 3


def _prefix(n: int) -> str:
    return "cond_" if n == 1 else f"cond{n}_"


def _initial(rule) -> dict[str, Any]:
    """A rule's current values, to edit it on the same form."""
    initial: dict[str, Any] = {
        "commune": rule.commune_id,
        "name": rule.name,
        "trigger": rule.trigger,
        "at_time": rule.at_time,
        "offset_minutes": rule.offset_minutes,
        "trigger_series": (
            f"{rule.trigger_series.device.dev_eui}:{rule.trigger_series.quantity}"
            if rule.trigger_series
            else ""
        ),
        "command": rule.command,
        "params": json.dumps(rule.params, ensure_ascii=False),
        "devices": "\n".join(rule.devices.order_by("name").values_list("dev_eui", flat=True)),
    }
    conditions = rule.conditions.select_related("series__device").order_by("pk")
    for n, c in enumerate(conditions[:CONDITION_SLOTS], start=1):
        prefix = _prefix(n)
        initial.update(
            {
                f"{prefix}series": f"{c.series.device.dev_eui}:{c.series.quantity}",
                f"{prefix}aggregate": c.aggregate,
                f"{prefix}window": c.window_hours,
                f"{prefix}operator": c.operator,
                f"{prefix}threshold": c.threshold,
            }
        )
    return initial


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
    command = forms.ChoiceField(
        label="Alors : commande",
        required=False,
        choices=lambda: [("", "— Aucune (créneaux de réservation) —"), *command_choices()],
        help_text="Chaque capteur commandé doit savoir l'exécuter. "
        "Ignorée pour les créneaux de réservation : la porte s'ouvre pour la durée du créneau.",
    )
    params = forms.CharField(
        label="Paramètres de la commande (JSON)",
        required=False,
        initial="{}",
        help_text='Par exemple {"relay": 1} ou {"valve": 1, "seconds": 900}.',
    )
    devices = forms.CharField(
        label="Capteurs commandés",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Un DevEUI par ligne.",
    )

    def __init__(self, *args: Any, communes=None, rule=None, **kwargs: Any) -> None:
        if rule is not None:
            kwargs.setdefault("initial", _initial(rule))
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes  # type: ignore[attr-defined]
        if rule is not None:
            # A rule stays in its commune; only what it does is edited.
            self.fields["commune"].disabled = True
        # Condition slots, in order after the trigger fields: 1 is "cond_", 2 "cond2_", ...
        for n in range(1, CONDITION_SLOTS + 1):
            prefix = _prefix(n)
            self.fields[f"{prefix}series"] = forms.CharField(
                label=f"Condition {n} : mesure",
                required=False,
                help_text="DevEUI:mesure ; vide : sans cette condition.",
            )
            self.fields[f"{prefix}aggregate"] = forms.ChoiceField(
                label=f"Condition {n} : calcul",
                choices=Aggregate.choices,
                initial=Aggregate.LAST,
                required=False,
            )
            self.fields[f"{prefix}window"] = forms.IntegerField(
                label=f"Condition {n} : sur les dernières (heures)",
                initial=24,
                min_value=1,
                max_value=744,
                required=False,
            )
            self.fields[f"{prefix}operator"] = forms.ChoiceField(
                label=f"Condition {n} : doit être", choices=Operator.choices, required=False
            )
            self.fields[f"{prefix}threshold"] = forms.FloatField(
                label=f"Condition {n} : seuil", required=False
            )
        order = [name for name in self.fields if not name.startswith("cond")]
        conditions = [name for name in self.fields if name.startswith("cond")]
        at = order.index("command")
        self.order_fields(order[:at] + conditions + order[at:])

    def clean_params(self) -> dict:
        try:
            params = json.loads(self.cleaned_data["params"] or "{}")
        except json.JSONDecodeError as exc:
            raise forms.ValidationError("Paramètres illisibles : écrivez un objet JSON.") from exc
        if not isinstance(params, dict):
            raise forms.ValidationError("Paramètres illisibles : écrivez un objet JSON.")
        return params

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("trigger") != Trigger.BOOKING and not (data.get("command") or "").strip():
            self.add_error("command", "Indiquez la commande à envoyer.")
        return data

    def rule_data(self) -> RuleData:
        """The service's input; raises ValidationError naming fields of this form."""
        data = self.cleaned_data
        commune = data["commune"]
        euis = [line.strip().lower() for line in data["devices"].split() if line.strip()]
        devices = list(Device.objects.filter(commune=commune, dev_eui__in=euis))
        if len(devices) != len(set(euis)):
            raise forms.ValidationError({"devices": "Un DevEUI est inconnu dans cette commune."})
        conditions = []
        for n in range(1, CONDITION_SLOTS + 1):
            prefix = _prefix(n)
            if not data.get(f"{prefix}series"):
                continue
            if data.get(f"{prefix}threshold") is None:
                raise forms.ValidationError({f"{prefix}threshold": "Indiquez le seuil."})
            conditions.append(
                ConditionData(
                    series=_series(commune, data[f"{prefix}series"], f"{prefix}series"),
                    operator=data.get(f"{prefix}operator") or Operator.BELOW,
                    threshold=data[f"{prefix}threshold"],
                    aggregate=data.get(f"{prefix}aggregate") or Aggregate.LAST,
                    window_hours=data.get(f"{prefix}window") or 24,
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
            command=(data.get("command") or "").strip(),
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


class ForceForm(AccessibleFormMixin, forms.Form):
    command = forms.ChoiceField(
        label="Commande à envoyer maintenant",
        choices=command_choices,
        help_text="Par exemple « Allumer » pour forcer l'éclairage allumé.",
    )
    params = forms.CharField(
        label="Paramètres de la commande (JSON)",
        required=False,
        initial="{}",
        help_text='Par exemple {"relay": 1}.',
    )
    until = forms.DateTimeField(
        label="Forcer jusqu'au",
        help_text="Date et heure, par exemple 30/11/2026 08:00.",
        input_formats=["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    reason = forms.CharField(label="Motif du forçage", max_length=200)

    clean_params = RuleForm.clean_params


DATETIME_FORMATS = ["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class BookingForm(AccessibleFormMixin, forms.Form):
    device: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=Device.objects.none(),
        label="Porte",
        help_text="Les capteurs de vos communes qui savent ouvrir une porte.",
    )
    starts_at = forms.DateTimeField(
        label="Début", help_text="Par exemple 30/11/2026 18:00.", input_formats=DATETIME_FORMATS
    )
    ends_at = forms.DateTimeField(
        label="Fin", help_text="Par exemple 30/11/2026 20:00.", input_formats=DATETIME_FORMATS
    )
    booked_by = forms.CharField(
        label="Réservé par", max_length=120, help_text="Association, personne ou service."
    )
    reason = forms.CharField(label="Objet de la réservation", max_length=200)

    def __init__(self, *args: Any, doors=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["device"].queryset = doors  # type: ignore[attr-defined]
        self.fields["device"].label_from_instance = (  # type: ignore[attr-defined]
            lambda d: f"{d.name} ({d.commune.name})"
        )


class DryRunForm(AccessibleFormMixin, forms.Form):
    days = forms.IntegerField(label="Nombre de jours", min_value=1, max_value=31, initial=7)
