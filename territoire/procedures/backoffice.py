"""Agents' pages: the request queue (filters, sorting, bulk actions, CSV export), a
request's file (status changes with a message, messages, internal notes, assignment, due
date), the catalogue they manage with its form builder, and statistics."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from territoire.core.exports import csv_response
from territoire.core.forms import attach_service_errors
from territoire.core.pagination import paginate, querystring_without_page
from territoire.core.permissions import can, require
from territoire.core.views import crumbs, person
from territoire.procedures import schema as schemas
from territoire.procedures import selectors, services, workflow
from territoire.procedures.forms import (
    AssignForm,
    BulkForm,
    DueForm,
    EmailTextsForm,
    FieldForm,
    MessageForm,
    NoteForm,
    PageTitleForm,
    ProcedureForm,
    QueueFilterForm,
    TransitionForm,
)
from territoire.procedures.models import Procedure, ProcedureStatus, Request, RequestStatus


def _crumbs(*items: tuple[str, Any]) -> list[tuple[str, Any]]:
    return crumbs(("Guichet des demandes", reverse("procedures:queue")), *items)


def _queue_form(request: HttpRequest) -> tuple[QueueFilterForm, selectors.QueueFilters | None]:
    form = QueueFilterForm(
        request.GET or None,
        communes=selectors.processing_communes(request.user),
        procedures=selectors.managed_procedures(request.user),
        services=selectors.services_of(request.user),
    )
    if not form.is_bound:
        return form, selectors.QueueFilters()
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, selectors.QueueFilters(
        commune=data["commune"],
        procedure=data["procedure"],
        service=data["service"],
        status=data["status"] or "open",
        assigned=data["assigned"],
        overdue=data["overdue"],
        query=data["q"],
        sort=data["sort"] or "-submitted_at",
    )


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    require(request.user, "procedures.process")
    form, filters = _queue_form(request)
    requests = selectors.queue(request.user, filters) if filters else Request.objects.none()
    # Sort and count ids only, then read the page's rows by primary key: the database sorts
    # narrow index tuples instead of whole joined rows (see docs/benchmarks.md). The ids come
    # from the scoped queue, so reading them back needs no second scoping.
    page = paginate(request, requests.values_list("pk", flat=True))
    ids = list(page.object_list)
    rows = Request.objects.select_related("procedure", "commune", "assigned_to").in_bulk(ids)
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return render(
        request,
        "procedures/queue.html",
        {
            "form": form,
            "page": page,
            "bulk_form": BulkForm(),
            "querystring": querystring_without_page(request),
            "today": timezone.localdate(),
            "breadcrumbs": crumbs(("Guichet des demandes", None)),
        },
    )


@login_required
def queue_csv(request: HttpRequest) -> StreamingHttpResponse:
    require(request.user, "procedures.process")
    _form, filters = _queue_form(request)
    requests = selectors.queue(request.user, filters) if filters else Request.objects.none()

    def rows():
        yield [
            "numéro",
            "démarche",
            "commune",
            "service",
            "statut",
            "envoyée le",
            "échéance",
            "en retard",
            "agent",
            "adresse du demandeur",
        ]
        for r in requests.iterator(chunk_size=2000):
            yield [
                r.tracking_number,
                r.procedure.title,
                r.commune.name if r.commune else "CUA",
                r.service,
                r.get_status_display(),
                timezone.localtime(r.submitted_at).strftime("%d/%m/%Y %H:%M")
                if r.submitted_at
                else "",
                r.due_at.strftime("%d/%m/%Y") if r.due_at else "",
                "oui" if r.is_overdue else "non",
                r.assigned_to.display_name if r.assigned_to else "",
                r.email,
            ]

    return csv_response(rows(), "demandes.csv")


@login_required
@require_POST
def queue_bulk(request: HttpRequest) -> HttpResponse:
    require(request.user, "procedures.process")
    form = BulkForm(request.POST)
    numbers = request.POST.getlist("ids")[:500]
    chosen = list(
        selectors.queue(request.user, selectors.QueueFilters(status="all")).filter(
            tracking_number__in=numbers
        )
    )
    if not form.is_valid() or not chosen:
        messages.error(request, "Cochez au moins une demande et choisissez une action.")
    else:
        try:
            count = workflow.requests_bulk(
                actor=person(request), requests=chosen, action=form.cleaned_data["action"]
            )
        except ValidationError as exc:
            messages.error(request, "Rien n'a été changé : " + " ".join(exc.messages))
        else:
            messages.success(
                request,
                f"{count} demande{'s' if count > 1 else ''} traitée{'s' if count > 1 else ''}.",
            )
    back = request.POST.get("back", "")
    return redirect(reverse("procedures:queue") + (f"?{back}" if back and "//" not in back else ""))


def _agent_request(request: HttpRequest, tracking: str) -> Request:
    try:
        return selectors.request_for_agent(request.user, tracking_number=tracking)
    except Request.DoesNotExist:
        raise Http404("Demande introuvable") from None


@login_required
@require_http_methods(["GET", "POST"])
def request_file(request: HttpRequest, tracking: str) -> HttpResponse:
    """A request for the agents: answers, files, full history and every action."""
    require(request.user, "procedures.process")
    req = _agent_request(request, tracking)
    allowed = workflow.AGENT_TRANSITIONS.get(req.status, ())
    action = request.POST.get("action", "")
    forms_: dict[str, Any] = {
        "transition": TransitionForm(
            request.POST if action == "transition" else None, allowed=allowed
        ),
        "message": MessageForm(
            request.POST if action == "message" else None,
            request.FILES if action == "message" else None,
        ),
        # Its own ids: the message form on the same page has the same field names.
        "note": NoteForm(
            request.POST if action == "note" else None,
            request.FILES if action == "note" else None,
            auto_id="id_note_%s",
        ),
        "due": DueForm(request.POST if action == "due" else None, initial={"due": req.due_at}),
        "assign": AssignForm(
            request.POST if action == "assign" else None,
            initial={"assignee": req.assigned_to_id},
            people=selectors.processors_of(req),
        ),
    }
    if request.method == "POST":
        actor = person(request)
        form = forms_.get(action)
        try:
            if action == "assign_me":
                workflow.request_assign(actor=actor, request=req, assignee=actor)
            elif action == "unassign":
                workflow.request_assign(actor=actor, request=req, assignee=None)
            elif form is None:
                raise ValidationError("Action inconnue.")
            elif form.is_valid():
                data = form.cleaned_data
                if action == "transition":
                    workflow.request_transition(
                        actor=actor, request=req, to_status=data["status"], message=data["message"]
                    )
                elif action == "message":
                    workflow.request_message(
                        actor=actor, request=req, body=data["body"], attachment=data["attachment"]
                    )
                elif action == "assign":
                    workflow.request_assign(actor=actor, request=req, assignee=data["assignee"])
                elif action == "note":
                    workflow.request_note(
                        actor=actor, request=req, body=data["body"], attachment=data["attachment"]
                    )
                else:
                    workflow.request_set_due(actor=actor, request=req, due=data["due"])
            if form is None or not form.errors:
                messages.success(request, "C'est enregistré.")
                return redirect("procedures:agent_request", tracking=tracking)
        except ValidationError as exc:
            if form is not None:
                attach_service_errors(form, exc)
            else:
                messages.error(request, " ".join(exc.messages))
    return render(
        request,
        "procedures/agent_request.html",
        {
            "req": req,
            "forms": forms_,
            "form": forms_.get(action),
            "events": req.events.select_related("author").prefetch_related("attachments"),
            "answers": schemas.answers(req.version.schema, req.data),
            "attachments": req.attachments.filter(event__isnull=True),
            "breadcrumbs": _crumbs((req.tracking_number, None)),
        },
        status=400 if any(f.errors for f in forms_.values()) else 200,
    )


@login_required
def statistics(request: HttpRequest) -> HttpResponse:
    require(request.user, "procedures.view_stats")
    return render(
        request,
        "procedures/statistics.html",
        {
            "rows": selectors.statistics(request.user),
            # Elected officials read the statistics without access to the queue itself.
            "breadcrumbs": _crumbs(("Statistiques", None))
            if can(request.user, "procedures.process")
            else crumbs(
                ("Démarches en ligne", reverse("procedures:catalogue")), ("Statistiques", None)
            ),
        },
    )


# --- catalogue and form builder -------------------------------------------------------------


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    require(request.user, "procedures.manage")
    return render(
        request,
        "procedures/manage.html",
        {
            "procedures": selectors.managed_procedures(request.user),
            "breadcrumbs": _crumbs(("Catalogue des démarches", None)),
        },
    )


def _procedure_data(form: ProcedureForm) -> services.ProcedureData:
    data = form.cleaned_data
    return services.ProcedureData(
        title=data["title"],
        commune=data["commune"],
        summary=data["summary"],
        who_can_ask=data["who_can_ask"],
        documents_needed=data["documents_needed"],
        delay_days=data["delay_days"],
        service=data["service"],
        allow_anonymous=data["allow_anonymous"],
        routing=data["routing"],
        knowledge_entries=list(data["knowledge_entries"]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def procedure_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "procedures.manage")
    form = ProcedureForm(request.POST or None, communes=selectors.processing_communes(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            procedure = services.procedure_create(actor=person(request), data=_procedure_data(form))
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "Démarche créée : construisez maintenant son formulaire.")
            return redirect("procedures:builder", pk=procedure.pk)
    return render(
        request,
        "procedures/procedure_form.html",
        {
            "form": form,
            "procedure": None,
            "breadcrumbs": _crumbs(
                ("Catalogue", reverse("procedures:manage")), ("Nouvelle démarche", None)
            ),
        },
        status=400 if form.errors else 200,
    )


def _managed(request: HttpRequest, pk: int) -> Procedure:
    try:
        return selectors.managed_procedure(request.user, pk=pk)
    except Procedure.DoesNotExist:
        raise Http404("Démarche introuvable") from None


@login_required
@require_http_methods(["GET", "POST"])
def procedure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    procedure = _managed(request, pk)
    initial = {
        "title": procedure.title,
        "summary": procedure.summary,
        "commune": procedure.commune,
        "service": procedure.service,
        "who_can_ask": procedure.who_can_ask,
        "documents_needed": procedure.documents_needed,
        "delay_days": procedure.delay_days,
        "allow_anonymous": procedure.allow_anonymous,
        "routing": procedure.routing,
        "knowledge_entries": list(procedure.knowledge_entries.all()),
    }
    form = ProcedureForm(
        request.POST or None, initial=initial, communes=selectors.processing_communes(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.procedure_update(
                actor=person(request), procedure=procedure, data=_procedure_data(form)
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "Démarche modifiée.")
            return redirect("procedures:builder", pk=procedure.pk)
    return render(
        request,
        "procedures/procedure_form.html",
        {
            "form": form,
            "procedure": procedure,
            "breadcrumbs": _crumbs(
                ("Catalogue", reverse("procedures:manage")), (procedure.title, None)
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def builder(request: HttpRequest, pk: int) -> HttpResponse:
    """The no-code form builder: add pages and fields, move or remove them, publish."""
    procedure = _managed(request, pk)
    version = procedure.current_version
    action = request.POST.get("action", "")
    field_form = FieldForm(request.POST if action == "add_field" else None, schema=version.schema)
    page_form = PageTitleForm(request.POST if action == "add_page" else None)
    if request.method == "POST":
        actor = person(request)
        try:
            if action == "add_field":
                if field_form.is_valid():
                    services.form_edit(
                        actor=actor,
                        procedure=procedure,
                        operation="add_field",
                        params={
                            "field": field_form.spec(),
                            "page": field_form.cleaned_data["page"],
                            "group": field_form.cleaned_data["group"],
                        },
                    )
            elif action == "add_page":
                if page_form.is_valid():
                    services.form_edit(
                        actor=actor,
                        procedure=procedure,
                        operation="add_page",
                        params={"title": page_form.cleaned_data["title"]},
                    )
            elif action in ("remove_field", "move_field", "remove_page"):
                services.form_edit(
                    actor=actor,
                    procedure=procedure,
                    operation=action,
                    params={
                        "name": request.POST.get("name", ""),
                        "direction": request.POST.get("direction"),
                        "page": request.POST.get("page", "-1"),
                    },
                )
            elif action == "status":
                services.procedure_set_status(
                    actor=actor, procedure=procedure, status=request.POST.get("status", "")
                )
            else:
                raise ValidationError("Action inconnue.")
            if not field_form.errors and not page_form.errors:
                messages.success(request, "Formulaire enregistré.")
                return redirect("procedures:builder", pk=pk)
        except ValidationError as exc:
            target = (
                field_form if action == "add_field" else page_form if action == "add_page" else None
            )
            if target is not None:
                attach_service_errors(target, exc, aliases={"choices": "choices"})
            else:
                messages.error(request, " ".join(exc.messages))
    return render(
        request,
        "procedures/builder.html",
        {
            "procedure": procedure,
            "version": version,
            "frozen": version.requests.exists(),
            "field_form": field_form,
            "page_form": page_form,
            "form": field_form if field_form.errors else page_form,
            "types": schemas.FIELD_TYPES,
            "versions": procedure.versions.order_by("-number"),
            "statuses": ProcedureStatus,
            "may_process": can(request.user, "procedures.process", procedure),
            "breadcrumbs": _crumbs(
                ("Catalogue", reverse("procedures:manage")), (procedure.title, None)
            ),
        },
        status=400 if field_form.errors or page_form.errors else 200,
    )


@login_required
def builder_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Every page of the current form as a requester will see it (not submittable)."""
    procedure = _managed(request, pk)
    schema = procedure.current_version.schema
    labels = {f["name"]: f["label"] for f in schemas.all_fields(schema)}
    pages = [
        (
            page,
            schemas.PageForm(page=page, labels=labels, values={}, rows={}, auto_id=f"p{index}_%s"),
        )
        for index, page in enumerate(schema["pages"])
    ]
    return render(
        request,
        "procedures/builder_preview.html",
        {
            "procedure": procedure,
            "pages": pages,
            "breadcrumbs": _crumbs(
                ("Catalogue", reverse("procedures:manage")),
                (procedure.title, reverse("procedures:builder", args=[pk])),
                ("Aperçu", None),
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def email_texts(request: HttpRequest, pk: int) -> HttpResponse:
    """The texts e-mailed at each status change of this procedure's requests, with their
    placeholders; "Aperçu" shows them as a requester will read them, without saving."""
    from territoire.procedures import notices

    procedure = _managed(request, pk)
    form = EmailTextsForm(request.POST or None, procedure=procedure)
    preview: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid():
        texts = {status: text for status, text in form.cleaned_data.items()}
        try:
            if request.POST.get("go") == "save":
                services.procedure_set_email_texts(
                    actor=person(request), procedure=procedure, texts=texts
                )
                messages.success(request, "Textes des courriels enregistrés.")
                return redirect("procedures:email_texts", pk=pk)
            for status, text in texts.items():
                try:
                    notices.check_text(text.strip())
                except ValidationError as exc:
                    form.add_error(status, exc.messages)
        except ValidationError as exc:
            attach_service_errors(form, exc)
        if request.method == "POST" and not form.errors:
            link = request.build_absolute_uri(reverse("procedures:request", args=["DM-7K4P-Q9XA"]))
            preview = [
                (
                    str(RequestStatus(status).label),
                    notices.render_text(
                        text.strip() or notices.DEFAULT_TEXTS[status],
                        notices.values_for(None, procedure, status, link),
                    ),
                )
                for status, text in texts.items()
            ]
    return render(
        request,
        "procedures/email_texts.html",
        {
            "procedure": procedure,
            "form": form,
            "preview": preview,
            "placeholders": notices.PLACEHOLDERS,
            "breadcrumbs": _crumbs(
                ("Catalogue", reverse("procedures:manage")),
                (procedure.title, reverse("procedures:builder", args=[pk])),
                ("Textes des courriels", None),
            ),
        },
        status=400 if form.errors else 200,
    )
