"""Background work of the procedures: e-mails to requesters."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from huey.contrib.djhuey import db_task


@db_task(retries=3, retry_delay=60)
def send_request_email(event_id: int) -> None:
    """Tell the requester about a status change or an agent's message, with a link back."""
    from territoire.procedures.models import RequestEvent

    event = RequestEvent.objects.select_related("request__procedure").filter(pk=event_id).first()
    if event is None:
        return
    request = event.request
    link = settings.BASE_URL + reverse("procedures:request", args=[request.tracking_number])
    from territoire.procedures import notices

    intro = ""
    if event.kind == "status" and event.to_status:
        intro = notices.render_text(
            notices.text_for(request.procedure, event.to_status),
            notices.values_for(request, request.procedure, event.to_status, link),
        )
    context = {
        "event": event,
        "request": request,
        "link": link,
        "intro": intro,
        "to_label": event.get_to_status_display() if event.to_status else "",
    }
    subject = render_to_string("procedures/email_subject.txt", context).strip()
    body = render_to_string("procedures/email_body.txt", context)
    send_mail(subject, body, None, [request.email])


@db_task(retries=3, retry_delay=60)
def send_tracking_number(request_id: int) -> None:
    """Tell someone without an account the number of the request they just started, so that
    they can resume the draft from another browser."""
    from territoire.procedures.models import Request

    request = Request.objects.select_related("procedure").filter(pk=request_id).first()
    if request is None:
        return
    context = {"request": request, "link": settings.BASE_URL + reverse("procedures:track")}
    body = render_to_string("procedures/email_started.txt", context)
    subject = f"Votre démarche « {request.procedure.title} » : numéro {request.tracking_number}"
    send_mail(subject, body, None, [request.email])
