"""The LoRaWAN data hub: network-server integrations, devices, the raw uplink archive (with
its quarantine), measurement series, readings and their hourly/daily rollups."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from territoire.core.models import Commune, TimeStampedModel


class Source(models.TextChoices):
    CHIRPSTACK = "chirpstack", "ChirpStack v4"
    TTS = "tts", "The Things Stack v3"


class Integration(TimeStampedModel):
    """One network server feeding the hub, for one commune or (commune empty) the whole
    territory. It authenticates with its own secret, of which only a hash is kept."""

    name = models.CharField(_("nom"), max_length=100)
    source = models.CharField(_("serveur de réseau"), max_length=16, choices=Source.choices)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    secret_hash = models.CharField(max_length=64, unique=True)
    secret_prefix = models.CharField(max_length=12)
    # Where downlinks go (ChirpStack REST proxy or TTS webhook API), with the token to use.
    downlink_url = models.URLField(_("adresse de l'API du serveur"), blank=True)
    downlink_token = models.CharField(_("jeton de l'API du serveur"), max_length=255, blank=True)
    tts_application_id = models.CharField(max_length=100, blank=True)
    # The network server's application this integration receives over MQTT (the ChirpStack
    # application UUID or the TTS application id); empty: every application of the broker.
    mqtt_application = models.CharField(_("application MQTT"), max_length=100, blank=True)
    tts_webhook_id = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("intégration")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DeviceStatus(models.TextChoices):
    ACTIVE = "active", _("En service")
    MAINTENANCE = "maintenance", _("En maintenance")
    RETIRED = "retired", _("Retiré")


class Device(TimeStampedModel):
    """A registered sensor of a commune. Health fields are kept current by ingestion."""

    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="devices")
    dev_eui = models.CharField(_("DevEUI"), max_length=16, unique=True)
    name = models.CharField(_("nom"), max_length=100)
    model = models.CharField(_("modèle"), max_length=50)
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    place = models.CharField(_("lieu ou bâtiment"), max_length=150, blank=True)
    installed_on = models.DateField(_("installé le"), null=True, blank=True)
    tags = models.JSONField(_("étiquettes"), default=list, blank=True)
    status = models.CharField(
        _("état"), max_length=16, choices=DeviceStatus.choices, default=DeviceStatus.ACTIVE
    )
    reporting_interval_s = models.PositiveIntegerField(_("intervalle d'émission (s)"))
    tts_device_id = models.CharField(max_length=100, blank=True)
    # Health, updated at ingestion.
    last_seen_at = models.DateTimeField(_("dernier message"), null=True, blank=True)
    battery = models.FloatField(_("batterie (%)"), null=True, blank=True)
    rssi = models.FloatField(null=True, blank=True)
    snr = models.FloatField(null=True, blank=True)
    gateway_id = models.CharField(_("passerelle"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("capteur")
        ordering = ["name"]
        indexes = [
            # The list is ordered by name: these keep deep pages fast at 50,000 devices.
            models.Index(fields=["name", "id"]),
            models.Index(fields=["commune", "name"]),
            models.Index(fields=["commune", "model"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.dev_eui})"


class UplinkState(models.TextChoices):
    STORED = "stored", _("Enregistré")
    QUARANTINED = "quarantined", _("En quarantaine")
    UNREGISTERED = "unregistered", _("Capteur à enregistrer")
    IGNORED = "ignored", _("Sans mesure")


class RawUplink(models.Model):
    """Every message received, as received: for replay and for re-decoding after a codec fix.
    The (source, dedup_key) pair makes redelivery harmless."""

    source = models.CharField(max_length=16, choices=Source.choices)
    dedup_key = models.CharField(max_length=120)
    # Indexes here cost every uplink stored: only those that reads need (see Meta). No index
    # on the integration: integrations are deactivated, never deleted, so PROTECT never looks.
    integration = models.ForeignKey(
        Integration, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    dev_eui = models.CharField(max_length=16)
    device = models.ForeignKey(
        Device,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="uplinks",
        db_index=False,  # (device, received_at) serves
    )
    kind = models.CharField(max_length=16, default="up")
    received_at = models.DateTimeField()
    f_port = models.PositiveSmallIntegerField(default=0)
    f_cnt = models.PositiveBigIntegerField(default=0)
    payload = models.BinaryField(default=b"")
    body = models.JSONField(default=dict)
    state = models.CharField(max_length=16, choices=UplinkState.choices)
    reason = models.CharField(_("motif"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("message reçu")
        constraints = [models.UniqueConstraint(fields=["source", "dedup_key"], name="uplink_once")]
        # Most messages are stored and are read through their device; the few quarantined or
        # waiting for their device to be registered have partial indexes of their own, which
        # the stored ones never enter.
        indexes = [
            models.Index(fields=["device", "received_at"]),
            models.Index(
                fields=["received_at"],
                condition=models.Q(state="quarantined"),
                name="uplink_quarantined",
            ),
            models.Index(
                fields=["dev_eui", "received_at"],
                condition=models.Q(state="unregistered"),
                name="uplink_unregistered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.dev_eui} {self.received_at:%Y-%m-%d %H:%M:%S}"


class Series(models.Model):
    """One quantity measured by one device, with its unit and aggregation kind. The last raw
    value of a counter is kept to compute the next delta."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="series")
    quantity = models.CharField(max_length=50)
    label = models.CharField(max_length=100)
    unit = models.CharField(max_length=20)
    kind = models.CharField(max_length=16)
    last_at = models.DateTimeField(null=True, blank=True)
    last_value = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("série")
        constraints = [models.UniqueConstraint(fields=["device", "quantity"], name="series_unique")]

    def __str__(self) -> str:
        return f"{self.device.name} — {self.label}"


