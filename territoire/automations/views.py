"""Pages of automations: the rules of one's communes, a new rule, editing a rule, one rule
with its actions, the manual override (suspension, forced state), the dry run, and booking
slots. Views check abilities and call selectors and services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from territoire.automations import engine, selectors, services
from territoire.automations.forms import (
    BookingForm,
    DryRunForm,
    ForceForm,
    RuleForm,
    SuspendForm,
)
from territoire.core.forms import attach_service_errors
from territoire.core.pagination import paginate
from territoire.core.permissions import can, require
from territoire.core.views import crumbs, person

# The forced-state and suspension forms share a page: distinct ids for their "until" fields.
FORCE_PREFIX = "force"


def _crumbs(*items):
    return crumbs(("Automatisations", reverse("automations:rules")), *items)


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    require(request.user, "automations.view")
    page = paginate(request, selectors.rules(request.user))
    return render(
        request,
        "automations/rule_list.html",
        {
            "page": page,
            "may_create": can(request.user, "automations.manage"),
            "breadcrumbs": crumbs(("Automatisations", None)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_new(request: HttpRequest) -> HttpResponse:
    require(request.user, "automations.manage")
    communes = selectors.communes_managed(request.user)
    form = RuleForm(request.POST if request.method == "POST" else None, communes=communes)
    if form.is_valid():
        try:
            rule = services.rule_create(
                actor=person(request), commune=form.cleaned_data["commune"], data=form.rule_data()
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, f"La règle « {rule.name} » est créée.")
            return redirect("automations:rule", pk=rule.pk)
    return render(
        request,
        "automations/rule_form.html",
        {"form": form, "breadcrumbs": _crumbs(("Nouvelle règle", None))},
        status=400 if form.errors else 200,
    )


def _rule_page(
    request: HttpRequest, rule, suspend_form=None, force_form=None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "automations/rule_detail.html",
        {
            "rule": rule,
            "conditions": list(rule.conditions.select_related("series__device")),
            "devices": list(rule.devices.order_by("name")),
            "actions": selectors.actions_of_rule(rule),
            "may_manage": can(request.user, "automations.manage", rule),
            "suspend_form": suspend_form or SuspendForm(),
            "force_form": force_form or ForceForm(prefix=FORCE_PREFIX),
            "breadcrumbs": _crumbs((rule.name, None)),
        },
        status=status,
    )


@login_required
def rule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _rule_page(request, selectors.rule(request.user, pk))


@login_required
@require_POST
def rule_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.rule(request.user, pk)
    require(request.user, "automations.manage", rule)
    form = SuspendForm(request.POST)
    if form.is_valid():
        try:
            services.rule_suspend(
                actor=person(request),
                rule=rule,
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "La règle est suspendue jusqu'à l'échéance indiquée.")
            return redirect("automations:rule", pk=rule.pk)
    return _rule_page(request, rule, suspend_form=form, status=400)


@login_required
@require_POST
def rule_resume(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.rule(request.user, pk)
    services.rule_resume(actor=person(request), rule=rule)
    messages.success(request, "La règle a repris.")
    return redirect("automations:rule", pk=rule.pk)


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.rule(request.user, pk)
    if not can(request.user, "automations.manage", rule):
        raise PermissionDenied
    services.rule_delete(actor=person(request), rule=rule)
    messages.success(request, "La règle est supprimée.")
    return redirect("automations:rules")


@login_required
def rule_dry_run(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.rule(request.user, pk)
    form = DryRunForm(request.GET or None)
    rows = None
    days = 7
    if form.is_bound and form.is_valid():
        days = form.cleaned_data["days"]
    if not form.is_bound or form.is_valid():
        rows = engine.dry_run(rule, days)
    return render(
        request,
        "automations/dry_run.html",
        {
            "rule": rule,
            "form": form,
            "rows": rows,
            "days": days,
            "sent": sum(1 for r in (rows or []) if r.outcome == "Commande envoyée"),
            "breadcrumbs": _crumbs(
                (rule.name, reverse("automations:rule", args=[rule.pk])), ("Simulation", None)
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.rule(request.user, pk)
    require(request.user, "automations.manage", rule)
    communes = selectors.communes_managed(request.user)
    form = RuleForm(
        request.POST if request.method == "POST" else None, communes=communes, rule=rule
    )
    if form.is_valid():
        try:
            services.rule_update(actor=person(request), rule=rule, data=form.rule_data())
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, f"La règle « {rule.name} » est modifiée.")
            return redirect("automations:rule", pk=rule.pk)
    return render(
        request,
        "automations/rule_form.html",
        {
            "form": form,
            "rule": rule,
            "breadcrumbs": _crumbs(
                (rule.name, reverse("automations:rule", args=[rule.pk])), ("Modifier", None)
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def rule_force(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.rule(request.user, pk)
    require(request.user, "automations.manage", rule)
    form = ForceForm(request.POST, prefix=FORCE_PREFIX)
    if form.is_valid():
        try:
            actions = services.rule_force(
                actor=person(request),
                rule=rule,
                command=form.cleaned_data["command"].strip(),
                params=form.cleaned_data["params"],
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            sent = sum(1 for a in actions if a.outcome == "sent")
            messages.success(
                request,
                f"État forcé : commande envoyée à {sent} capteur(s) sur {len(actions)} ; "
                "la règle reprendra d'elle-même à l'échéance.",
            )
            return redirect("automations:rule", pk=rule.pk)
    return _rule_page(request, rule, force_form=form, status=400)


@login_required
def bookings(request: HttpRequest) -> HttpResponse:
    require(request.user, "automations.view")
    from django.utils import timezone

    upcoming = selectors.bookings(request.user).filter(ends_at__gt=timezone.now())
    return render(
        request,
        "automations/booking_list.html",
        {
            "page": paginate(request, upcoming),
            "may_create": can(request.user, "automations.manage"),
            "breadcrumbs": _crumbs(("Créneaux de réservation", None)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def booking_new(request: HttpRequest) -> HttpResponse:
    require(request.user, "automations.manage")
    form = BookingForm(
        request.POST if request.method == "POST" else None,
        doors=selectors.doors_managed(request.user),
    )
    if form.is_valid():
        device = form.cleaned_data["device"]
        try:
            services.booking_create(
                actor=person(request),
                commune=device.commune,
                data=services.BookingData(
                    device=device,
                    starts_at=form.cleaned_data["starts_at"],
                    ends_at=form.cleaned_data["ends_at"],
                    booked_by=form.cleaned_data["booked_by"],
                    reason=form.cleaned_data["reason"],
                ),
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, "Le créneau est enregistré.")
            return redirect("automations:bookings")
    return render(
        request,
        "automations/booking_form.html",
        {
            "form": form,
            "breadcrumbs": _crumbs(
                ("Créneaux de réservation", reverse("automations:bookings")),
                ("Nouveau créneau", None),
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = selectors.booking(request.user, pk)
    require(request.user, "automations.manage", booking)
    try:
        services.booking_cancel(actor=person(request), booking=booking)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Le créneau est annulé.")
    return redirect("automations:bookings")
