"""Pages of the Zéro non-recours module: the public simulator (questionnaire, result,
downloadable summary, saving with consent), local aids, the pooled import with its scan
progress, the advisers' list of probable unclaimed rights and its follow-up, statistics.
Views check abilities and call selectors, services and the engine only."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from territoire.core.exports import csv_response
from territoire.core.forms import attach_service_errors
from territoire.core.pagination import paginate
from territoire.core.permissions import can, require
from territoire.core.selectors import commune_find
from territoire.core.views import crumbs, person
from territoire.rights import engine, selectors, services
from territoire.rights.catalogue import CAUTION
from territoire.rights.explain import HOUSING_LABELS, ZONE_LABELS, explain
from territoire.rights.forms import (
    STEP_FORMS,
    FollowUpForm,
    ImportForm,
    LocalAidForm,
    SaveForm,
)
from territoire.rights.local_aids import aid_matches
from territoire.rights.models import Detection, Outcome, PooledHousehold, PooledImport
from territoire.rights.pooled import COLUMN_HELP
from territoire.rights.questionnaire import STEPS, active_steps, build_situation
from territoire.rights.situation import full_history, situation_from_json

SESSION_KEY = "rights_answers"
# Resource kinds as the household page names them (last month's amount is shown).
INCOME_LABELS = {
    "salary": "revenus d'activité",
    "unemployment": "chômage",
    "pension": "retraite",
    "alimony": "pension alimentaire",
    "micro_sales": "chiffre d'affaires de micro-entreprise (vente)",
    "micro_services": "chiffre d'affaires de micro-entreprise (services)",
    "micro_liberal": "chiffre d'affaires de micro-entreprise (libéral)",
    "bic_profit": "bénéfice BIC (douzième)",
    "bnc_profit": "bénéfice BNC (douzième)",
    "rental": "revenus locatifs",
    "capital": "revenus de placements",
}
STEP_TITLES = dict(STEPS)


def _crumbs(*items: tuple[str, Any]) -> list[tuple[str, Any]]:
    return crumbs(("Mes droits", reverse("rights:home")), *items)


def _answers(request: HttpRequest) -> dict[str, Any]:
    return request.session.get(SESSION_KEY, {})


def current_period() -> str:
    today = date.today()
    return f"{today.year:04d}-{today.month:02d}"


# --- simulator ------------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "rights/home.html",
        {
            "breadcrumbs": crumbs(("Mes droits", None)),
            "steps": STEPS,
            "started": bool(_answers(request)),
            "may_advise": can(request.user, "rights.advise"),
            "may_manage_aids": can(request.user, "rights.manage_local_aids"),
            "may_import": can(request.user, "rights.import"),
            "may_stats": can(request.user, "rights.view_stats"),
        },
    )


@require_POST
def restart(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    messages.success(request, "Vos réponses ont été effacées.")
    return redirect("rights:step", slug="foyer")


@never_cache
def step(request: HttpRequest, slug: str) -> HttpResponse:
    """One page of questions; answers stay in the session (nothing is stored elsewhere)."""
    answers = _answers(request)
    steps = active_steps(answers)
    if slug not in STEP_FORMS or slug not in steps:
        raise Http404
    position = steps.index(slug)
    missing = [s for s in steps[:position] if s not in answers]
    if missing:
        return redirect("rights:step", slug=missing[0])
    form_class = STEP_FORMS[slug]
    if request.method == "POST":
        form = form_class(request.POST, answers=answers)
        if form.is_valid():
            values = form.to_session()
            before = answers.get(slug, {})
            if slug == "foyer" and any(
                before.get(key) != values.get(key) for key in ("adults", "children")
            ):
                # Later pages ask one question per person: they must be answered again.
                for later_step in ("enfants", "situation", "ressources", "autres-revenus"):
                    answers.pop(later_step, None)
            answers[slug] = values
            request.session[SESSION_KEY] = answers
            steps = active_steps(answers)
            later = steps[steps.index(slug) + 1 :]
            if later:
                return redirect("rights:step", slug=later[0])
            return redirect("rights:result")
    else:
        form = form_class(initial=form_class.from_session(answers.get(slug, {})), answers=answers)
    previous = steps[position - 1] if position else None
    return render(
        request,
        "rights/step.html",
        {
            "form": form,
            "title": STEP_TITLES[slug],
            "number": position + 1,
            "total": len(steps),
            "previous_url": reverse("rights:step", args=[previous])
            if previous
            else reverse("rights:home"),
            "breadcrumbs": _crumbs((STEP_TITLES[slug], None)),
        },
        status=400 if form.errors else 200,
    )


def _complete(request: HttpRequest):
    answers = _answers(request)
    steps = active_steps(answers)
    missing = [s for s in steps if s not in answers]
    return answers, missing


def _simulate(request: HttpRequest):
    answers, _ = _complete(request)
    situation = build_situation(answers)
    result = engine.simulate(situation, current_period())
    commune = commune_find(insee_code=situation.depcom)
    commune_id = commune.pk if commune else None
    today = date.today()
    local = [
        aid
        for aid in selectors.local_aids_for(commune_id).select_related("commune")
        if aid_matches(aid, situation, commune_id=commune_id, today=today)
    ]
    return situation, result, commune, local


@never_cache
def result(request: HttpRequest) -> HttpResponse:
    _, missing = _complete(request)
    if missing:
        return redirect("rights:step", slug=missing[0])
    situation, outcome, commune, local = _simulate(request)
    form = SaveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not request.user.is_authenticated:
            raise PermissionDenied
        if form.is_valid():
            try:
                saved = services.simulation_save(
                    actor=person(request),
                    situation=situation,
                    result=outcome,
                    commune=commune,
                    consent_by=form.cleaned_data["consent_by"],
                    consent=form.cleaned_data["consent"],
                    reference=form.cleaned_data["reference"],
                )
            except ValidationError as exc:
                attach_service_errors(form, exc)
            except PermissionDenied:
                form.add_error("consent_by", "Vous n'êtes pas conseiller dans cette commune.")
            else:
                messages.success(request, f"La simulation « {saved.reference} » est enregistrée.")
                return redirect("rights:saved")
    rows = [
        {"result": r, "why": explain(r.benefit, situation, zone=outcome.zone, today=date.today())}
        for r in outcome.benefits
    ]
    return render(
        request,
        "rights/result.html",
        {
            "rows": rows,
            "outcome": outcome,
            "zone": ZONE_LABELS.get(outcome.zone, outcome.zone),
            "commune": commune,
            "local_aids": local,
            "caution": CAUTION,
            "form": form,
            "situation": situation,
            "breadcrumbs": _crumbs(("Résultat", None)),
        },
        status=400 if form.errors else 200,
    )


def summary_download(request: HttpRequest) -> HttpResponse:
    """The result as a plain-text summary the person keeps (nothing is stored)."""
    _, missing = _complete(request)
    if missing:
        return redirect("rights:step", slug=missing[0])
    situation, outcome, commune, local = _simulate(request)
    lines = [
        "Estimation de vos droits — Communauté Urbaine d'Arras",
        f"Mois simulé : {outcome.period}. Commune : {commune.name if commune else '?'}.",
        "",
    ]
    for r in outcome.benefits:
        amount = f"{r.monthly:.2f} € par mois" if r.benefit.code != "css" else r.note
        if r.benefit.yearly:
            amount += f" (versé une fois par an : {r.amount:.2f} €)"
        lines += [
            f"- {r.benefit.label} : {amount}",
            "  Calculé d'après "
            + explain(r.benefit, situation, zone=outcome.zone, today=date.today())
            + ".",
            f"  Organisme : {r.benefit.institution}. Demande : {r.benefit.claim_url}",
            f"  Pièces : {', '.join(r.benefit.documents)}.",
        ]
    for aid in local:
        lines.append(f"- {aid.name} ({aid.institution}) : {aid.claim_url or aid.description}")
    if not outcome.benefits and not local:
        lines.append("Aucune aide estimée avec ces réponses.")
    lines += ["", CAUTION, ""]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="estimation-droits.txt"'
    return response


@login_required
def saved(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.saved_simulations_for(request.user), per_page=25)
    return render(
        request,
        "rights/saved.html",
        {"page": page, "breadcrumbs": _crumbs(("Simulations enregistrées", None))},
    )


# --- local aids -----------------------------------------------------------------------------


@login_required
def local_aids(request: HttpRequest) -> HttpResponse:
    require(request.user, "rights.manage_local_aids")
    return render(
        request,
        "rights/local_aids.html",
        {
            "aids": selectors.local_aids_managed(request.user),
            "breadcrumbs": _crumbs(("Aides locales", None)),
        },
    )


@login_required
def local_aid_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require(request.user, "rights.manage_local_aids")
    aid = None
    if pk is not None:
        aid = get_object_or_404(selectors.local_aids_managed(request.user), pk=pk)
        require(request.user, "rights.manage_local_aids", aid)
    form = LocalAidForm(
        request.POST if request.method == "POST" else None,
        instance=aid,
        initial={"commune": aid.commune if aid else None},
        communes=selectors.adviser_communes(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "commune"}
        try:
            if aid is None:
                aid = services.local_aid_create(
                    actor=person(request), commune=form.cleaned_data["commune"], **data
                )
            else:
                services.local_aid_update(actor=person(request), aid=aid, **data)
        except ValidationError as exc:
            attach_service_errors(form, exc)  # type: ignore[arg-type]
        except PermissionDenied:
            form.add_error("commune", "Seul l'administrateur de la CUA crée les aides de la CUA.")
        else:
            messages.success(request, f"L'aide « {aid.name} » est enregistrée.")
            return redirect("rights:local_aids")
    title = "Modifier une aide locale" if aid else "Nouvelle aide locale"
    return render(
        request,
        "rights/local_aid_form.html",
        {
            "form": form,
            "title": title,
            "breadcrumbs": _crumbs(("Aides locales", reverse("rights:local_aids")), (title, None)),
        },
        status=400 if form.errors else 200,
    )


# --- pooled import and scan ------------------------------------------------------------------


@login_required
def pooled_import(request: HttpRequest) -> HttpResponse:
    require(request.user, "rights.import")
    form = ImportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial={"period": current_period()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            record = services.pooled_import(
                actor=person(request),
                partner=form.cleaned_data["partner"],
                legal_basis=form.cleaned_data["legal_basis"],
                period=form.cleaned_data["period"],
                content=form.cleaned_data["file"].read(),
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            return redirect("rights:import_detail", pk=record.pk)
    return render(
        request,
        "rights/import.html",
        {
            "form": form,
            "columns": COLUMN_HELP,
            "imports": selectors.imports_list()[:20],
            "breadcrumbs": _crumbs(("Importer un fichier partenaire", None)),
        },
        status=400 if form.errors else 200,
    )


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "rights.import")
    record = get_object_or_404(PooledImport, pk=pk)
    return render(
        request,
        "rights/import_detail.html",
        {
            "record": record,
            "breadcrumbs": _crumbs(
                ("Importer un fichier partenaire", reverse("rights:import")), (str(record), None)
            ),
        },
    )


@login_required
@never_cache
def import_progress(request: HttpRequest, pk: int) -> JsonResponse:
    """Polled by the import page to move its progress bar."""
    require(request.user, "rights.import")
    record = get_object_or_404(PooledImport, pk=pk)
    return JsonResponse(
        {
            "status": record.scan_status,
            "label": record.get_scan_status_display(),
            "done": record.scan_done,
            "total": record.lines_ok,
        }
    )


# --- advisers: detected rights, follow-up, statistics --------------------------------------


def _detection_filters(request: HttpRequest) -> dict[str, str]:
    """The list's filters from the query string (unknown values ignored)."""
    benefit = request.GET.get("aide", "")
    status = request.GET.get("suivi", "")
    return {
        "benefit": benefit if benefit in engine.BENEFITS_BY_CODE or benefit == "css" else "",
        "status": status if status in Outcome.values else "",
    }


