"""Pages for people making a request: the catalogue, a procedure, filling a request page by
page (a draft they can resume), reviewing and sending it, following it (status history,
messages), their requests, and finding an anonymous request by number and e-mail. Agents'
pages are in ``backoffice.py``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from territoire.core.forms import attach_service_errors
from territoire.core.permissions import can
from territoire.core.selectors import commune_list
from territoire.core.views import crumbs, person
from territoire.procedures import schema as schemas
from territoire.procedures import selectors, workflow
from territoire.procedures.forms import CatalogueForm, MessageForm, StartForm, TrackForm
from territoire.procedures.models import EventKind, Procedure, Request, RequestStatus

SESSION_KEY = "procedures_requests"


def _crumbs(*items: tuple[str, Any]) -> list[tuple[str, Any]]:
    return crumbs(("Démarches en ligne", reverse("procedures:catalogue")), *items)


def _proven_ids(request: HttpRequest) -> list[int]:
    return list(request.session.get(SESSION_KEY, []))


def _prove(request: HttpRequest, req: Request) -> None:
    ids = _proven_ids(request)
    if req.pk not in ids:
        request.session[SESSION_KEY] = [*ids[-49:], req.pk]


def _own_request(request: HttpRequest, tracking: str) -> Request:
    """The request if this person filed it (or proved it in this session), else 404."""
    try:
        return selectors.request_for_requester(
            request.user,
            _proven_ids(request),
            tracking_number=tracking,
        )
    except Request.DoesNotExist:
        raise Http404("Demande introuvable") from None


def catalogue(request: HttpRequest) -> HttpResponse:
    form = CatalogueForm(request.GET or None, communes=commune_list())
    query, commune = "", None
    if form.is_bound and form.is_valid():
        query, commune = form.cleaned_data["q"], form.cleaned_data["commune"]
    procedures = selectors.catalogue(query=query, commune=commune)
    return render(
        request,
        "procedures/catalogue.html",
        {
            "form": form,
            "procedures": procedures,
            "searched": bool(query or commune),
            "breadcrumbs": crumbs(("Démarches en ligne", None)),
        },
    )


def procedure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        procedure = selectors.published_procedure(pk=pk)
    except Procedure.DoesNotExist:
        raise Http404("Démarche introuvable") from None
    return render(
        request,
        "procedures/procedure_detail.html",
        {
            "procedure": procedure,
            "documents": [line for line in procedure.documents_needed.splitlines() if line.strip()],
            "entries": procedure.knowledge_entries.filter(status="published"),
            "start_form": StartForm(),
            "breadcrumbs": _crumbs((procedure.title, None)),
        },
    )


@require_POST
def request_start(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        procedure = selectors.published_procedure(pk=pk)
    except Procedure.DoesNotExist:
        raise Http404("Démarche introuvable") from None
    form = StartForm(request.POST)
    if not request.user.is_authenticated:
        if not procedure.allow_anonymous:
            return redirect_to_login(reverse("procedures:detail", args=[pk]))
        if not form.is_valid():
            return render(
                request,
                "procedures/procedure_detail.html",
                {
                    "procedure": procedure,
                    "documents": procedure.documents_needed.splitlines(),
                    "entries": procedure.knowledge_entries.filter(status="published"),
                    "start_form": form,
                    "form": form,
                    "breadcrumbs": _crumbs((procedure.title, None)),
                },
                status=400,
            )
    email = form.cleaned_data["email"] if form.is_valid() else ""
    req = workflow.request_start(actor=request.user, procedure=procedure, email=email)
    if not request.user.is_authenticated:
        _prove(request, req)
    messages.success(
        request,
        f"Votre demande est commencée sous le numéro de suivi {req.tracking_number}. "
        "Notez-le : vos réponses sont enregistrées à chaque page et vous pouvez reprendre "
        "plus tard.",
    )
    return redirect("procedures:fill", tracking=req.tracking_number, page=1)


def _page_form(
    req: Request, index: int, data=None, files=None, extra_rows=None, partial: bool = False
) -> schemas.PageForm:
    page = req.version.schema["pages"][index]
    labels = {f["name"]: f["label"] for f in schemas.all_fields(req.version.schema)}
    initial, rows = schemas.initial_for(page, req.data)
    rows.update(extra_rows or {})
    return schemas.PageForm(
        data,
        files,
        page=page,
        labels=labels,
        values=req.data,
        rows=rows,
        initial=initial,
        auto_id="id_%s",
        partial=partial,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def request_fill(request: HttpRequest, tracking: str, page: int) -> HttpResponse:
    """One page of the form; answers are saved as a draft at each step."""
    req = _own_request(request, tracking)
    if req.status not in (RequestStatus.DRAFT, RequestStatus.CORRECTION):
        return redirect("procedures:request", tracking=tracking)
    pages = req.version.schema["pages"]
    visible = schemas.visible_pages(req.version.schema, req.data)
    index = page - 1
    if index not in visible:
        raise Http404("Page introuvable")
    proven = req.pk in _proven_ids(request)
    rows = {
        key[5:]: min(int(value), schemas.MAX_GROUP_ITEMS)
        for key, value in request.POST.dict().items()
        if key.startswith("rows_") and value.isdigit()
    }
    add_row = request.POST.get("add_row", "")
    if add_row:
        rows[add_row] = min(rows.get(add_row, 1) + 1, schemas.MAX_GROUP_ITEMS)
    partial = bool(add_row) or request.POST.get("go") == "save"
    form = _page_form(req, index, request.POST or None, request.FILES or None, rows, partial)
    if request.method == "POST" and not add_row and form.is_valid():
        files = {
            name: upload
            for name, upload in request.FILES.dict().items()
            if name in form.fields and isinstance(upload, UploadedFile)
        }
        try:
            workflow.request_save_page(
                actor=request.user,
                request=req,
                values=form.values_to_store(),
                files=files,
                proven=proven,
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            if request.POST.get("go") == "save":
                messages.success(request, "Brouillon enregistré : vous pouvez reprendre plus tard.")
                return redirect("procedures:fill", tracking=tracking, page=page)
            following = [
                i for i in schemas.visible_pages(req.version.schema, req.data) if i > index
            ]
            if following:
                return redirect("procedures:fill", tracking=tracking, page=following[0] + 1)
            return redirect("procedures:review", tracking=tracking)
    previous = [i for i in visible if i < index]
    return render(
        request,
        "procedures/request_fill.html",
        {
            "req": req,
            "form": form,
            "page": pages[index],
            "page_number": visible.index(index) + 1,
            "page_count": len(visible),
            "previous_page": previous[-1] + 1 if previous else None,
            "groups": form.groups,
            "group_names": form.group_names(),
            "breadcrumbs": _crumbs(
                (req.procedure.title, reverse("procedures:detail", args=[req.procedure_id])),
                ("Remplir", None),
            ),
        },
        status=400 if form.errors else 200,
    )


@never_cache
def request_review(request: HttpRequest, tracking: str) -> HttpResponse:
    req = _own_request(request, tracking)
    return render(
        request,
        "procedures/request_review.html",
        {
            "req": req,
            "answers": schemas.answers(req.version.schema, req.data),
            "missing": workflow.missing_answers(req),
            "first_page": (schemas.visible_pages(req.version.schema, req.data) or [0])[0] + 1,
            "breadcrumbs": _crumbs(("Vérifier et envoyer", None)),
        },
    )


@require_POST
def request_submit(request: HttpRequest, tracking: str) -> HttpResponse:
    req = _own_request(request, tracking)
    try:
        workflow.request_submit(
            actor=request.user, request=req, proven=req.pk in _proven_ids(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("procedures:review", tracking=tracking)
    messages.success(
        request,
        f"Demande envoyée. Numéro de suivi : {req.tracking_number}. Un accusé de réception "
        f"part à {req.email}.",
    )
    return redirect("procedures:request", tracking=tracking)


def _request_page(
    request: HttpRequest, req: Request, message_form: MessageForm | None = None
) -> HttpResponse:
    """The requester's view: status, history (without internal notes), answers, messages."""
    return render(
        request,
        "procedures/request_page.html",
        {
            "req": req,
            "events": req.events.exclude(kind=EventKind.NOTE)
            .select_related("author")
            .prefetch_related("attachments"),
            "answers": schemas.answers(req.version.schema, req.data),
            "attachments": req.attachments.filter(event__isnull=True),
            "message_form": message_form or MessageForm(),
            "first_page": (schemas.visible_pages(req.version.schema, req.data) or [0])[0] + 1,
            "breadcrumbs": crumbs(
                ("Mes demandes", reverse("procedures:mine")), (req.tracking_number, None)
            ),
        },
        status=400 if message_form is not None and message_form.errors else 200,
    )


