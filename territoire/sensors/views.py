"""Pages of the sensor hub for agents, elected officials and administrators: the devices of
their communes (list, CSV export, one device with its charts), registration (one by one or
from a CSV file), the devices waiting to be registered, the quarantine and the network-server
integrations. Views check abilities and call selectors and services only."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from territoire.core.exports import csv_response
from territoire.core.forms import attach_service_errors
from territoire.core.models import Commune, Role
from territoire.core.pagination import paginate, querystring_without_page
from territoire.core.permissions import can, has_role, require
from territoire.core.views import crumbs, person
from territoire.sensors import ingest, selectors, services
from territoire.sensors.api import rollup_value
from territoire.sensors.codecs import CODECS, codec_choices
from territoire.sensors.forms import (
    DeviceFilterForm,
    DeviceForm,
    ImportForm,
    IntegrationForm,
    QuarantineFilterForm,
)
from territoire.sensors.models import Device, Period, RawUplink, Series

# --- shared pieces ------------------------------------------------------------------------


def _hub_nav(request: HttpRequest) -> list[tuple[str, str]]:
    """The sensor hub's own menu: the pages this person may use."""
    user = request.user
    nav = [("Tous les capteurs", reverse("sensors:devices"))]
    if can(user, "sensors.manage_devices"):
        nav += [
            ("Enregistrer un capteur", reverse("sensors:register")),
            ("Importer un fichier CSV", reverse("sensors:import")),
            ("Capteurs à enregistrer", reverse("sensors:unregistered")),
            ("Quarantaine", reverse("sensors:quarantine")),
        ]
    if _may_configure_integrations(request):
        nav.append(("Intégrations", reverse("sensors:integrations")))
    return nav


def _may_configure_integrations(request: HttpRequest) -> bool:
    """A CUA administrator (territory-wide integrations) or a commune administrator (those
    of the commune); the service checks the commune actually chosen."""
    return can(request.user, "sensors.manage_integrations", None) or has_role(
        request.user, {Role.COMMUNE_ADMIN}, anywhere=True
    )


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200):
    context.setdefault("hub_nav", _hub_nav(request))
    return render(request, template, context, status=status)


def _hub_crumbs(*items: tuple[str, Any]) -> list[tuple[str, Any]]:
    return crumbs(("Capteurs", reverse("sensors:devices")), *items)


def _posted(request: HttpRequest):
    """The submitted data (even empty: an empty submission is checked, not ignored)."""
    return request.POST if request.method == "POST" else None


def model_label(model: str) -> str:
    codec = CODECS.get(model)
    return codec.label if codec else model


@dataclass(frozen=True)
class Health:
    code: str  # "ok", "silent", "never": also the CSS modifier
    label: str


def health_of(device: Device, now: datetime) -> Health:
    """A device is silent when it missed two reports in a row."""
    if device.last_seen_at is None:
        return Health("never", "jamais vu")
    if now - device.last_seen_at > timedelta(seconds=2 * device.reporting_interval_s):
        return Health("silent", "silencieux")
    return Health("ok", "émet normalement")


@dataclass(frozen=True)
class DeviceRow:
    device: Device
    model_label: str
    health: Health


# --- devices ------------------------------------------------------------------------------


def _filtered_devices(request: HttpRequest) -> tuple[DeviceFilterForm, Any]:
    """The filter form and the devices it selects; invalid filters select nothing (the page
    says what to correct rather than showing an unfiltered list)."""
    form = DeviceFilterForm(request.GET or None, communes=selectors.communes_visible(request.user))
    if not form.is_bound:
        return form, selectors.devices(request.user)
    if not form.is_valid():
        return form, selectors.devices(request.user).none()
    data = form.cleaned_data
    commune = data.get("commune")
    return form, selectors.devices(
        request.user,
        search=data["q"],
        commune_id=commune.pk if commune else None,
        model=data["model"],
        status=data["status"],
    )


@login_required
def device_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "sensors.view")
    form, devices = _filtered_devices(request)
    page = paginate(request, devices)
    now = timezone.now()
    rows = [DeviceRow(d, model_label(d.model), health_of(d, now)) for d in page.object_list]
    querystring = querystring_without_page(request)
    return _page(
        request,
        "sensors/device_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "filtered": any(request.GET.get(key) for key in form.fields),
            "querystring": querystring,
            "breadcrumbs": crumbs(("Capteurs", None)),
        },
    )


