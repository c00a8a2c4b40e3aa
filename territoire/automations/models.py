"""Automation rules "when / if / then": a trigger (a time of day, sunrise or sunset at Arras
with an offset, or a new reading of a series), conditions on readings, and a downlink command
sent to one or more devices. Every action taken or refused is kept as a ``RuleAction``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from territoire.core.models import Commune, TimeStampedModel
from territoire.sensors.codecs import command_label
from territoire.sensors.models import Device, Downlink, Series


class Trigger(models.TextChoices):
    TIME = "time", _("À une heure fixe")
    SUNRISE = "sunrise", _("Au lever du soleil")
    SUNSET = "sunset", _("Au coucher du soleil")
    READING = "reading", _("À chaque nouvelle mesure")
    BOOKING = "booking", _("Aux créneaux de réservation (ouverture de porte)")


class Rule(TimeStampedModel):
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("nom"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    trigger = models.CharField(_("déclencheur"), max_length=10, choices=Trigger.choices)
    at_time = models.TimeField(_("heure"), null=True, blank=True)  # local time (Europe/Paris)
    offset_minutes = models.SmallIntegerField(_("décalage (minutes)"), default=0)
    trigger_series = models.ForeignKey(
        Series, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    command = models.CharField(_("commande"), max_length=50)
    params = models.JSONField(_("paramètres"), default=dict, blank=True)
    devices = models.ManyToManyField(Device, related_name="automation_rules")
    # The rule acts on behalf of its author: the author's rights are checked at every action.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    last_fired_at = models.DateTimeField(null=True, blank=True)
    # Manual override: the rule does nothing until this instant.
    suspended_until = models.DateTimeField(_("suspendue jusqu'au"), null=True, blank=True)
    suspension_reason = models.CharField(_("motif de la suspension"), max_length=200, blank=True)
    # Forced state (manual override that also sent a command): what was forced, kept until
    # ``suspended_until`` so the rule and device pages can say "forcé … jusqu'au …".
    forced_command = models.CharField(_("commande forcée"), max_length=50, blank=True)
    forced_params = models.JSONField(_("paramètres forcés"), default=dict, blank=True)

    class Meta:
        verbose_name = _("règle d'automatisation")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["commune", "is_active"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > timezone.now()

    @property
    def is_forced(self) -> bool:
        return self.is_suspended and bool(self.forced_command)

    @property
    def command_label(self) -> str:
        return command_label(self.command)

    @property
    def forced_command_label(self) -> str:
        return command_label(self.forced_command)


class Aggregate(models.TextChoices):
    LAST = "last", _("dernière valeur")
    SUM = "sum", _("somme")
    MAX = "max", _("maximum")
    MIN = "min", _("minimum")


class Operator(models.TextChoices):
    BELOW = "lt", _("inférieur à")
    ABOVE = "gt", _("supérieur à")


class Condition(models.Model):
    """The action runs only if every condition of its rule holds: ``aggregate`` of the
    series' readings over the last ``window_hours`` compared with ``threshold``. No reading
    in the window: the condition does not hold (a rule never acts on missing data)."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="conditions")
    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="+")
    aggregate = models.CharField(max_length=4, choices=Aggregate.choices, default=Aggregate.LAST)
    window_hours = models.PositiveSmallIntegerField(default=24)
    operator = models.CharField(max_length=2, choices=Operator.choices)
    threshold = models.FloatField()

    def __str__(self) -> str:
        return (
            f"{self.get_aggregate_display()} de {self.series.label} ({self.series.device.name}) "
            f"sur {self.window_hours} h {self.get_operator_display()} {self.threshold:g} "
            f"{self.series.unit}"
        )


class Outcome(models.TextChoices):
    SENT = "sent", _("Commande envoyée")
    REFUSED = "refused", _("Commande refusée")
    SKIPPED = "skipped", _("Conditions non remplies")


class RuleAction(models.Model):
    """What a rule did (or did not do) for one device at one instant."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="actions")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    message = models.CharField(max_length=255, blank=True)
    downlink = models.ForeignKey(
        Downlink, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["rule", "-at"]), models.Index(fields=["device", "-at"])]

    def __str__(self) -> str:
        return f"{self.rule} → {self.device.name} {self.get_outcome_display()}"


class Booking(TimeStampedModel):
    """A booking slot ("créneau de réservation") of a place whose door a device opens: rules
    with the booking trigger open the door at ``starts_at`` and relock it at ``ends_at``."""

    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+")
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="+", verbose_name=_("porte")
    )
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    booked_by = models.CharField(_("réservé par"), max_length=120)
    reason = models.CharField(_("objet de la réservation"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    # Set by the sweep once the opening (and relocking) was acted on, so it happens once.
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("créneau de réservation")
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["device", "starts_at"]),
            models.Index(fields=["commune", "starts_at"]),
        ]

    def __str__(self) -> str:
        start = timezone.localtime(self.starts_at)
        end = timezone.localtime(self.ends_at)
        return f"{self.device.name}, {start:%d/%m/%Y %H:%M}–{end:%H:%M} ({self.booked_by})"
