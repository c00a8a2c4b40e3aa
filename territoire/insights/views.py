"""Dashboards (CUA-wide, per commune, per domain, per building), the elected officials'
summary, the map, alerts and their live feed. Views check abilities and call selectors,
dashboards (read-only figures) and services only."""

from __future__ import annotations

from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from territoire.core.exports import csv_response
from territoire.core.models import Commune, User
from territoire.core.pagination import paginate, querystring_without_page
from territoire.core.permissions import can, require
from territoire.core.views import crumbs, person
from territoire.insights import climate, dashboards, selectors, services
from territoire.insights.indicators import air, buildings, noise, water
from territoire.insights.models import AlertState, RuleKind

# --- shared pieces ------------------------------------------------------------------------


def _nav(request: HttpRequest) -> list[tuple[str, str]]:
    return [
        ("Tableau de bord", reverse("insights:overview")),
        ("Synthèse pour les élus", reverse("insights:summary")),
        ("Carte", reverse("insights:map")),
        ("Bâtiments", reverse("insights:buildings")),
        ("Alertes", reverse("insights:alerts")),
        ("Règles d'alerte", reverse("insights:rules")),
        ("Données ouvertes", reverse("insights:opendata")),
    ]


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200):
    context.setdefault("hub_nav", _nav(request))
    return render(request, template, context, status=status)


def _crumbs(*items: tuple[str, Any]) -> list[tuple[str, Any]]:
    return crumbs(("Indicateurs", reverse("insights:overview")), *items)


def _viewer(request: HttpRequest) -> User:
    user = person(request)
    require(user, "insights.view")
    return user


def _commune_choice(request: HttpRequest, user: User) -> tuple[Commune | None, Any]:
    """The ?commune= filter (a slug among the visible communes), or None for all."""
    visible = selectors.communes(user)
    slug = request.GET.get("commune", "")
    commune = visible.filter(slug=slug).first() if slug else None
    if slug and commune is None:
        raise Http404
    return commune, visible


def _with_memo(view):
    """Series read once per page, however many domains it shows."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        with dashboards.memo():
            return view(*args, **kwargs)

    return wrapped


def _csv_url(name: str, request: HttpRequest, *args: object) -> str:
    """The CSV twin of the page, with the same filters (its path ends in .csv)."""
    query = request.GET.urlencode()
    return reverse(name, args=args) + (f"?{query}" if query else "")


# --- dashboards ---------------------------------------------------------------------------


@login_required
@_with_memo
def overview(request: HttpRequest) -> HttpResponseBase:
    """Key figures of every domain, for the whole territory or one commune."""
    user = _viewer(request)
    commune, visible = _commune_choice(request, user)
    scope = selectors.commune_ids(user, commune)
    water_chart = dashboards.water(scope, days=30)
    energy_chart = dashboards.energy(scope, days=30)
    noise_day, noise_rows = dashboards.noise_day(scope)
    air_day, air_rows = dashboards.air_day(scope)
    parks = dashboards.car_parks(scope)
    active = selectors.alerts(user, state="active", commune_id=commune.pk if commune else None)
    context = {
        "breadcrumbs": _crumbs((commune.name if commune else "Tout le territoire", None)),
        "commune": commune,
        "communes": visible,
        "water": water_chart,
        "water_csv": _csv_url("insights:domain_csv", request, "eau"),
        "water_total": sum(v or 0 for _, v in water_chart.rows),
        "energy_total": sum(v or 0 for _, v in energy_chart.rows),
        "noise_day": noise_day,
        "noise_rows": noise_rows,
        "air_day": air_day,
        "air_rows": air_rows,
        "air_disclaimer": air.DISCLAIMER,
        "parks": parks,
        "mobility": dashboards.mobility_summary(scope),
        "alerts": list(active[:5]),
        "alert_count": active.count(),
        "last_alert_id": selectors.alerts(user).values_list("pk", flat=True).first() or 0,
        "domains": dashboards.DOMAINS,
    }
    return _page(request, "insights/overview.html", context)


@login_required
@_with_memo
def domain(request: HttpRequest, domain: str, as_csv: bool = False) -> HttpResponseBase:
    """One domain's chart and table (with its CSV), for the territory or one commune."""
    user = _viewer(request)
    if domain not in dashboards.DOMAINS:
        raise Http404
    commune, visible = _commune_choice(request, user)
    scope = selectors.commune_ids(user, commune)
    context: dict[str, Any] = {
        "domain": domain,
        "domain_label": dashboards.DOMAINS[domain],
        "commune": commune,
        "communes": visible,
        "breadcrumbs": _crumbs((dashboards.DOMAINS[domain], None)),
    }
    chart = None
    table: list[list[object]] = []
    if domain == "eau":
        chart = dashboards.water(scope)
    elif domain == "energie":
        chart = dashboards.energy(scope)
    elif domain == "mobilite":
        chart = dashboards.passages(scope)
        context["mobility"] = dashboards.mobility_summary(scope)
    elif domain == "bruit":
        day, noise_rows = dashboards.noise_day(scope)
        context.update(
            noise_day=day,
            noise_rows=noise_rows,
            limits=noise.LIMITS["road"],
            who=noise.WHO_GUIDELINES["road"],
        )
        table = [["Capteur", "Commune", "Lday", "Levening", "Lnight", "Lden", "Heures > 65 dB"]]
        for r in noise_rows:
            d = r.result
            table.append(
                [
                    r.name,
                    r.commune,
                    _r(d.lday),
                    _r(d.levening),
                    _r(d.lnight),
                    _r(d.lden),
                    r.hours_above_65,
                ]
            )
    elif domain == "air":
        day, air_rows = dashboards.air_day(scope)
        context.update(air_day=day, air_rows=air_rows, air_disclaimer=air.DISCLAIMER)
        table = [["Capteur", "Commune", "PM2,5 (µg/m³)", "PM10 (µg/m³)", "Indice indicatif"]]
        for a in air_rows:
            table.append(
                [
                    a.name,
                    a.commune,
                    _r(a.daily.get("pm2_5")),
                    _r(a.daily.get("pm10")),
                    a.index.label if a.index else "",
                ]
            )
    elif domain == "stationnement":
        parks = dashboards.car_parks(scope)
        tag = request.GET.get("parking") or (parks[0].tag if parks else "")
        context.update(parks=parks, park=next((p for p in parks if p.tag == tag), None))
        if context["park"]:
            chart = dashboards.occupancy_hours(scope, tag)
    if as_csv:
        return csv_response(chart.csv_rows() if chart else table, f"indicateurs-{domain}.csv")
    context["chart"] = chart
    context["csv_url"] = _csv_url("insights:domain_csv", request, domain)
    return _page(request, "insights/domain.html", context)


