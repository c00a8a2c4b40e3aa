"""Sensor hub API: the network servers' HTTP integrations (ChirpStack v4 ``?event=``, The
Things Stack v3 webhook), and the commune-scoped reads and registrations for agents and
machine clients."""

import json
import math
from datetime import datetime, timedelta
from decimal import Decimal

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from ninja.security import HttpBearer

from territoire.core.api import PlainText, person_of, principal_of
from territoire.core.pagination import ApiPagination
from territoire.core.permissions import require
from territoire.core.problems import problem
from territoire.core.selectors import commune_list
from territoire.sensors import ingest, selectors, services
from territoire.sensors.downlinks import downlink_request
from territoire.sensors.integrations.chirpstack import parse_chirpstack
from territoire.sensors.integrations.events import PayloadError
from territoire.sensors.integrations.tts import parse_tts
from territoire.sensors.models import Device, Integration, Period, Source

router = Router(tags=["Capteurs"])

# A network-server event is a few kilobytes; anything far larger is not one.
MAX_EVENT_BYTES = 64 * 1024


class IntegrationAuth(HttpBearer):
    """Network servers send their integration's secret as a bearer token (a custom header in
    the ChirpStack HTTP integration or the TTS webhook)."""

    source = ""

    def authenticate(self, request: HttpRequest, token: str) -> Integration | None:
        return services.integration_authenticate(token, self.source)


class ChirpStackAuth(IntegrationAuth):
    source = Source.CHIRPSTACK


class TtsAuth(IntegrationAuth):
    source = Source.TTS


class IngestOut(Schema):
    received: int
    duplicates: int
    stored: int
    quarantined: int
    unregistered: int
    ignored: int
    readings: int


def _receive(request: HttpRequest, parse):
    integration: Integration = request.auth  # type: ignore[attr-defined]
    raw = request.body
    if len(raw) > MAX_EVENT_BYTES:
        return problem(
            request,
            status=413,
            title="Message trop volumineux",
            detail=f"Un évènement ne dépasse pas {MAX_EVENT_BYTES} octets.",
            slug="trop-volumineux",
        )
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        ingest.quarantine_unreadable(integration, raw, "Corps illisible : JSON invalide")
        return problem(
            request,
            status=400,
            title="Requête illisible",
            detail="Le corps n'est pas un JSON valide ; il est gardé en quarantaine.",
            slug="json-invalide",
        )
    try:
        event = parse(body)
    except PayloadError as exc:
        ingest.quarantine_unreadable(integration, raw, f"Évènement invalide : {exc.message}")
        return problem(
            request,
            status=400,
            title="Évènement invalide",
            detail=exc.message,
            slug="evenement-invalide",
        )
    report = ingest.ingest_shared(integration, [(event, raw.decode())])
    return Status(200, report.__dict__)


@router.post(
    "/ingest/chirpstack",
    auth=ChirpStackAuth(),
    response={200: IngestOut},
    summary="Intégration HTTP ChirpStack v4 (?event=up|status|join|ack|txack|log)",
)
def ingest_chirpstack(request: HttpRequest, event: str = "up"):
    return _receive(request, lambda body: parse_chirpstack(event, body, now=timezone.now()))


@router.post(
    "/ingest/tts",
    auth=TtsAuth(),
    response={200: IngestOut},
    summary="Webhook The Things Stack v3",
)
def ingest_tts(request: HttpRequest):
    return _receive(request, lambda body: parse_tts(body, now=timezone.now()))


class DeviceOut(Schema):
    dev_eui: str
    name: str
    model: str
    commune: str = Field(alias="commune.insee_code")
    place: str
    latitude: Decimal | None
    longitude: Decimal | None
    status: str
    reporting_interval_s: int
    last_seen_at: datetime | None
    battery: float | None
    rssi: float | None
    snr: float | None
    gateway_id: str


class DeviceFilters(Schema):
    search: PlainText = ""
    commune: str = Field("", description="Code INSEE")
    model: str = ""
    status: str = ""


@router.get("/devices", response=list[DeviceOut], summary="Capteurs")
@paginate(ApiPagination)
def devices_list(request: HttpRequest, filters: Query[DeviceFilters]):
    principal = principal_of(request)
    require(principal, "sensors.view")
    commune_id = None
    if filters.commune:
        commune = commune_list().filter(insee_code=filters.commune).first()
        if commune is None:
            raise Http404("Commune inconnue.")
        commune_id = commune.pk
    return selectors.devices(
        principal,
        search=filters.search,
        commune_id=commune_id,
        model=filters.model,
        status=filters.status,
    )


class DeviceIn(Schema):
    commune: str = Field(description="Code INSEE")
    dev_eui: PlainText
    name: PlainText = Field(max_length=100)
    model: PlainText
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    place: PlainText = Field("", max_length=150)