@login_required
def device_list_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered list, every page of it."""
    require(request.user, "sensors.view")
    _form, devices = _filtered_devices(request)
    now = timezone.now()

    def rows():
        yield [
            "dev_eui",
            "nom",
            "commune_insee",
            "commune",
            "modele",
            "libelle_modele",
            "lieu",
            "latitude",
            "longitude",
            "installe_le",
            "etat",
            "dernier_message",
            "batterie_pourcent",
            "sante",
        ]
        for device in devices.iterator(chunk_size=2000):
            yield [
                device.dev_eui,
                device.name,
                device.commune.insee_code,
                device.commune.name,
                device.model,
                model_label(device.model),
                device.place,
                "" if device.latitude is None else device.latitude,
                "" if device.longitude is None else device.longitude,
                device.installed_on.isoformat() if device.installed_on else "",
                device.get_status_display(),
                timezone.localtime(device.last_seen_at).isoformat() if device.last_seen_at else "",
                "" if device.battery is None else round(device.battery),
                health_of(device, now).label,
            ]

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return csv_response(rows(), f"capteurs-{stamp}.csv")


@dataclass(frozen=True)
class ChartPeriod:
    key: str
    period: str
    span: timedelta
    label: str
    short_format: str  # chart axis labels
    long_format: str  # data table


CHART_PERIODS = {
    p.key: p
    for p in (
        ChartPeriod(
            "heures",
            Period.HOUR,
            timedelta(days=7),
            "Par heure, sur les 7 derniers jours",
            "%d/%m %Hh",
            "%d/%m/%Y, %H h – %H h 59",
        ),
        ChartPeriod(
            "jours",
            Period.DAY,
            timedelta(days=365),
            "Par jour, sur les 365 derniers jours",
            "%d/%m/%y",
            "%d/%m/%Y",
        ),
    )
}
DEFAULT_CHART_PERIOD = "heures"
VALUE_HEADINGS = {
    "counter": "Total",
    "sound_level": "Moyenne énergétique",
    "state": "Part du temps à 1",
}


@dataclass(frozen=True)
class ChartRow:
    start: datetime  # local time
    label: str
    value: float
    minimum: float
    maximum: float
    count: int


def shown(value: float) -> float:
    """A value as people read it: two decimals at most, none when it is whole (19, not
    19,0), the same in the table and in the chart."""
    rounded = round(value, 2)
    return int(rounded) if rounded.is_integer() else rounded


def _chart(series: Series, period: ChartPeriod) -> tuple[list[ChartRow], dict[str, Any]]:
    """The rows of the data table, and the same numbers for Chart.js."""
    since = timezone.now() - period.span
    rows = []
    for rollup in selectors.rollups(series, period=period.period, since=since):
        start = timezone.localtime(rollup.start)
        rows.append(
            ChartRow(
                start=start,
                label=start.strftime(period.long_format),
                value=shown(rollup_value(series.kind, rollup)),
                minimum=shown(rollup.minimum),
                maximum=shown(rollup.maximum),
                count=rollup.count,
            )
        )
    heading = VALUE_HEADINGS.get(series.kind, "Moyenne")
    data = {
        "type": "bar" if series.kind == "counter" else "line",
        "label": f"{series.label} — {heading.lower()} ({series.unit})",
        "unit": series.unit,
        "labels": [row.start.strftime(period.short_format) for row in rows],
        "values": [row.value for row in rows],
    }
    return rows, data


HEALTH_QUANTITIES = {"battery", "batterie_mv"}


def _default_series(series: list[Series]) -> Series | None:
    """The first series, the device's own battery coming after what it measures."""
    ordered = [s for s in series if s.quantity not in HEALTH_QUANTITIES] or series
    return ordered[0] if ordered else None


def _device_or_404(request: HttpRequest, dev_eui: str) -> Device:
    try:
        device = selectors.device(request.user, dev_eui=dev_eui)
    except Device.DoesNotExist as exc:
        raise Http404("Capteur introuvable") from exc
    require(request.user, "sensors.view", device)
    return device


@login_required
def device_detail(request: HttpRequest, dev_eui: str) -> HttpResponse:
    require(request.user, "sensors.view")
    device = _device_or_404(request, dev_eui)
    series = list(selectors.series_of(device))
    wanted = request.GET.get("serie", "")
    chosen = next((s for s in series if s.quantity == wanted), _default_series(series))
    period = CHART_PERIODS.get(request.GET.get("periode", ""), CHART_PERIODS[DEFAULT_CHART_PERIOD])
    rows, chart = _chart(chosen, period) if chosen else ([], None)
    return _page(
        request,
        "sensors/device_detail.html",
        {
            "device": device,
            "model_label": model_label(device.model),
            "health": health_of(device, timezone.now()),
            "series": series,
            "latest": [(s, None if s.last_value is None else shown(s.last_value)) for s in series],
            "chosen": chosen,
            "period": period,
            "periods": CHART_PERIODS.values(),
            "value_heading": VALUE_HEADINGS.get(chosen.kind, "Moyenne") if chosen else "",
            "rows": rows,
            "chart": chart,
            "breadcrumbs": _hub_crumbs((device.name, None)),
        },
    )


