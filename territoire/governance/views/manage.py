"""Pages that keep the registers and the charter: the GDPR register of each commune (with
CSV and PDF exports), the register of algorithms (writing and publishing entries) and the
preparation of a new charter version."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from territoire.core.exports import csv_response
from territoire.core.models import Commune
from territoire.core.pagination import paginate
from territoire.core.permissions import can, require
from territoire.core.views import person
from territoire.governance import selectors, services
from territoire.governance.forms import (
    ActivityForm,
    AlgorithmForm,
    CharterVersionForm,
    DatasetForm,
    PrincipleForm,
)
from territoire.governance.models import (
    AlgorithmEntry,
    CharterPrinciple,
    CharterStatus,
    CharterVersion,
    Dataset,
    ProcessingActivity,
)
from territoire.governance.opendata import GDPR_HEADER, activity_cells
from territoire.governance.pdf import register_pdf
from territoire.governance.registers import activity_completeness
from territoire.governance.views.common import (
    attach_service_errors,
    get_or_404,
    gov_crumbs,
    page,
    posted,
)

CUA_SCOPE = "cua"

# --- GDPR register -----------------------------------------------------------------------


def _scope(request: HttpRequest, scope: str) -> Commune | None:
    """The commune named in the address (its INSEE code) or None for the CUA; 404 when the
    person may not read that register (no hint that it exists)."""
    commune = None if scope == CUA_SCOPE else get_or_404(Commune.objects.get, insee_code=scope)
    if not can(request.user, "governance.view_gdpr_register", commune):
        raise Http404
    return commune


def _scope_label(commune: Commune | None) -> str:
    return commune.name if commune else "Communauté urbaine d'Arras"


@login_required
def gdpr_home(request: HttpRequest) -> HttpResponse:
    require(request.user, "governance.use_registers")
    communes = selectors.gdpr_communes(request.user)
    visible = set(communes.values_list("pk", flat=True))
    cua = can(request.user, "governance.view_gdpr_register", None)
    rows = [
        row
        for row in selectors.register_completeness()
        if (row.commune is None and cua) or (row.commune is not None and row.commune.pk in visible)
    ]
    return page(
        request,
        "governance/gdpr_home.html",
        {"rows": rows, "breadcrumbs": gov_crumbs(("Registre RGPD", None))},
    )


@login_required
def gdpr_register(request: HttpRequest, scope: str) -> HttpResponse:
    commune = _scope(request, scope)
    activities = list(selectors.activities(request.user, commune=commune))
    rows = [(activity, activity_completeness(activity)) for activity in activities]
    return page(
        request,
        "governance/gdpr_register.html",
        {
            "commune": commune,
            "scope": scope,
            "label": _scope_label(commune),
            "rows": rows,
            "may_edit": can(request.user, "governance.manage_registers", commune),
            "breadcrumbs": gov_crumbs(
                ("Registre RGPD", reverse("governance:gdpr")), (_scope_label(commune), None)
            ),
        },
    )


@login_required
def gdpr_csv(request: HttpRequest, scope: str):
    commune = _scope(request, scope)
    activities = selectors.activities(request.user, commune=commune)
    rows = [GDPR_HEADER, *(activity_cells(activity) for activity in activities)]
    return csv_response(rows, f"registre-rgpd-{scope}.csv")


@login_required
def gdpr_pdf(request: HttpRequest, scope: str) -> HttpResponse:
    commune = _scope(request, scope)
    content = register_pdf(
        _scope_label(commune), list(selectors.activities(request.user, commune=commune))
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="registre-rgpd-{scope}.pdf"'
    return response


@login_required
def activity_edit(request: HttpRequest, scope: str, pk: int | None = None) -> HttpResponse:
    commune = _scope(request, scope)
    require(request.user, "governance.manage_registers", commune)
    activity = None
    if pk is not None:
        activity = get_or_404(selectors.activities(request.user, commune=commune).get, pk=pk)
    form = ActivityForm(
        posted(request),
        instance=ProcessingActivity.objects.get(pk=activity.pk) if activity else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_save(
                actor=person(request), commune=commune, activity=activity, **form.values()
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "Traitement enregistré au registre.")
            return redirect("governance:gdpr_register", scope=scope)
    title = activity.name if activity else "Nouveau traitement"
    return page(
        request,
        "governance/activity_form.html",
        {
            "form": form,
            "activity": activity,
            "label": _scope_label(commune),
            "completeness": activity_completeness(activity) if activity else None,
            "breadcrumbs": gov_crumbs(
                ("Registre RGPD", reverse("governance:gdpr")),
                (_scope_label(commune), reverse("governance:gdpr_register", args=[scope])),
                (title, None),
            ),
        },
        status=400 if form.errors else 200,
    )


# --- register of algorithms (management) --------------------------------------------------


@login_required
def algorithms_manage(request: HttpRequest) -> HttpResponse:
    require(request.user, "governance.use_registers")
    return page(
        request,
        "governance/algorithms_manage.html",
        {
            "page": paginate(request, selectors.algorithms_managed(request.user)),
            "may_create": bool(selectors.communes_for_projects(request.user).exists())
            or selectors.may_work_for_cua(request.user),
            "breadcrumbs": gov_crumbs(("Gérer les algorithmes", None)),
        },
    )


@login_required
def algorithm_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require(request.user, "governance.use_registers")
    entry = get_or_404(selectors.algorithms_managed(request.user).get, pk=pk) if pk else None
    form = AlgorithmForm(
        posted(request),
        instance=AlgorithmEntry.objects.get(pk=entry.pk) if entry else None,
        communes=selectors.communes_for_projects(request.user),
        with_cua=selectors.may_work_for_cua(request.user),
    )
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            entry = services.algorithm_save(
                actor=person(request),
                commune=entry.commune if entry else form.owner_commune(),
                entry=entry,
                **values,
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "Fiche enregistrée.")
            return redirect("governance:algorithms_manage")
    return page(
        request,
        "governance/algorithm_form.html",
        {
            "form": form,
            "entry": entry,
            "breadcrumbs": gov_crumbs(
                ("Gérer les algorithmes", reverse("governance:algorithms_manage")),
                (entry.name if entry else "Nouvelle fiche", None),
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def algorithm_publish(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_or_404(selectors.algorithms_managed(request.user).get, pk=pk)
    publish = request.POST.get("published") == "1"
    services.algorithm_publish(actor=person(request), entry=entry, published=publish)
    messages.success(request, "Fiche publiée." if publish else "Fiche retirée du registre public.")
    return redirect("governance:algorithms_manage")


# --- data catalogue (management) ---------------------------------------------------------


@login_required
def datasets_manage(request: HttpRequest) -> HttpResponse:
    require(request.user, "governance.use_registers")
    return page(
        request,
        "governance/datasets_manage.html",
        {
            "page": paginate(request, selectors.datasets_managed(request.user)),
            "may_create": bool(selectors.communes_for_projects(request.user).exists())
            or selectors.may_work_for_cua(request.user),
            "breadcrumbs": gov_crumbs(("Gérer le catalogue", None)),
        },
    )


@login_required
def dataset_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require(request.user, "governance.use_registers")
    dataset = get_or_404(selectors.datasets_managed(request.user).get, pk=pk) if pk else None
    form = DatasetForm(
        posted(request),
        instance=Dataset.objects.get(pk=dataset.pk) if dataset else None,
        communes=selectors.communes_for_projects(request.user),
        with_cua=selectors.may_work_for_cua(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.dataset_save(
                actor=person(request),
                commune=dataset.commune if dataset else form.owner_commune(),
                dataset=dataset,
                distributions=form.distributions(),
                **form.values(),
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "Jeu de données enregistré.")
            return redirect("governance:datasets_manage")
    return page(
        request,
        "governance/dataset_form.html",
        {
            "form": form,
            "dataset": dataset,
            "breadcrumbs": gov_crumbs(
                ("Gérer le catalogue", reverse("governance:datasets_manage")),
                (dataset.title if dataset else "Nouveau jeu de données", None),
            ),
        },
        status=400 if form.errors else 200,
    )


# --- charter preparation -----------------------------------------------------------------


def _draft() -> CharterVersion | None:
    return CharterVersion.objects.filter(status=CharterStatus.DRAFT).first()


@login_required
def charter_manage(request: HttpRequest) -> HttpResponse:
    require(request.user, "governance.manage_charter")
    draft = _draft()
    form = None
    if draft is not None:
        form = CharterVersionForm(
            posted(request),
            initial={
                "title": draft.title,
                "summary": draft.summary,
                "change_note": draft.change_note,
            },
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.charter_version_update(
                    actor=person(request), version=draft, **form.cleaned_data
                )
            except ValidationError as exc:
                attach_service_errors(form, exc)
            else:
                messages.success(request, "Version enregistrée.")
                return redirect("governance:charter_manage")
    return page(
        request,
        "governance/charter_manage.html",
        {
            "draft": draft,
            "form": form,
            "principles": draft.principles.all() if draft else [],
            "breadcrumbs": gov_crumbs(
                ("La charte", reverse("governance:charter")), ("Préparer une version", None)
            ),
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_POST
def charter_draft_create(request: HttpRequest) -> HttpResponse:
    try:
        services.charter_version_create_draft(actor=person(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("governance:charter_manage")


@login_required
@require_POST
def charter_publish(request: HttpRequest) -> HttpResponse:
    draft = _draft()
    if draft is None:
        raise Http404
    try:
        version = services.charter_version_publish(actor=person(request), version=draft)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("governance:charter_manage")
    messages.success(
        request, f"Version {version.number} publiée le {timezone.localdate():%d/%m/%Y}."
    )
    return redirect("governance:charter")


@login_required
def principle_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require(request.user, "governance.manage_charter")
    draft = _draft()
    if draft is None:
        raise Http404
    principle = get_or_404(draft.principles.get, pk=pk) if pk else None
    form = PrincipleForm(
        posted(request),
        instance=CharterPrinciple.objects.get(pk=principle.pk) if principle else None,
        initial=None if principle else {"position": draft.principles.count() + 1},
    )
    if request.method == "POST" and request.POST.get("delete") and principle:
        services.charter_principle_delete(actor=person(request), principle=principle)
        messages.success(request, "Principe retiré de la version en préparation.")
        return redirect("governance:charter_manage")
    if request.method == "POST" and form.is_valid():
        try:
            services.charter_principle_save(
                actor=person(request), version=draft, principle=principle, **form.cleaned_data
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "Principe enregistré.")
            return redirect("governance:charter_manage")
    return page(
        request,
        "governance/principle_form.html",
        {
            "form": form,
            "principle": principle,
            "breadcrumbs": gov_crumbs(
                ("La charte", reverse("governance:charter")),
                ("Préparer une version", reverse("governance:charter_manage")),
                (principle.title if principle else "Nouveau principe", None),
            ),
        },
        status=400 if form.errors else 200,
    )