@login_required
def detections(request: HttpRequest) -> HttpResponse:
    require(request.user, "rights.advise")
    filters = _detection_filters(request)
    benefit, status = request.GET.get("aide", ""), request.GET.get("suivi", "")
    qs = selectors.detections_for(
        request.user, benefit=filters["benefit"], status=filters["status"]
    )
    page = paginate(request, qs, per_page=50)
    return render(
        request,
        "rights/detections.html",
        {
            "page": page,
            "labels": _benefit_labels(),
            "outcomes": Outcome.choices,
            "benefit": benefit,
            "status": status,
            "export_query": urlencode({"aide": filters["benefit"], "suivi": filters["status"]}),
            "breadcrumbs": _crumbs(("Droits non réclamés", None)),
        },
    )


def _benefit_labels() -> dict[str, str]:
    from territoire.rights.catalogue import CSS

    return {b.code: b.label for b in engine.BENEFITS} | {"css": CSS.label}


@login_required
def household(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "rights.advise")
    try:
        found = selectors.household_for_adviser(request.user, pk)
    except PooledHousehold.DoesNotExist as exc:
        raise Http404 from exc
    services.household_view_record(actor=person(request), household=found)
    situation = situation_from_json(found.situation)
    incomes = [
        [
            (label, full_history(adult.resources.get(kind, ()))[0])
            for kind, label in INCOME_LABELS.items()
            if any(adult.resources.get(kind, ()))
        ]
        for adult in situation.adults
    ]
    return render(
        request,
        "rights/household.html",
        {
            "household": found,
            "situation": situation,
            "housing_label": HOUSING_LABELS[situation.housing],
            "incomes": incomes,
            "detections": found.detections.all(),
            "labels": _benefit_labels(),
            "form": FollowUpForm(),
            "breadcrumbs": _crumbs(
                ("Droits non réclamés", reverse("rights:detections")), (str(found), None)
            ),
        },
    )


