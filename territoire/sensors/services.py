"""Writes of the sensor hub made by people: integrations, device registration (which replays
the backlog of a device that spoke before it was known), CSV import, quarantine replay. Each
is one transaction with one audit entry. Machine data goes through ``ingest``."""

from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from territoire.core.audit import audit_record, register_actions
from territoire.core.auth import secret_digest
from territoire.core.models import Commune, User
from territoire.core.permissions import require
from territoire.sensors import ingest, sql
from territoire.sensors.codecs import CODECS, get_codec
from territoire.sensors.models import Device, Integration, RawUplink, Source, UplinkState

register_actions(
    {
        "sensors.integration_create": "Intégration de serveur de réseau créée",
        "sensors.device_register": "Capteur enregistré",
        "sensors.device_import": "Capteurs importés (CSV)",
        "sensors.uplinks_replay": "Messages rejoués",
    }
)

DEV_EUI = re.compile(r"^[0-9a-f]{16}$")


@transaction.atomic
def integration_create(
    *, actor: User, name: str, source: str, commune: Commune | None, **downlink
) -> tuple[Integration, str]:
    """A network-server integration and its secret (shown once; only a hash is kept)."""
    require(actor, "sensors.manage_integrations", commune)
    if source not in Source.values:
        raise ValidationError({"source": "Serveur de réseau inconnu."})
    secret = f"lns_{secrets.token_urlsafe(32)}"
    integration = Integration.objects.create(
        name=name.strip() or source,
        source=source,
        commune=commune,
        secret_hash=secret_digest(secret),
        secret_prefix=secret[:12],
        **downlink,
    )
    audit_record(
        actor=actor,
        action="sensors.integration_create",
        obj=integration,
        commune=commune,
        changes={"name": integration.name, "source": source},
    )
    return integration, secret


def integration_authenticate(secret: str, source: str) -> Integration | None:
    if not secret:
        return None
    # Asked on every request of a network server: a plain SELECT, not an ORM query.
    found = sql.fetch(
        Integration,
        [f.attname for f in Integration._meta.concrete_fields],
        "secret_hash = %s AND source = %s AND is_active = %s",
        [secret_digest(secret), source, True],
    )
    return found[0] if found else None


@dataclass
class DeviceData:
    dev_eui: str
    name: str
    model: str
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    place: str = ""
    installed_on: date | None = None
    tags: list[str] = field(default_factory=list)
    tts_device_id: str = ""


def _clean(data: DeviceData) -> DeviceData:
    errors: dict[str, str] = {}
    data.dev_eui = data.dev_eui.strip().lower().replace(":", "").replace("-", "")
    if not DEV_EUI.match(data.dev_eui):
        errors["dev_eui"] = "Le DevEUI compte 16 caractères hexadécimaux (0-9, a-f)."
    if not data.name.strip():
        errors["name"] = "Donnez un nom au capteur."
    elif len(data.name.strip()) > 100:
        errors["name"] = "Le nom compte au plus 100 caractères."
    if len(data.place.strip()) > 150:
        errors["place"] = "Le lieu compte au plus 150 caractères."
    if len(data.tts_device_id) > 100:
        errors["tts_device_id"] = "L'identifiant TTS compte au plus 100 caractères."
    if data.model not in CODECS:
        errors["model"] = "Modèle inconnu : choisissez un modèle de la liste."
    for name, value, low, high in (
        ("latitude", data.latitude, -90, 90),
        ("longitude", data.longitude, -180, 180),
    ):
        if value is not None and not low <= value <= high:
            errors[name] = f"La {name} doit être comprise entre {low} et {high}."
    if errors:
        raise ValidationError(errors)
    return data


def _register(commune: Commune, data: DeviceData) -> Device:
    data = _clean(data)
    if Device.objects.filter(dev_eui=data.dev_eui).exists():
        raise ValidationError({"dev_eui": "Un capteur avec ce DevEUI est déjà enregistré."})
    return Device.objects.create(
        commune=commune,
        dev_eui=data.dev_eui,
        name=data.name.strip(),
        model=data.model,
        latitude=data.latitude,
        longitude=data.longitude,
        place=data.place.strip(),
        installed_on=data.installed_on,
        tags=data.tags,
        tts_device_id=data.tts_device_id,
        reporting_interval_s=get_codec(data.model).default_interval_s,
    )