class Reading(models.Model):
    """One value at one instant (UTC). For counters, ``value`` is the cumulative count as
    sent and ``delta`` the increase since the previous reading (resets handled)."""

    id = models.BigAutoField(primary_key=True)
    # The unique constraint's index starts with the series: no second index on it.
    series = models.ForeignKey(
        Series, on_delete=models.CASCADE, related_name="readings", db_index=False
    )
    at = models.DateTimeField()
    value = models.FloatField()
    delta = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "at"], name="reading_once")]

    def __str__(self) -> str:
        return f"{self.series_id} {self.at:%Y-%m-%d %H:%M} {self.value}"


class Period(models.TextChoices):
    HOUR = "hour", _("heure")
    DAY = "day", _("jour")


class Rollup(models.Model):
    """Aggregates of a series over an hour or a day (local day, Europe/Paris), maintained at
    ingestion. Mean = total / count for gauges; the counter total is the sum of deltas; the
    energetic mean of sound levels is 10·log10(energy / count)."""

    id = models.BigAutoField(primary_key=True)
    # The unique constraint's index starts with the series: no second index on it.
    series = models.ForeignKey(
        Series, on_delete=models.CASCADE, related_name="rollups", db_index=False
    )
    period = models.CharField(max_length=4, choices=Period.choices)
    start = models.DateTimeField()
    count = models.PositiveIntegerField()
    total = models.FloatField()
    minimum = models.FloatField()
    maximum = models.FloatField()
    energy = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "period", "start"], name="rollup_once")
        ]

    def __str__(self) -> str:
        return f"{self.series_id} {self.period} {self.start:%Y-%m-%d %H:%M}"


class CommuneDay(models.Model):
    """A quantity's daily aggregate over all the devices of a commune (local day), maintained
    at ingestion beside the series rollups, so that a commune's totals read one row per day
    however many devices it has. Readings count for the commune of their device when they
    were stored."""

    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="+", db_index=False
    )  # the unique constraint's index starts with the commune
    quantity = models.CharField(max_length=50)
    start = models.DateTimeField()
    count = models.PositiveIntegerField()
    total = models.FloatField()
    minimum = models.FloatField()
    maximum = models.FloatField()
    energy = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "quantity", "start"], name="commune_day_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.commune_id} {self.quantity} {self.start:%Y-%m-%d}"


class DownlinkState(models.TextChoices):
    QUEUED = "queued", _("En file d'attente")
    SENT = "sent", _("Transmis au serveur de réseau")
    ACKNOWLEDGED = "acknowledged", _("Acquitté par le capteur")
    FAILED = "failed", _("Échec")
    EXPIRED = "expired", _("Expiré")


class Downlink(TimeStampedModel):
    """A command sent to a device through its network server, followed until the device
    acknowledges it (or it fails or expires)."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="downlinks")
    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="+")
    command = models.CharField(_("commande"), max_length=50)
    params = models.JSONField(_("paramètres"), default=dict, blank=True)
    f_port = models.PositiveSmallIntegerField()
    payload = models.BinaryField()
    confirmed = models.BooleanField(default=True)
    state = models.CharField(
        max_length=16, choices=DownlinkState.choices, default=DownlinkState.QUEUED
    )
    lns_id = models.CharField(_("identifiant chez le serveur"), max_length=100, blank=True)
    error = models.CharField(_("erreur"), max_length=255, blank=True)
    expires_at = models.DateTimeField(_("expire le"))
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("commande descendante")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["device", "-created_at"]), models.Index(fields=["lns_id"])]