@router.post("/devices", response={201: DeviceOut}, summary="Enregistrer un capteur")
def devices_create(request: HttpRequest, payload: DeviceIn):
    commune = commune_list().filter(insee_code=payload.commune).first()
    if commune is None:
        raise Http404("Commune inconnue.")
    device = services.device_register(
        actor=person_of(request),
        commune=commune,
        data=services.DeviceData(
            dev_eui=payload.dev_eui,
            name=payload.name,
            model=payload.model,
            latitude=payload.latitude,
            longitude=payload.longitude,
            place=payload.place,
        ),
    )
    return Status(201, device)


class SeriesOut(Schema):
    quantity: str
    label: str
    unit: str
    kind: str
    last_at: datetime | None
    last_value: float | None


class DeviceDetailOut(DeviceOut):
    series: list[SeriesOut]

    @staticmethod
    def resolve_series(device) -> list:
        return list(selectors.series_of(device))


def _device(request: HttpRequest, dev_eui: str):
    try:
        return selectors.device(principal_of(request), dev_eui=dev_eui)
    except Device.DoesNotExist as exc:
        raise Http404("Capteur introuvable.") from exc


@router.get("/devices/{dev_eui}", response=DeviceDetailOut, summary="Un capteur et ses séries")
def devices_detail(request: HttpRequest, dev_eui: str):
    return _device(request, dev_eui)


class RollupOut(Schema):
    start: datetime
    count: int
    value: float = Field(description="Moyenne (jauge), total (compteur), moyenne énergétique (dB)")
    minimum: float
    maximum: float


class RollupQuery(Schema):
    period: Period = Period.HOUR
    since: datetime | None = None
    until: datetime | None = None


@router.get(
    "/devices/{dev_eui}/series/{quantity}/rollups",
    response=list[RollupOut],
    summary="Agrégats horaires ou journaliers d'une série",
)
@paginate(ApiPagination)
def series_rollups(request: HttpRequest, dev_eui: str, quantity: str, query: Query[RollupQuery]):
    device = _device(request, dev_eui)
    series = selectors.series_of(device).filter(quantity=quantity).first()
    if series is None:
        raise Http404("Série introuvable.")
    return [
        {
            "start": r.start,
            "count": r.count,
            "value": rollup_value(series.kind, r),
            "minimum": r.minimum,
            "maximum": r.maximum,
        }
        for r in selectors.rollups(
            series, period=query.period, since=query.since, until=query.until
        )
    ]


def rollup_value(kind: str, rollup) -> float:
    """The value a person reads for a period: the mean of a gauge, the total of a counter,
    the energetic mean of a sound level."""
    if kind == "counter":
        return rollup.total
    if kind == "sound_level":
        return 10 * math.log10(rollup.energy / rollup.count) if rollup.energy > 0 else 0.0
    return rollup.total / rollup.count


class QuarantineOut(Schema):
    id: int
    received_at: datetime
    dev_eui: str
    source: str
    f_port: int
    reason: str


@router.get("/quarantine", response=list[QuarantineOut], summary="Messages en quarantaine")
@paginate(ApiPagination)
def quarantine_list(request: HttpRequest):
    principal = principal_of(request)
    require(principal, "sensors.manage_devices")
    return selectors.quarantine(principal)


class UnknownOut(Schema):
    dev_eui: str
    uplinks: int
    last_at: datetime


@router.get("/unregistered", response=list[UnknownOut], summary="Capteurs à enregistrer")
def unregistered_list(request: HttpRequest):
    principal = principal_of(request)
    require(principal, "sensors.manage_devices")
    return selectors.unregistered(principal)


class DownlinkIn(Schema):
    command: PlainText = Field(description="Commande du modèle, par exemple set_interval")
    params: dict = Field(default_factory=dict, description="Paramètres de la commande")
    expires_in_minutes: int = Field(1440, ge=1, le=10080)


class DownlinkOut(Schema):
    id: int
    command: str
    params: dict
    f_port: int
    state: str
    error: str
    created_at: datetime
    sent_at: datetime | None
    acknowledged_at: datetime | None
    expires_at: datetime


@router.post(
    "/devices/{dev_eui}/downlinks",
    response={201: DownlinkOut},
    summary="Envoyer une commande à un capteur",
)
def downlinks_create(request: HttpRequest, dev_eui: str, payload: DownlinkIn):
    device = _device(request, dev_eui)
    downlink = downlink_request(
        actor=person_of(request),
        device=device,
        command=payload.command,
        params=payload.params,
        expires_in=timedelta(minutes=payload.expires_in_minutes),
    )
    return Status(201, downlink)


@router.get(
    "/devices/{dev_eui}/downlinks",
    response=list[DownlinkOut],
    summary="Commandes envoyées à un capteur",
)
@paginate(ApiPagination)
def downlinks_list(request: HttpRequest, dev_eui: str):
    return selectors.downlinks_of(_device(request, dev_eui))