@login_required
@require_POST
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "rights.advise")
    try:
        detection = selectors.detection_for_adviser(request.user, pk)
    except Detection.DoesNotExist as exc:
        raise Http404 from exc
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.detection_update(
                actor=person(request),
                detection=detection,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Le suivi est mis à jour.")
    else:
        messages.error(request, "Choisissez une étape du suivi.")
    return redirect("rights:household", pk=detection.household_id)


@login_required
def stats(request: HttpRequest) -> HttpResponse:
    require(request.user, "rights.view_stats")
    figures = selectors.non_take_up_stats(request.user)
    chart = {
        "labels": [month for month, _ in figures["over_time"]],
        "values": [float(row["amount"]) for _, row in figures["over_time"]],
        "label": "Droits ouverts grâce au programme, montant mensuel",
        "unit": "€",
        "type": "bar",
    }
    return render(
        request,
        "rights/stats.html",
        {
            "stats": figures,
            "chart": chart,
            "labels": _benefit_labels(),
            "breadcrumbs": _crumbs(("Statistiques du non-recours", None)),
        },
    )


DETECTIONS_HEADER = [
    "foyer (pseudonyme)",
    "commune",
    "code INSEE",
    "aide",
    "montant mensuel estimé (€)",
    "suivi",
    "suivi mis à jour le",
    "partenaire",
    "mois étudié",
    "repéré le",
]


@login_required
def detections_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The adviser's list as CSV: only their communes' households, by pseudonym (never the
    partner's id, which is not kept), with the list's filters. Audited."""
    require(request.user, "rights.advise")
    filters = _detection_filters(request)
    qs = selectors.detections_for(
        request.user, benefit=filters["benefit"], status=filters["status"]
    ).select_related("household__pooled_import")
    labels = _benefit_labels()
    rows = [DETECTIONS_HEADER]
    for d in qs.iterator(chunk_size=2000):
        rows.append(
            [
                d.household.pseudonym,
                d.commune.name,
                d.commune.insee_code,
                labels.get(d.benefit, d.benefit),
                "" if d.benefit == "css" else f"{d.monthly_amount:.2f}".replace(".", ","),
                d.get_status_display(),
                timezone.localtime(d.status_changed_at).strftime("%d/%m/%Y")
                if d.status_changed_at
                else "",
                d.household.get_partner_display()
                if d.household.partner
                else d.household.pooled_import.get_partner_display(),
                d.household.pooled_import.period,
                timezone.localtime(d.created_at).strftime("%d/%m/%Y"),
            ]
        )
    services.export_record(
        actor=person(request),
        action="rights.detections_export",
        rows=len(rows) - 1,
        filters={"aide": filters["benefit"], "suivi": filters["status"]},
    )
    return csv_response(rows, f"droits-non-reclames-{timezone.localdate():%Y-%m-%d}.csv")


@login_required
def stats_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The statistics page's three tables in one CSV (a "tableau" column tells which)."""
    require(request.user, "rights.view_stats")
    figures = selectors.non_take_up_stats(request.user)
    labels = _benefit_labels()

    def euros(value: Any) -> str:
        return f"{float(value or 0):.2f}".replace(".", ",")

    rows: list[list[Any]] = [
        ["tableau", "aide, commune ou mois", "droits repérés", "montant mensuel (€)",
         "droits ouverts"],
    ]  # fmt: skip
    for row in figures["by_benefit"]:
        rows.append(
            ["par aide", labels.get(row["benefit"], row["benefit"]), row["count"],
             euros(row["amount"]), row["opened"]]
        )  # fmt: skip
    for row in figures["by_commune"]:
        rows.append(
            ["par commune", row["commune__name"], row["count"], euros(row["amount"]),
             row["opened"]]
        )  # fmt: skip
    for month, row in figures["over_time"]:
        rows.append(["droits ouverts par mois", month, "", euros(row["amount"]), row["count"]])
    services.export_record(
        actor=person(request), action="rights.stats_export", rows=len(rows) - 1, filters={}
    )
    return csv_response(rows, f"statistiques-non-recours-{timezone.localdate():%Y-%m-%d}.csv")