def _replay_backlog(devices: list[Device]) -> ingest.BatchReport:
    backlog = (
        RawUplink.objects.select_related("integration")
        .filter(state=UplinkState.UNREGISTERED, dev_eui__in=[d.dev_eui for d in devices])
        .order_by("received_at")
    )
    return ingest.replay(list(backlog))


@transaction.atomic
def device_register(*, actor: User, commune: Commune, data: DeviceData) -> Device:
    """Register a device; the messages it sent while unknown are decoded and stored."""
    require(actor, "sensors.manage_devices", commune)
    device = _register(commune, data)
    replayed = _replay_backlog([device])
    audit_record(
        actor=actor,
        action="sensors.device_register",
        obj=device,
        commune=commune,
        changes={"dev_eui": device.dev_eui, "model": device.model, "backlog": replayed.received},
    )
    return device


@dataclass
class ImportReport:
    created: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, message)


CSV_COLUMNS = [
    "dev_eui",
    "nom",
    "modele",
    "latitude",
    "longitude",
    "lieu",
    "installe_le",
    "etiquettes",
]


def _row_data(row: dict[str, str]) -> DeviceData:
    def decimal(name: str) -> Decimal | None:
        value = (row.get(name) or "").strip().replace(",", ".")
        if not value:
            return None
        try:
            return Decimal(value)
        except InvalidOperation as exc:
            raise ValidationError({name: f"« {value} » n'est pas un nombre."}) from exc

    installed = (row.get("installe_le") or "").strip()
    try:
        installed_on = date.fromisoformat(installed) if installed else None
    except ValueError as exc:
        raise ValidationError({"installe_le": "Date attendue au format AAAA-MM-JJ."}) from exc
    return DeviceData(
        dev_eui=row.get("dev_eui") or "",
        name=row.get("nom") or "",
        model=(row.get("modele") or "").strip(),
        latitude=decimal("latitude"),
        longitude=decimal("longitude"),
        place=row.get("lieu") or "",
        installed_on=installed_on,
        tags=[t.strip() for t in (row.get("etiquettes") or "").split("|") if t.strip()],
    )


@transaction.atomic
def devices_import(*, actor: User, commune: Commune, content: bytes) -> ImportReport:
    """Register the devices of a CSV file (columns: CSV_COLUMNS; ``;`` or ``,``). Valid lines
    are registered, each invalid line is reported with its number and reason."""
    require(actor, "sensors.manage_devices", commune)
    report = ImportReport()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=";,")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    missing = [c for c in ("dev_eui", "nom", "modele") if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(
            {
                "file": f"Colonnes manquantes : {', '.join(missing)}. Attendues : "
                f"{', '.join(CSV_COLUMNS)}."
            }
        )
    created: list[Device] = []
    rows = enumerate(reader, start=2)
    while True:
        try:
            line, row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            # The csv module refuses some files outright (a cell over 128 KiB, for one).
            raise ValidationError(
                {
                    "file": f"Ce fichier ne peut pas être lu comme un CSV (ligne "
                    f"{reader.line_num}) : enregistrez-le au format CSV depuis votre tableur "
                    "et vérifiez qu'aucune cellule n'est démesurée."
                }
            ) from exc
        try:
            with transaction.atomic():
                created.append(_register(commune, _row_data(row)))
        except ValidationError as exc:
            messages = (
                [m for ms in exc.message_dict.values() for m in ms]
                if hasattr(exc, "error_dict")
                else exc.messages
            )
            report.errors.append((line, " ".join(messages)))
    report.created = len(created)
    replayed = _replay_backlog(created) if created else ingest.BatchReport()
    audit_record(
        actor=actor,
        action="sensors.device_import",
        commune=commune,
        object_repr=f"{report.created} capteurs importés",
        changes={
            "created": report.created,
            "errors": len(report.errors),
            "backlog": replayed.received,
        },
    )
    return report


@transaction.atomic
def uplinks_replay(
    *, actor: User, commune: Commune, uplinks: list[RawUplink]
) -> ingest.BatchReport:
    """Decode quarantined messages again (after a codec fix or a device change)."""
    require(actor, "sensors.manage_devices", commune)
    # A body that could not even be parsed cannot be decoded again: it stays for people.
    uplinks = [uplink for uplink in uplinks if uplink.kind != "unreadable"]
    report = ingest.replay(uplinks)
    audit_record(
        actor=actor,
        action="sensors.uplinks_replay",
        commune=commune,
        object_repr=f"{len(uplinks)} messages",
        changes={"stored": report.stored, "quarantined": report.quarantined},
    )
    return report