def _signed_percent(change: float) -> str:
    """−21 % / +5 % (a typographic minus, as French typesetting wants)."""
    value = round(change * 100)
    return f"{'+' if value > 0 else '−' if value < 0 else ''}{abs(value)} %"


def _r(value: float | None, digits: int = 1) -> object:
    return "" if value is None else round(value, digits)


# --- buildings ----------------------------------------------------------------------------


@login_required
def building_list(request: HttpRequest) -> HttpResponseBase:
    user = _viewer(request)
    commune, visible = _commune_choice(request, user)
    items = selectors.buildings(user, commune_id=commune.pk if commune else None)
    return _page(
        request,
        "insights/building_list.html",
        {
            "breadcrumbs": _crumbs(("Bâtiments", None)),
            "buildings": items,
            "commune": commune,
            "communes": visible,
        },
    )


@login_required
def building_detail(request: HttpRequest, pk: int, what: str = "") -> HttpResponseBase:
    """Energy and water per day and month, comfort, the décret tertiaire trajectory."""
    user = _viewer(request)
    try:
        building = selectors.building(user, pk=pk)
    except selectors.Building.DoesNotExist:
        raise Http404 from None
    if what not in ("", "operat", "electricite", "eau"):
        raise Http404
    monthly = dashboards.building_monthly(building)
    if what == "operat":
        return _operat_csv(building, monthly)
    energy_chart, water_chart = dashboards.building_daily(building)
    if what:
        chart = water_chart if what == "eau" else energy_chart
        return csv_response(chart.csv_rows(), f"batiment-{building.pk}-{what}.csv")
    last12, covered = dashboards.building_last_year(building)
    comparison = dju = None
    if building.reference_kwh and covered >= dashboards.FULL_YEAR_DAYS:
        comparison, dju = climate.compare_building(building, last12, timezone.now().year)
    return _page(
        request,
        "insights/building_detail.html",
        {
            "breadcrumbs": _crumbs(
                ("Bâtiments", reverse("insights:buildings")), (building.name, None)
            ),
            "building": building,
            "monthly": monthly,
            "energy": energy_chart,
            "water": water_chart,
            "energy_csv": reverse("insights:building_csv", args=[building.pk, "electricite"]),
            "water_csv": reverse("insights:building_csv", args=[building.pk, "eau"]),
            "comfort": dashboards.building_comfort(building),
            "last12": last12,
            "covered": covered,
            "comparison": comparison,
            "trajectories": [
                (label, t, _signed_percent(-t.reduction))
                for label, t in (
                    ("Corrigés du climat", comparison.corrected),
                    ("Bruts (mesurés)", comparison.raw),
                )
            ]
            if comparison
            else [],
            "dju": dju,
            "target_2030": buildings.target_reduction(2030),
            "may_edit": can(user, "insights.manage_buildings", building),
        },
    )


