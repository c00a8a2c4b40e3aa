"""Buildings (groups of devices with a surface and a décret tertiaire reference), alert
rules per commune, alerts with their timeline, subscriptions and in-platform
notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from territoire.core.models import Commune, TimeStampedModel
from territoire.sensors.models import Device


class Building(TimeStampedModel):
    """A public building whose meters are summed: energy (kWh), water (m³), comfort."""

    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("nom"), max_length=150)
    floor_area_m2 = models.PositiveIntegerField(
        _("surface de plancher (m²)"), null=True, blank=True
    )
    devices = models.ManyToManyField(Device, related_name="+", blank=True)
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    # Décret tertiaire: the reference year and its final energy consumption (kWh).
    reference_year = models.PositiveSmallIntegerField(
        _("année de référence"), null=True, blank=True
    )
    reference_kwh = models.FloatField(_("consommation de référence (kWh)"), null=True, blank=True)
    heating_share = models.FloatField(_("part du chauffage"), default=0.6)
    reference_dju = models.FloatField(_("DJU de l'année de référence"), null=True, blank=True)

    class Meta:
        verbose_name = _("bâtiment")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "name"], name="building_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class RuleKind(models.TextChoices):
    THRESHOLD = "threshold", _("Seuil sur une mesure")
    LEAK = "leak", _("Fuite d'eau")
    SILENT = "silent", _("Capteur muet")
    LOW_BATTERY = "low_battery", _("Batterie faible")
    NOISE = "noise", _("Bruit (Lden / Lnight)")
    OCCUPANCY = "occupancy", _("Stationnement saturé (> 85 %)")


# Per kind: the parameters a rule uses (anything else is dropped by services.rule_save).
RULE_PARAMS: dict[str, tuple[str, ...]] = {
    RuleKind.THRESHOLD: ("quantity", "above", "below"),
    RuleKind.LEAK: ("night_lph", "q3_lph", "burst_share"),
    RuleKind.SILENT: ("factor",),
    RuleKind.LOW_BATTERY: ("percent",),
    RuleKind.NOISE: ("lden", "lnight"),
    RuleKind.OCCUPANCY: ("tag", "label", "rate"),
}


class AlertRule(TimeStampedModel):
    """A rule of a commune. ``params`` depends on the kind: threshold {quantity, above|below},
    leak {night_lph}, low_battery {percent}, silent {factor}, noise {lden, lnight},
    occupancy {rate, tag}."""

    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("type"), max_length=16, choices=RuleKind.choices)
    name = models.CharField(_("nom"), max_length=150)
    params = models.JSONField(_("paramètres"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("règle d'alerte")
        ordering = ["commune__name", "name"]
        indexes = [models.Index(fields=["commune", "kind", "is_active"])]

    def __str__(self) -> str:
        return self.name


class AlertState(models.TextChoices):
    OPEN = "open", _("Ouverte")
    ACKNOWLEDGED = "acknowledged", _("Prise en compte")
    CLOSED = "closed", _("Close")


class Severity(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Avertissement")
    CRITICAL = "critical", _("Critique")


class Alert(TimeStampedModel):
    """One problem on one subject (a device or a car park). While it is not closed, the
    same rule on the same subject updates it instead of opening another (no flood)."""

    rule = models.ForeignKey(AlertRule, on_delete=models.PROTECT, related_name="alerts")
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+")
    device = models.ForeignKey(
        Device, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(_("objet"), max_length=150)  # the device or car park, shown
    subject_key = models.CharField(max_length=100)  # what de-duplicates: dev_eui, car park tag
    title = models.CharField(_("intitulé"), max_length=200)
    detail = models.TextField(_("détail"), blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.WARNING)
    value = models.FloatField(null=True, blank=True)
    state = models.CharField(max_length=14, choices=AlertState.choices, default=AlertState.OPEN)
    opened_at = models.DateTimeField(_("ouverte le"))
    last_seen_at = models.DateTimeField(_("constatée pour la dernière fois"))
    occurrences = models.PositiveIntegerField(default=1)
    closed_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Leaks: the estimated flow, to count the water saved once fixed (closed).
    rate_lph = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("alerte")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_key"],
                condition=~Q(state="closed"),
                name="alert_open_once",
            )
        ]
        indexes = [
            models.Index(fields=["commune", "state", "-opened_at"]),
            models.Index(fields=["-updated_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.title} — {self.subject}"


class AlertEvent(models.Model):
    """The alert's timeline, shown on its page: opened, repeated, acknowledged, assigned,
    commented, closed."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=16)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class Subscription(TimeStampedModel):
    """A person who wants alerts of a commune by e-mail (in-platform notifications too)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "commune"], name="subscription_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.commune_id}"


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="insights_notifications"
    )
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.alert_id}"
