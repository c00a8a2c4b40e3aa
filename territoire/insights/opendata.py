"""Open data: aggregated datasets (CSV and JSON, each with a Table Schema shipped in
``schemas/``) and a DCAT catalogue (JSON-LD). Public, territory-wide, aggregates only:
street sensors and public buildings; no household consumption is ever published."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from territoire.core.exports import csv_response
from territoire.core.views import crumbs
from territoire.insights import dashboards
from territoire.insights.models import Building
from territoire.sensors.models import Rollup

SCHEMAS = Path(__file__).resolve().parent / "schemas"
LICENCE = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: str
    description: str
    rows: Callable[[], Iterator[dict]]

    @property
    def schema(self) -> dict:
        return json.loads((SCHEMAS / f"{self.slug}.json").read_text(encoding="utf-8"))

    @property
    def fields(self) -> list[str]:
        return [f["name"] for f in self.schema["fields"]]


def _counts() -> Iterator[dict]:
    """Passages per counter per local day, the last 365 days (both directions summed)."""
    series = dashboards._series(None, dashboards.PASSAGES)
    info = {r["pk"]: r for r in series}
    end = dashboards.today()
    rows = (
        Rollup.objects.filter(
            series_id__in=list(info),
            period="day",
            start__gte=dashboards.local_day_start(end - timedelta(days=365)),
            start__lt=dashboards.local_day_start(end),
        )
        .values_list("series_id", "start", "total")
        .order_by("start", "series_id")
    )
    merged: dict[tuple, dict] = {}
    for sid, start, total in rows:
        r = info[sid]
        key = (start, r["device_id"])
        entry = merged.setdefault(
            key,
            {
                "date": start.astimezone(dashboards.PARIS).date().isoformat(),
                "compteur": r["device__dev_eui"],
                "nom": r["device__name"],
                "commune": r["device__commune__name"],
                "passages": 0,
            },
        )
        entry["passages"] += int(round(total))
    yield from merged.values()


def _noise() -> Iterator[dict]:
    """Lday/Levening/Lnight/Lden per sound sensor per noise day, the last 30 days."""
    today = dashboards.today()
    for offset in range(30, 0, -1):
        day, rows = dashboards.noise_day(None, today - timedelta(days=offset))
        for r in rows:
            d = r.result
            if d.lday is None and d.lnight is None:
                continue
            yield {
                "date": day.isoformat(),
                "capteur": r.dev_eui,
                "nom": r.name,
                "commune": r.commune,
                "lday": _round(d.lday),
                "levening": _round(d.levening),
                "lnight": _round(d.lnight),
                "lden": _round(d.lden),
            }


def _parking() -> Iterator[dict]:
    """Occupancy per car park per hour, the last 7 days."""
    for park in dashboards.car_parks(None):
        chart = dashboards.occupancy_hours(None, park.tag, hours=24 * 7)
        end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        since = end - timedelta(hours=24 * 7)
        for i, (_, rate) in enumerate(chart.rows):
            if rate is None:
                continue
            yield {
                "heure": (since + timedelta(hours=i)).isoformat().replace("+00:00", "Z"),
                "parking": park.name,
                "commune": park.commune,
                "places": park.spaces,
                "taux_occupation": round(rate / 100, 3),
            }


def _buildings() -> Iterator[dict]:
    """Electricity and water per public building per month, the last 12 months."""
    for b in Building.objects.select_related("commune").order_by("commune__name", "name"):
        for m in dashboards.building_monthly(b):
            yield {
                "mois": m["month"].strftime("%Y-%m"),
                "batiment": b.name,
                "commune": b.commune.name,
                "electricite_kwh": round(m["kwh"], 1),
                "eau_m3": round(m["m3"], 2),
            }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


DATASETS = {
    d.slug: d
    for d in (
        Dataset(
            "comptages-mobilites-jour",
            "Comptages vélos et piétons par jour",
            "Passages par compteur et par jour (deux sens cumulés), 365 derniers jours.",
            _counts,
        ),
        Dataset(
            "bruit-jour",
            "Indicateurs de bruit par capteur et par jour",
            "Lday, Levening, Lnight et Lden (périodes françaises 6-18 h, 18-22 h, 22-6 h), "
            "30 derniers jours. Mesures de capteurs, pas une carte de bruit stratégique.",
            _noise,
        ),
        Dataset(
            "stationnement-heure",
            "Taux d'occupation des parkings par heure",
            "Part des places occupées par parking et par heure, 7 derniers jours.",
            _parking,
        ),
        Dataset(
            "batiments-mois",
            "Consommations des bâtiments publics par mois",
            "Électricité (kWh) et eau (m³) par bâtiment public et par mois, 12 derniers mois.",
            _buildings,
        ),
    )
}


def _dataset(slug: str) -> Dataset:
    if slug not in DATASETS:
        raise Http404
    return DATASETS[slug]


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "insights/opendata.html",
        {
            "breadcrumbs": crumbs(("Données ouvertes des capteurs", None)),
            "datasets": DATASETS.values(),
        },
    )


@require_GET
def dataset(request: HttpRequest, slug: str, fmt: str) -> HttpResponseBase:
    ds = _dataset(slug)
    if fmt == "csv":
        fields = ds.fields
        rows = ([r.get(f) for f in fields] for r in ds.rows())
        response = csv_response(_with_header(fields, rows), f"{slug}.csv")
        response["Content-Type"] = "text/csv; charset=utf-8"
        return response
    if fmt == "json":
        return JsonResponse(list(ds.rows()), safe=False, json_dumps_params={"ensure_ascii": False})
    raise Http404


def _with_header(fields, rows):
    yield fields
    yield from rows


@require_GET
def schema(request: HttpRequest, slug: str) -> JsonResponse:
    return JsonResponse(_dataset(slug).schema, json_dumps_params={"ensure_ascii": False})


@require_GET
def catalogue(request: HttpRequest) -> JsonResponse:
    """DCAT (DCAT-AP) catalogue of the datasets, in JSON-LD."""
    base = settings.BASE_URL

    def url(name: str, *args) -> str:
        return base + reverse(name, args=args)

    publisher = {
        "@type": "foaf:Organization",
        "foaf:name": settings.TERRITORY_NAME,
        "dct:identifier": settings.TERRITORY_SIREN,
    }
    data = {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
        },
        "@type": "dcat:Catalog",
        "dct:title": f"Données des capteurs — {settings.TERRITORY_NAME}",
        "dct:publisher": publisher,
        "dct:license": LICENCE,
        "dcat:dataset": [
            {
                "@id": url("insights:dataset", d.slug, "json"),
                "@type": "dcat:Dataset",
                "dct:identifier": d.slug,
                "dct:title": d.title,
                "dct:description": d.description,
                "dct:publisher": publisher,
                "dct:license": LICENCE,
                "dcat:keyword": ["capteurs", "IoT", "Arras"],
                "dct:accrualPeriodicity": "http://purl.org/cld/freq/daily",
                "dcat:distribution": [
                    {
                        "@type": "dcat:Distribution",
                        "dcat:downloadURL": url("insights:dataset", d.slug, fmt),
                        "dcat:mediaType": media,
                        "dct:format": fmt.upper(),
                        "dct:conformsTo": url("insights:schema", d.slug),
                    }
                    for fmt, media in (("csv", "text/csv"), ("json", "application/json"))
                ],
            }
            for d in DATASETS.values()
        ],
    }
    return JsonResponse(
        data, content_type="application/ld+json", json_dumps_params={"ensure_ascii": False}
    )