# --- registration -------------------------------------------------------------------------


def _device_data(data: dict[str, Any]) -> services.DeviceData:
    return services.DeviceData(
        dev_eui=data["dev_eui"],
        name=data["name"],
        model=data["model"],
        latitude=data["latitude"],
        longitude=data["longitude"],
        place=data["place"],
        installed_on=data["installed_on"],
    )


@login_required
@require_http_methods(["GET", "POST"])
def device_register(request: HttpRequest) -> HttpResponse:
    require(request.user, "sensors.manage_devices")
    form = DeviceForm(
        _posted(request),
        initial={"dev_eui": request.GET.get("dev_eui", "")[:23]},
        communes=selectors.communes_managed(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            device = services.device_register(
                actor=person(request),
                commune=form.chosen_commune(),
                data=_device_data(form.cleaned_data),
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, f"Le capteur « {device.name} » est enregistré.")
            return redirect("sensors:device", dev_eui=device.dev_eui)
    return _page(
        request,
        "sensors/device_register.html",
        {"form": form, "breadcrumbs": _hub_crumbs(("Enregistrer un capteur", None))},
        status=400 if form.errors else 200,
    )


# What each column of services.CSV_COLUMNS holds, for the import page.
COLUMN_HELP = {
    "dev_eui": "Identifiant du capteur : 16 caractères hexadécimaux (obligatoire)",
    "nom": "Nom du capteur (obligatoire)",
    "modele": "Code du modèle, dans la liste ci-dessous (obligatoire)",
    "latitude": "Degrés décimaux, avec une virgule ou un point",
    "longitude": "Degrés décimaux, avec une virgule ou un point",
    "lieu": "Lieu ou bâtiment",
    "installe_le": "Date d'installation, au format AAAA-MM-JJ",
    "etiquettes": "Étiquettes, séparées par « | »",
}
EXAMPLE_ROWS = [
    [
        "24E124136B123456",
        "Compteur d'eau — gymnase Jean-Zay",
        "milesight-em300-di",
        "50,29107",
        "2,78055",
        "Gymnase Jean-Zay",
        "2026-03-02",
        "eau|bâtiment",
    ],
    [
        "A84041000181C8F1",
        "Détecteur de fuite — mairie",
        "dragino-lwl02",
        "",
        "",
        "Mairie, sous-sol",
        "",
        "",
    ],
]


@login_required
@require_http_methods(["GET", "POST"])
def device_import(request: HttpRequest) -> HttpResponse:
    require(request.user, "sensors.manage_devices")
    communes = selectors.communes_managed(request.user)
    form = ImportForm(_posted(request), request.FILES or None, communes=communes)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = services.devices_import(
                actor=person(request),
                commune=form.chosen_commune(),
                content=form.cleaned_data["file"].read(),
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            form = ImportForm(communes=communes)
    return _page(
        request,
        "sensors/device_import.html",
        {
            "form": form,
            "report": report,
            "columns": [
                (name, COLUMN_HELP.get(name, ""), example)
                for name, example in zip(services.CSV_COLUMNS, EXAMPLE_ROWS[0], strict=False)
            ],
            "models": codec_choices(),
            "breadcrumbs": _hub_crumbs(("Importer un fichier CSV", None)),
        },
        status=400 if form.errors else 200,
    )


@login_required
def device_import_example(request: HttpRequest) -> StreamingHttpResponse:
    require(request.user, "sensors.manage_devices")
    return csv_response([services.CSV_COLUMNS, *EXAMPLE_ROWS], "capteurs-exemple.csv")


@login_required
def unregistered(request: HttpRequest) -> HttpResponse:
    require(request.user, "sensors.manage_devices")
    return _page(
        request,
        "sensors/unregistered.html",
        {
            "page": paginate(request, selectors.unregistered(request.user)),
            "querystring": querystring_without_page(request),
            "breadcrumbs": _hub_crumbs(("Capteurs à enregistrer", None)),
        },
    )


# --- quarantine ---------------------------------------------------------------------------

UNREADABLE = "unreadable"  # the kind of a body that could not be parsed: nothing to replay


@login_required
def quarantine(request: HttpRequest) -> HttpResponse:
    require(request.user, "sensors.manage_devices")
    form = QuarantineFilterForm(
        request.GET or None, communes=selectors.communes_managed(request.user)
    )
    commune = form.cleaned_data.get("commune") if form.is_valid() else None
    uplinks = selectors.quarantine(request.user, commune_id=commune.pk if commune else None)
    if form.is_bound and not form.is_valid():
        uplinks = uplinks.none()
    return _page(
        request,
        "sensors/quarantine.html",
        {
            "form": form,
            "page": paginate(request, uplinks),
            "querystring": querystring_without_page(request),
            "unreadable": UNREADABLE,
            "breadcrumbs": _hub_crumbs(("Quarantaine", None)),
        },
    )


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit() and len(v) < 19][:500]


@login_required
@require_POST
def quarantine_replay(request: HttpRequest) -> HttpResponse:
    """Replay the checked messages, or every message the page showed."""
    require(request.user, "sensors.manage_devices")
    back = reverse("sensors:quarantine")
    kept = {k: request.POST[k] for k in ("commune", "page") if request.POST.get(k)}
    if kept:
        back += "?" + urlencode(kept)
    wanted = _ids(request.POST.getlist("shown" if "all" in request.POST else "uplink"))
    if not wanted:
        messages.error(
            request,
            "Aucun message choisi : cochez ceux à rejouer, ou utilisez « Rejouer tous les "
            "messages affichés ».",
        )
        return redirect(back)
    found = selectors.quarantined(request.user, ids=wanted)
    if not found:
        raise Http404("Messages introuvables")
    by_commune: dict[Commune, list[RawUplink]] = defaultdict(list)
    skipped = 0
    for uplink in found:
        commune = uplink.device.commune if uplink.device else uplink.integration.commune
        if uplink.kind == UNREADABLE or commune is None:
            skipped += 1
            continue
        by_commune[commune].append(uplink)
    total = ingest.BatchReport()
    for commune, uplinks in by_commune.items():
        total.add(services.uplinks_replay(actor=person(request), commune=commune, uplinks=uplinks))
    messages.success(request, _replay_message(total, skipped))
    return redirect(back)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _replay_message(report: ingest.BatchReport, skipped: int) -> str:
    """What happened to the replayed messages, in one sentence or two."""
    outcomes = [
        _plural(report.stored, "enregistré", "enregistrés"),
        _plural(report.quarantined, "toujours en quarantaine", "toujours en quarantaine"),
        _plural(report.unregistered, "en attente de son capteur", "en attente de leur capteur"),
        _plural(report.ignored, "sans mesure", "sans mesure"),
    ]
    kept = [text for text in outcomes if not text.startswith("0 ")]
    text = _plural(report.received, "message rejoué", "messages rejoués")
    text += f" : {', '.join(kept)}." if kept else "."
    if skipped:
        text += " " + _plural(
            skipped,
            "message illisible ne peut pas être rejoué.",
            "messages illisibles ne peuvent pas être rejoués.",
        )
    return text


# --- integrations -------------------------------------------------------------------------


@never_cache  # the page may show a new secret: no browser or proxy may keep it
@login_required
@require_http_methods(["GET", "POST"])
def integrations(request: HttpRequest) -> HttpResponse:
    if not _may_configure_integrations(request):
        raise PermissionDenied("sensors.manage_integrations")
    communes = selectors.integration_communes(request.user)
    territory = can(request.user, "sensors.manage_integrations", None)

    def new_form(data=None) -> IntegrationForm:
        return IntegrationForm(data, communes=communes, territory=territory)

    form = new_form(_posted(request))
    created = secret = None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = services.integration_create(
                actor=person(request),
                name=form.cleaned_data["name"],
                source=form.cleaned_data["source"],
                commune=form.chosen_commune(),
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            form = new_form()
    return _page(
        request,
        "sensors/integrations.html",
        {
            "form": form,
            "created": created,
            "secret": secret,
            "urls": {
                "chirpstack": request.build_absolute_uri(reverse("api:ingest_chirpstack")),
                "tts": request.build_absolute_uri(reverse("api:ingest_tts")),
            },
            "page": paginate(request, selectors.integrations(request.user)),
            "querystring": querystring_without_page(request),
            "breadcrumbs": _hub_crumbs(("Intégrations", None)),
        },
        status=400 if form.errors else 200,
    )