@never_cache
def request_page(request: HttpRequest, tracking: str) -> HttpResponse:
    return _request_page(request, _own_request(request, tracking))


@never_cache
@require_POST
def request_message(request: HttpRequest, tracking: str) -> HttpResponse:
    """A message to the service; on a refused file or an empty message the page comes back
    with the typed text kept and the error on its field."""
    req = _own_request(request, tracking)
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            workflow.request_message(
                actor=request.user,
                request=req,
                body=form.cleaned_data["body"],
                proven=req.pk in _proven_ids(request),
                attachment=form.cleaned_data["attachment"],
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "Message envoyé au service.")
            return redirect("procedures:request", tracking=tracking)
    return _request_page(request, req, form)


def attachment_download(request: HttpRequest, tracking: str, pk: int) -> FileResponse:
    """A file of a request, for its requester or the agents processing it only."""
    try:
        req = selectors.request_for_agent(request.user, tracking_number=tracking)
    except Request.DoesNotExist:
        req = _own_request(request, tracking)
    files = req.attachments.all()
    if not can(request.user, "procedures.process", req):
        # The requester never receives the files of internal notes.
        files = files.exclude(event__kind=EventKind.NOTE)
    attachment = files.filter(pk=pk).first()
    if attachment is None:
        raise Http404("Pièce introuvable")
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def my_requests(request: HttpRequest) -> HttpResponse:
    requests = list(selectors.my_requests(person(request)))
    return render(
        request,
        "procedures/my_requests.html",
        {
            "current": [r for r in requests if not r.is_final],
            "finished": [r for r in requests if r.is_final],
            "may_process": can(request.user, "procedures.process"),
            "may_read_stats": can(request.user, "procedures.view_stats"),
            "breadcrumbs": crumbs(("Mes demandes", None)),
        },
    )


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Find an anonymous request by its number and e-mail (both must match)."""
    form = TrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        req = selectors.anonymous_request(
            tracking_number=form.cleaned_data["tracking_number"], email=form.cleaned_data["email"]
        )
        if req is not None:
            _prove(request, req)
            return redirect("procedures:request", tracking=req.tracking_number)
        form.add_error(
            None,
            "Aucune demande sans compte ne correspond à ce numéro et cette adresse. Vérifiez "
            "les deux (le numéro figure dans l'accusé de réception).",
        )
    return render(
        request,
        "procedures/track.html",
        {"form": form, "breadcrumbs": _crumbs(("Suivre une demande", None))},
        status=400 if form.errors else 200,
    )
