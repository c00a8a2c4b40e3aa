"""Downlinks: commands to devices, through the device's network server.

EU868 gateways may transmit at most 1 % of the time on most sub-bands, and every downlink
also costs the device a receive window and battery: a device gets at most
``DOWNLINK_MIN_INTERVAL`` between two commands and ``DOWNLINK_MAX_PENDING`` unfinished ones.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from territoire.core.audit import audit_record, register_actions
from territoire.core.models import User
from territoire.core.permissions import require
from territoire.sensors.codecs import get_codec
from territoire.sensors.codecs.base import EncodeError
from territoire.sensors.integrations.downlinks import (
    ChirpStackClient,
    DownlinkError,
    DownlinkRequest,
    TtsClient,
)
from territoire.sensors.models import Device, Downlink, DownlinkState, Integration, Source

register_actions({"sensors.downlink_request": "Commande envoyée à un capteur"})

DOWNLINK_MIN_INTERVAL = timedelta(minutes=10)
DOWNLINK_MAX_PENDING = 3
PENDING = (DownlinkState.QUEUED, DownlinkState.SENT)


def _integration_of(device: Device) -> Integration:
    """The integration the device last spoke through (downlinks go back the same way)."""
    integration_id = (
        device.uplinks.order_by("-received_at").values_list("integration_id", flat=True).first()
    )
    integration = Integration.objects.filter(pk=integration_id).first() if integration_id else None
    if integration is None or not integration.downlink_url:
        raise ValidationError(
            "Ce capteur n'a pas encore émis par un serveur de réseau configuré pour les "
            "commandes : impossible de lui en envoyer."
        )
    return integration


@transaction.atomic
def downlink_request(
    *, actor: User, device: Device, command: str, params: dict, expires_in: timedelta | None = None
) -> Downlink:
    """Queue a command for a device; the worker hands it to the network server."""
    require(actor, "sensors.manage_devices", device)
    Device.objects.select_for_update().filter(pk=device.pk).first()  # one request at a time
    try:
        f_port, payload = get_codec(device.model).encode(command, **params)
    except (EncodeError, TypeError) as exc:
        raise ValidationError({"command": f"Commande impossible : {exc}"}) from exc
    now = timezone.now()
    recent = device.downlinks.filter(created_at__gt=now - DOWNLINK_MIN_INTERVAL).exists()
    if recent:
        minutes = int(DOWNLINK_MIN_INTERVAL.total_seconds() // 60)
        raise ValidationError(
            f"Une commande a été envoyée à ce capteur il y a moins de {minutes} minutes : "
            "attendez pour respecter le temps d'émission autorisé."
        )
    if device.downlinks.filter(state__in=PENDING).count() >= DOWNLINK_MAX_PENDING:
        raise ValidationError("Trop de commandes en attente pour ce capteur.")
    downlink = Downlink.objects.create(
        device=device,
        integration=_integration_of(device),
        command=command,
        params=params,
        f_port=f_port,
        payload=payload,
        expires_at=now + (expires_in or timedelta(hours=24)),
        requested_by=actor,
    )
    audit_record(
        actor=actor,
        action="sensors.downlink_request",
        obj=downlink,
        commune=device.commune_id,
        object_repr=f"{command} → {device.name}",
        changes={"command": command, "params": params},
    )
    from territoire.sensors.tasks import send_downlink

    transaction.on_commit(lambda: send_downlink(downlink.pk))
    return downlink


def downlink_send(downlink_id: int) -> Downlink:
    """Hand a queued downlink to its network server (called by the worker)."""
    downlink = Downlink.objects.select_related("device", "integration").get(pk=downlink_id)
    if downlink.state != DownlinkState.QUEUED:
        return downlink
    now = timezone.now()
    if downlink.expires_at <= now:
        downlink.state = DownlinkState.EXPIRED
        downlink.save(update_fields=["state", "updated_at"])
        return downlink
    integration = downlink.integration
    request = DownlinkRequest(
        dev_eui=downlink.device.dev_eui,
        f_port=downlink.f_port,
        payload=bytes(downlink.payload),
        confirmed=downlink.confirmed,
        expires_at=downlink.expires_at,
    )
    try:
        if integration.source == Source.CHIRPSTACK:
            lns_id = ChirpStackClient(integration.downlink_url, integration.downlink_token).enqueue(
                request
            )
        else:
            lns_id = TtsClient(
                integration.downlink_url,
                integration.tts_application_id,
                integration.tts_webhook_id,
                integration.downlink_token,
            ).push(request, device_id=downlink.device.tts_device_id or downlink.device.dev_eui)
    except DownlinkError as exc:
        downlink.state = DownlinkState.FAILED
        downlink.error = str(exc)[:255]
        downlink.save(update_fields=["state", "error", "updated_at"])
        if getattr(exc, "retryable", False):
            raise
        return downlink
    downlink.state = DownlinkState.SENT
    downlink.lns_id = lns_id[:100]
    downlink.sent_at = now
    downlink.save(update_fields=["state", "lns_id", "sent_at", "updated_at"])
    return downlink


def downlink_feedback(kind: str, data: dict, at) -> int:
    """Apply a network server's report on a downlink (``ack`` with ``acknowledged``,
    ``txack``, ``downlink_failed``) to the downlinks it names. Returns how many changed."""
    ids = [str(data["queueItemId"])] if data.get("queueItemId") else []
    ids += [str(i) for i in data.get("correlation_ids") or [] if isinstance(i, str)]
    if not ids:
        return 0
    downlinks = Downlink.objects.filter(lns_id__in=ids, state__in=PENDING)
    if kind == "ack":
        if data.get("acknowledged", False):
            return downlinks.update(state=DownlinkState.ACKNOWLEDGED, acknowledged_at=at)
        return downlinks.update(state=DownlinkState.FAILED, error="Non acquitté par le capteur")
    if kind == "downlink_failed":
        return downlinks.update(state=DownlinkState.FAILED, error="Refusé par le serveur de réseau")
    if kind == "txack":
        return downlinks.filter(state=DownlinkState.QUEUED).update(
            state=DownlinkState.SENT, sent_at=at
        )
    return 0
