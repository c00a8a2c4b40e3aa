"""Fill-in templates of the impact assessments (DPIA, FRIA) of a project: a page to read and
print, and the same as PDF. For the people who see the working sheet (its team and the
committee)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from territoire.core.permissions import can
from territoire.governance import impact_forms, selectors
from territoire.governance.models import Project
from territoire.governance.pdf import impact_form_pdf
from territoire.governance.views.common import get_or_404, gov_crumbs, page


def _form(request: HttpRequest, pk: int, kind: str) -> tuple[Project, impact_forms.ImpactForm]:
    if kind not in impact_forms.FORMS:
        raise Http404
    project = get_or_404(selectors.project_get, request.user, pk=pk)
    user = request.user
    if not (can(user, "governance.edit_project", project) or can(user, "governance.run_committee")):
        raise PermissionDenied
    return project, impact_forms.FORMS[kind](project)


@login_required
def impact_form(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    project, form = _form(request, pk, kind)
    return page(
        request,
        "governance/impact_form.html",
        {
            "project": project,
            "form": form,
            "breadcrumbs": gov_crumbs(
                ("Projets", reverse("governance:projects")),
                (project.title, reverse("governance:project", args=[project.pk])),
                (form.short, None),
            ),
        },
    )


@login_required
def impact_form_download(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    project, form = _form(request, pk, kind)
    response = HttpResponse(impact_form_pdf(project, form), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{kind}-projet-{project.pk}.pdf"'
    return response