@login_required
def building_settings(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Surface, reference year and consumption, heating share, reference DJU."""
    from territoire.core.forms import attach_service_errors
    from territoire.insights.forms import BuildingSettingsForm

    user = _viewer(request)
    try:
        building = selectors.building(user, pk=pk)
    except selectors.Building.DoesNotExist:
        raise Http404 from None
    if not can(user, "insights.manage_buildings", building):
        raise PermissionDenied
    form = BuildingSettingsForm(
        request.POST or None, initial=BuildingSettingsForm.initial_of(building)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.building_settings_save(actor=user, building=building, **form.values())
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, "Les réglages du bâtiment sont enregistrés.")
            return redirect("insights:building", pk=building.pk)
    return _page(
        request,
        "insights/building_settings.html",
        {
            "breadcrumbs": _crumbs(
                ("Bâtiments", reverse("insights:buildings")),
                (building.name, reverse("insights:building", args=[building.pk])),
                ("Réglages", None),
            ),
            "building": building,
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


OPERAT_COLUMNS = [
    "Bâtiment",
    "Commune",
    "Code INSEE",
    "Surface de plancher (m²)",
    "Énergie",
    "Mois",
    "Consommation (kWh d'énergie finale)",
    "Eau (m³)",
    "DJU de la période (base 18 °C)",
    "DJU normaux de la période",
    "Jours de température mesurés",
    "Source des DJU",
    "Part du chauffage",
    "Consommation corrigée du climat (kWh, indicatif)",
    "Année de référence",
    "Consommation de l'année de référence (kWh)",
    "DJU de l'année de référence",
]


def _operat_csv(building, monthly) -> HttpResponseBase:
    """What an agent needs for the yearly OPERAT declaration of the building: its
    electricity per month (kWh of final energy measured by the platform) and over the
    12 months, its surface and reference, with the DJU of each period and the consumption
    corrected of the climate (indicative: OPERAT applies its own correction to the raw
    figures, which are the ones to declare). Other energies (gas, heat network) are not
    metered by the platform and are not in the file."""
    until = dashboards.today() + timedelta(days=1)
    months = [m["month"] for m in monthly]
    dju = climate.monthly_dju(building.commune_id, months, until)
    share = building.heating_share
    common = [building.name, building.commune.name, building.commune.insee_code]
    reference = [
        building.reference_year or "",
        _r(building.reference_kwh, 0),
        _r(building.reference_dju, 0),
    ]
    rows: list[list[object]] = [list(OPERAT_COLUMNS)]

    def row(label: str, kwh: float, m3: float, source: climate.DjuSource | None) -> list[object]:
        if source is None:
            return [*common, building.floor_area_m2 or "", "Électricité", label, _r(kwh, 1),
                    _r(m3, 2), "", "", "", "", share, "", *reference]  # fmt: skip
        corrected = buildings.climate_corrected(kwh, share, source.dju.total, source.dju.normal)
        return [*common, building.floor_area_m2 or "", "Électricité", label, _r(kwh, 1),
                _r(m3, 2), _r(source.dju.total, 1), _r(source.dju.normal, 1),
                source.dju.measured_days, source.label, share, _r(corrected, 1),
                *reference]  # fmt: skip

    for m in monthly:
        rows.append(row(m["month"].strftime("%Y-%m"), m["kwh"], m["m3"], dju.get(m["month"])))
    if months:
        whole = climate.dju_between(building.commune_id, months[0], until)
        total_kwh = sum(m["kwh"] for m in monthly)
        total_m3 = sum(m["m3"] for m in monthly)
        label = f"{months[0]:%Y-%m} à {months[-1]:%Y-%m} (total)"
        rows.append(row(label, total_kwh, total_m3, whole))
    return csv_response(rows, f"operat-{building.pk}.csv")


# --- the elected officials' summary -------------------------------------------------------


@login_required
@_with_memo
def summary(request: HttpRequest) -> HttpResponseBase:
    """The few figures elected officials present: alerts, water saved by leaks fixed,
    cycling change, energy against the décret tertiaire reference."""
    user = _viewer(request)
    commune, visible = _commune_choice(request, user)
    scope = selectors.commune_ids(user, commune)
    cid = commune.pk if commune else None
    all_alerts = selectors.alerts(user, commune_id=cid)
    fixed = all_alerts.filter(
        state=AlertState.CLOSED, rule__kind=RuleKind.LEAK, rate_lph__isnull=False
    )
    saved = sum(
        water.litres_saved(rate or 0, (closed - opened).total_seconds() / 3600)
        for rate, opened, closed in fixed.values_list("rate_lph", "opened_at", "closed_at")
        if closed
    )
    bs = list(selectors.buildings(user, commune_id=cid).filter(reference_kwh__isnull=False))
    energy_saved = energy_saved_corrected = 0.0
    compared = 0
    dju_sources: dict[str, None] = {}  # ordered set of the labels used
    last_year = dashboards.buildings_last_year(bs)
    year = timezone.now().year
    for b in bs:
        kwh, covered = last_year[b.pk]
        if covered >= dashboards.FULL_YEAR_DAYS:
            comparison, source = climate.compare_building(b, kwh, year)
            energy_saved += comparison.saved_raw_kwh
            energy_saved_corrected += comparison.saved_corrected_kwh
            dju_sources[source.label] = None
            compared += 1
    since = timezone.now() - timedelta(days=30)
    context = {
        "breadcrumbs": _crumbs(("Synthèse pour les élus", None)),
        "commune": commune,
        "communes": visible,
        "open_alerts": all_alerts.exclude(state=AlertState.CLOSED).count(),
        "recent_alerts": list(all_alerts.filter(opened_at__gte=since)[:10]),
        "leaks_fixed": fixed.count(),
        "litres_saved": saved,
        "mobility": dashboards.mobility_summary(scope),
        "energy_saved": energy_saved,
        "energy_saved_corrected": energy_saved_corrected,
        "dju_sources": list(dju_sources),
        "buildings_with_reference": len(bs),
        "buildings_compared": compared,
        "water_30": sum(v or 0 for _, v in dashboards.water(scope).rows),
        "last_alert_id": selectors.alerts(user).values_list("pk", flat=True).first() or 0,
    }
    return _page(request, "insights/summary.html", context)


# --- map ----------------------------------------------------------------------------------


@login_required
def map_view(request: HttpRequest) -> HttpResponseBase:
    """Devices and buildings as points with their state; plain background unless a tile
    URL is configured (MAP_TILE_URL, off by default: no network at run time)."""
    user = _viewer(request)
    commune, visible = _commune_choice(request, user)
    devices = selectors.located_devices(user, commune)
    open_devices = set(
        selectors.alerts(user, state="active")
        .exclude(device=None)
        .values_list("device_id", flat=True)
    )
    now = timezone.now()
    points: list[dict[str, Any]] = []
    placeholder = "0" * 16  # one reverse() for a thousand links
    device_url = reverse("sensors:device", args=[placeholder])
    rows = devices.order_by("name").values_list(
        "pk",
        "name",
        "commune__name",
        "latitude",
        "longitude",
        "last_seen_at",
        "reporting_interval_s",
        "dev_eui",
    )[:2000]
    for pk, name, commune_name, lat, lon, seen, interval, dev_eui in rows:
        silent = seen is None or (now - seen).total_seconds() > 3 * interval
        state = "alert" if pk in open_devices else "silent" if silent else "ok"
        points.append(
            {
                "name": name,
                "commune": commune_name,
                "lat": float(lat or 0),
                "lon": float(lon or 0),
                "state": state,
                "url": device_url.replace(placeholder, dev_eui),
            }
        )
    for b in selectors.buildings(user, commune_id=commune.pk if commune else None):
        if b.latitude is not None and b.longitude is not None:
            points.append(
                {
                    "name": b.name,
                    "commune": b.commune.name,
                    "lat": float(b.latitude),
                    "lon": float(b.longitude),
                    "state": "building",
                    "url": reverse("insights:building", args=[b.pk]),
                }
            )
    labels = {
        "ok": "En service",
        "silent": "Silencieux",
        "alert": "Alerte en cours",
        "building": "Bâtiment",
    }
    for p in points:
        p["label"] = labels[p["state"]]
    return _page(
        request,
        "insights/map.html",
        {
            "breadcrumbs": _crumbs(("Carte", None)),
            "points": points,
            # The list after the map, page by page (the map shows every point).
            "page": paginate(request, points, per_page=50),
            "querystring": querystring_without_page(request),
            "map_config": {
                "points": points,
                "tiles": settings.MAP_TILE_URL,
                "attribution": settings.MAP_TILE_ATTRIBUTION,
            },
            "commune": commune,
            "communes": visible,
        },
    )


# --- alerts -------------------------------------------------------------------------------

ALERT_STATES = [("active", "En cours (ouvertes ou prises en compte)"), *AlertState.choices]


@login_required
def alert_list(request: HttpRequest) -> HttpResponseBase:
    user = _viewer(request)
    commune, visible = _commune_choice(request, user)
    state = request.GET.get("etat", "active")
    if state not in dict(ALERT_STATES):
        state = "active"
    kind = request.GET.get("type", "")
    if kind not in RuleKind.values:
        kind = ""
    items = selectors.alerts(
        user, state=state, commune_id=commune.pk if commune else None, kind=kind
    )
    page = paginate(request, items)
    notifications = selectors.unread_notifications(user)
    unread = list(notifications[:10])
    notifications.update(read_at=timezone.now())
    return _page(
        request,
        "insights/alert_list.html",
        {
            "breadcrumbs": _crumbs(("Alertes", None)),
            "page": page,
            "querystring": querystring_without_page(request),
            "states": ALERT_STATES,
            "state": state,
            "kinds": RuleKind.choices,
            "kind": kind,
            "commune": commune,
            "communes": visible,
            "subscribed": selectors.subscribed_commune_ids(user),
            "notifications": unread,
            "last_alert_id": selectors.alerts(user).values_list("pk", flat=True).first() or 0,
        },
    )


def _visible_alert(user: User, pk: int):
    try:
        return selectors.alert(user, pk=pk)
    except selectors.Alert.DoesNotExist:
        raise Http404 from None


@login_required
def alert_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    user = _viewer(request)
    alert = _visible_alert(user, pk)
    may_handle = can(user, "insights.handle_alerts", alert)
    return _page(
        request,
        "insights/alert_detail.html",
        {
            "breadcrumbs": _crumbs(("Alertes", reverse("insights:alerts")), (alert.title, None)),
            "alert": alert,
            "events": list(alert.events.select_related("actor")),
            "may_handle": may_handle,
            "assignable": list(selectors.assignable(alert)) if may_handle else [],
            "errors": {},
        },
    )


@login_required
@require_POST
def alert_action(request: HttpRequest, pk: int, action: str) -> HttpResponseBase:
    """Acknowledge, assign, comment or close; a refused input re-displays the page with the
    message and what was typed."""
    user = _viewer(request)
    alert = _visible_alert(user, pk)
    if not can(user, "insights.handle_alerts", alert):
        raise PermissionDenied
    text = request.POST.get("texte", "")
    try:
        if action == "prendre-en-compte":
            services.alert_acknowledge(actor=user, alert=alert)
            messages.success(request, "L'alerte est prise en compte.")
        elif action == "attribuer":
            assignee = selectors.assignable(alert).filter(pk=_int(request.POST.get("personne")))
            if not assignee.exists():
                raise ValidationError({"assignee": "Choisissez une personne dans la liste."})
            services.alert_assign(actor=user, alert=alert, assignee=assignee.get())
            messages.success(request, "L'alerte est attribuée.")
        elif action == "commenter":
            services.alert_comment(actor=user, alert=alert, text=text)
            messages.success(request, "Votre commentaire est ajouté.")
        elif action == "clore":
            services.alert_close(actor=user, alert=alert, text=text)
            messages.success(request, "L'alerte est close.")
        else:
            raise Http404
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        alert.refresh_from_db()
        return _page(
            request,
            "insights/alert_detail.html",
            {
                "breadcrumbs": _crumbs(
                    ("Alertes", reverse("insights:alerts")), (alert.title, None)
                ),
                "alert": alert,
                "events": list(alert.events.select_related("actor")),
                "may_handle": True,
                "assignable": list(selectors.assignable(alert)),
                "errors": {k: " ".join(v) for k, v in errors.items()},
                "typed": text,
            },
            status=400,
        )
    return redirect("insights:alert", pk=alert.pk)


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return 0


@login_required
@require_POST
def subscription(request: HttpRequest) -> HttpResponseBase:
    user = _viewer(request)
    commune = selectors.communes(user).filter(slug=request.POST.get("commune", "")).first()
    if commune is None:
        raise Http404
    wanted = request.POST.get("abonne") == "1"
    services.subscription_set(actor=user, commune=commune, subscribed=wanted)
    messages.success(
        request,
        f"Vous recevrez les alertes de {commune.name} par courriel."
        if wanted
        else f"Vous ne recevrez plus les alertes de {commune.name}.",
    )
    return redirect("insights:alerts")


@login_required
@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    """The live feed polled every 2 s by the dashboards: alerts opened after ?apres=<id>,
    the number of active alerts and the time of the newest reading. A handful of indexed
    queries; measured in docs/benchmarks.md."""
    user = _viewer(request)
    after = _int(request.GET.get("apres"))
    new = selectors.alerts_after(user, after_id=after)
    newest = selectors.newest_reading_at(user)
    return JsonResponse(
        {
            "alerts": [
                {
                    "id": a.pk,
                    "title": a.title,
                    "subject": a.subject,
                    "commune": a.commune.name,
                    "state": a.get_state_display(),
                    "url": reverse("insights:alert", args=[a.pk]),
                    "opened_at": timezone.localtime(a.opened_at).strftime("%d/%m/%Y %H:%M:%S"),
                }
                for a in new
            ],
            "last_id": max([a.pk for a in new], default=after),
            "active": selectors.alerts(user, state="active").count(),
            "newest_reading": timezone.localtime(newest).strftime("%d/%m/%Y %H:%M:%S")
            if newest
            else None,
        }
    )


# --- alert rules --------------------------------------------------------------------------


@login_required
def rule_list(request: HttpRequest) -> HttpResponseBase:
    """The rules of the visible communes; handlers add or change them below."""
    user = _viewer(request)
    return _page(
        request,
        "insights/rules.html",
        {
            "breadcrumbs": _crumbs(("Alertes", reverse("insights:alerts")), ("Règles", None)),
            "rules": selectors.rules(user).order_by("commune__name", "name"),
            "may_handle": selectors.handles_somewhere(user),
        },
    )


@login_required
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponseBase:
    """Create (no pk) or change a rule of a commune the person handles."""
    from territoire.insights.forms import RuleForm

    user = _viewer(request)
    handled = selectors.communes(user).filter(pk__in=_handled_ids(user))
    rule = None
    if pk is not None:
        rule = selectors.rules(user).filter(pk=pk).first()
        if rule is None:
            raise Http404
        if not can(user, "insights.handle_alerts", rule):
            raise PermissionDenied
    elif not handled.exists():
        raise PermissionDenied
    initial = RuleForm.initial_of(rule) if rule else {"is_active": True}
    form = RuleForm(request.POST or None, communes=handled, initial=initial)
    if request.method == "POST" and form.is_valid():
        commune = handled.get(slug=form.cleaned_data["commune"])
        try:
            saved = services.rule_save(
                actor=user,
                commune=commune,
                kind=form.cleaned_data["kind"],
                name=form.cleaned_data["name"],
                params=form.params(),
                rule=rule,
                is_active=form.cleaned_data["is_active"],
            )
        except ValidationError as error:
            from territoire.core.forms import attach_service_errors

            attach_service_errors(form, error)
        else:
            messages.success(request, f"La règle « {saved.name} » est enregistrée.")
            return redirect("insights:rules")
    title = f"Modifier la règle « {rule.name} »" if rule else "Nouvelle règle d'alerte"
    return _page(
        request,
        "insights/rule_form.html",
        {
            "breadcrumbs": _crumbs(
                ("Alertes", reverse("insights:alerts")),
                ("Règles", reverse("insights:rules")),
                (title, None),
            ),
            "form": form,
            "title": title,
        },
        status=400 if request.method == "POST" else 200,
    )


def _handled_ids(user: User) -> list[int]:
    from territoire.insights.permissions import handled_commune_ids

    ids = handled_commune_ids(user)
    return list(Commune.objects.values_list("pk", flat=True)) if ids is None else list(ids)
