"""Public pages: the governance home, the charter (every version, comparison), the register
of algorithms with its open-data exports, and the data catalogue with its DCAT feed."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from territoire.core.exports import csv_response
from territoire.core.pagination import paginate, querystring_without_page
from territoire.governance import annual, opendata, selectors
from territoire.governance import charter as charter_diff
from territoire.governance.forms import DatasetSearchForm, SearchForm
from territoire.governance.models import DATA_THEMES, FREQUENCIES, LICENCES, CharterVersion
from territoire.governance.views.common import get_or_404, gov_crumbs, page


def home(request: HttpRequest) -> HttpResponse:
    return page(
        request,
        "governance/home.html",
        {
            "charter": selectors.charter_current(),
            "algorithms": selectors.algorithms_public().count(),
            "datasets": selectors.datasets_public().count(),
            "breadcrumbs": gov_crumbs(),
        },
    )


# --- charter -----------------------------------------------------------------------------


def charter(request: HttpRequest) -> HttpResponse:
    """The current charter, and the list of its versions."""
    current = selectors.charter_current()
    return page(
        request,
        "governance/charter.html",
        {
            "version": current,
            "principles": current.principles.all() if current else [],
            "versions": selectors.charter_versions(),
            "breadcrumbs": gov_crumbs(("La charte", None)),
        },
    )


def charter_version(request: HttpRequest, number: int) -> HttpResponse:
    version = get_or_404(selectors.charter_versions().get, number=number)
    previous = selectors.charter_versions().filter(number__lt=number).first()
    return page(
        request,
        "governance/charter.html",
        {
            "version": version,
            "principles": version.principles.all(),
            "versions": selectors.charter_versions(),
            "previous": previous,
            "archived": True,
            "breadcrumbs": gov_crumbs(
                ("La charte", reverse("governance:charter")), (f"Version {number}", None)
            ),
        },
    )


def charter_compare(request: HttpRequest) -> HttpResponse:
    """Two versions side by side: ``?de=1&a=2`` (defaults: the two latest)."""
    versions = list(selectors.charter_versions())
    by_number: dict[int, CharterVersion] = {v.number: v for v in versions}
    error = ""
    old = new = None
    try:
        old_n = int(request.GET.get("de") or (versions[1].number if len(versions) > 1 else 0))
        new_n = int(request.GET.get("a") or (versions[0].number if versions else 0))
        old, new = by_number.get(old_n), by_number.get(new_n)
    except ValueError:
        error = "Les numéros de version doivent être des nombres."
    if not error and len(versions) > 1 and (old is None or new is None):
        error = "Choisissez deux versions publiées de la charte."
    changes = charter_diff.compare(old, new) if old and new else []
    return page(
        request,
        "governance/charter_compare.html",
        {
            "versions": versions,
            "old": old,
            "new": new,
            "changes": changes,
            "status_labels": charter_diff.STATUS_LABELS,
            "error": error,
            "breadcrumbs": gov_crumbs(
                ("La charte", reverse("governance:charter")), ("Comparer deux versions", None)
            ),
        },
        status=400 if error else 200,
    )


# --- register of algorithms --------------------------------------------------------------


def _algorithm_search(request: HttpRequest):
    form = SearchForm(request.GET or None)
    search = form.cleaned_data["q"] if form.is_valid() else ""
    return form, selectors.algorithms_public(search=search)


def algorithms(request: HttpRequest) -> HttpResponse:
    form, entries = _algorithm_search(request)
    result = paginate(request, entries)
    return page(
        request,
        "governance/algorithms.html",
        {
            "form": form,
            "page": result,
            "querystring": querystring_without_page(request),
            "filtered": bool(request.GET.get("q")),
            "json_url": request.build_absolute_uri(reverse("api:governance_algorithms_json")),
            "schema_url": request.build_absolute_uri(reverse("api:governance_algorithms_schema")),
            "breadcrumbs": gov_crumbs(("Algorithmes publics", None)),
        },
    )


def algorithm_detail(request: HttpRequest, slug: str) -> HttpResponse:
    entry = get_or_404(selectors.algorithms_public().get, slug=slug)
    return page(
        request,
        "governance/algorithm_detail.html",
        {
            "entry": entry,
            "row": opendata.algorithm_row(entry),
            "fields": opendata.ALGORITHM_FIELDS,
            "breadcrumbs": gov_crumbs(
                ("Algorithmes publics", reverse("governance:algorithms")), (entry.name, None)
            ),
        },
    )


def algorithms_csv(request: HttpRequest) -> StreamingHttpResponse:
    _form, entries = _algorithm_search(request)
    response = StreamingHttpResponse(
        opendata.algorithm_csv_lines(entries.iterator()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="registre-algorithmes.csv"'
    response["Link"] = f'<{reverse("api:governance_algorithms_schema")}>; rel="describedby"'
    return response


def algorithms_json(request: HttpRequest) -> JsonResponse:
    """The register as JSON: the records and the Table Schema that describes them."""
    _form, entries = _algorithm_search(request)
    return JsonResponse(
        {
            "schema": request.build_absolute_uri(reverse("api:governance_algorithms_schema")),
            "data": [opendata.algorithm_row(entry) for entry in entries],
        },
        json_dumps_params={"ensure_ascii": False, "indent": 1},
    )


def algorithms_schema(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        json.dumps(opendata.algorithm_table_schema(), ensure_ascii=False, indent=1),
        content_type="application/schema+json; charset=utf-8",
    )


# --- data catalogue ----------------------------------------------------------------------


def datasets(request: HttpRequest) -> HttpResponse:
    form = DatasetSearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {"q": "", "theme": ""}
    result = paginate(request, selectors.datasets_public(search=data["q"], theme=data["theme"]))
    return page(
        request,
        "governance/datasets.html",
        {
            "form": form,
            "page": result,
            "themes": DATA_THEMES,
            "dcat_url": request.build_absolute_uri(reverse("api:governance_catalogue_dcat")),
            "querystring": querystring_without_page(request),
            "filtered": bool(request.GET.get("q") or request.GET.get("theme")),
            "breadcrumbs": gov_crumbs(("Catalogue de données", None)),
        },
    )


def dataset_detail(request: HttpRequest, slug: str) -> HttpResponse:
    dataset = get_or_404(selectors.datasets_public().get, slug=slug)
    return page(
        request,
        "governance/dataset_detail.html",
        {
            "dataset": dataset,
            "theme": DATA_THEMES[dataset.theme],
            "licence": LICENCES[dataset.licence],
            "frequency": FREQUENCIES[dataset.frequency],
            "breadcrumbs": gov_crumbs(
                ("Catalogue de données", reverse("governance:datasets")), (dataset.title, None)
            ),
        },
    )


def datasets_dcat(request: HttpRequest) -> HttpResponse:
    """The whole catalogue in DCAT-AP (JSON-LD), for data.gouv.fr's harvester."""
    base_url = request.build_absolute_uri("/").rstrip("/")
    document = opendata.dcat_catalogue(selectors.datasets_public(), base_url)
    return HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=1),
        content_type="application/ld+json; charset=utf-8",
    )


# --- annual report -----------------------------------------------------------------------


def _report_year(year: int) -> int:
    if year not in annual.report_years():
        raise Http404
    return year


def annual_report_latest(request: HttpRequest) -> HttpResponse:
    """The report of the last full year when there is one, else of the current year."""
    years = annual.report_years()
    year = years[1] if len(years) > 1 else years[0]
    return redirect("governance:annual_report", year=year)


def annual_report(request: HttpRequest, year: int) -> HttpResponse:
    report = annual.annual_report(_report_year(year))
    return page(
        request,
        "governance/annual_report.html",
        {
            "report": report,
            "years": annual.report_years(),
            "breadcrumbs": gov_crumbs((f"Bilan annuel {year}", None)),
        },
    )


def annual_report_csv(request: HttpRequest, year: int, table: str) -> StreamingHttpResponse:
    report = annual.annual_report(_report_year(year))
    if table not in report.tables:
        raise Http404
    data = report.tables[table]
    return csv_response([data.header, *data.rows], f"bilan-{year}-{data.slug}.csv")
