"""Citizen sign-up, shared by every module (participation, procedures...).

A person gives an e-mail address and a password (checked by the project's validators); the
account is created inactive and a signed link is e-mailed by the worker. Following the link
activates the account and gives the territory-wide citizen role. The page answers the same
whether the address is new or already known, so it cannot be used to find who has an
account; a known address receives a mail saying so instead of a link.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import login, password_validation
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from territoire.core.audit import audit_record, register_actions
from territoire.core.forms import AccessibleFormMixin
from territoire.core.models import Membership, Role, User
from territoire.core.views import crumbs

SALT = "territoire.core.signup"
LINK_VALIDITY_S = 3 * 24 * 3600
MAIL_INTERVAL_S = 600

register_actions(
    {
        "account.signup": "Inscription d'un habitant (adresse à confirmer)",
        "account.verify": "Adresse électronique confirmée, compte d'habitant activé",
        "account.purge_unconfirmed": "Inscriptions non confirmées effacées",
    }
)


# --- service ------------------------------------------------------------------------------


def _check_email(email: str) -> str:
    email = User.objects.normalize_email((email or "").strip()).lower()
    try:
        if "\x00" in email:
            raise ValidationError("NUL")
        forms.EmailField().clean(email)
    except ValidationError:
        raise ValidationError(
            {"email": "Saisissez une adresse électronique valide, par exemple nom@domaine.fr."}
        ) from None
    return email


def signup_link(user: User, next_url: str = "") -> str:
    token = signing.dumps({"u": user.pk, "e": user.email, "n": next_url}, salt=SALT)
    return f"{settings.BASE_URL}{reverse('core:signup_confirm', args=[token])}"


@transaction.atomic
def citizen_signup(*, email: str, password: str, next_url: str = "") -> User | None:
    """Create an inactive account and e-mail its confirmation link (after commit). For an
    address that already has an active account, mail that person instead; returns None."""
    email = _check_email(email)
    try:
        password_validation.validate_password(password, User(email=email))
    except ValidationError as exc:
        raise ValidationError({"password1": exc.messages}) from None
    user = User.objects.select_for_update().filter(email=email).first()
    # At most one mail per address every ten minutes: the form cannot be used to flood
    # someone's mailbox (the cache is per process unless a shared one is configured).
    may_mail = cache.add(f"signup-mail:{email}", 1, timeout=MAIL_INTERVAL_S)
    if user is not None and (user.is_active or user.last_login is not None):
        known_id = user.pk
        if may_mail:
            transaction.on_commit(lambda: send_signup_email(known_id, ""))
        return None
    if user is None:
        user = User.objects.create_user(email=email, password=password, is_active=False)
    else:  # signed up before without confirming: new password, new link
        user.set_password(password)
        user.save(update_fields=["password"])
    audit_record(actor=user, action="account.signup", obj=user, object_repr=f"compte n° {user.pk}")
    user_id = user.pk
    if may_mail:
        transaction.on_commit(lambda: send_signup_email(user_id, next_url or "/"))
    return user


@transaction.atomic
def citizen_verify(*, token: str) -> tuple[User, str]:
    """Activate the account named by a valid link and give it the citizen role."""
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_VALIDITY_S)
    except signing.SignatureExpired:
        raise ValidationError(
            "Ce lien a expiré : inscrivez-vous de nouveau pour en recevoir un autre."
        ) from None
    except signing.BadSignature:
        raise ValidationError(
            "Ce lien n'est pas valide : copiez-le en entier depuis le courriel."
        ) from None
    user = User.objects.select_for_update().filter(pk=data.get("u"), email=data.get("e")).first()
    if user is None:
        raise ValidationError("Ce lien ne correspond à aucun compte en attente.")
    if user.is_active:
        raise ValidationError("Votre adresse est déjà confirmée : connectez-vous.")
    user.is_active = True
    user.save(update_fields=["is_active"])
    Membership.objects.get_or_create(user=user, role=Role.CITIZEN, commune=None, module="")
    audit_record(actor=user, action="account.verify", obj=user, object_repr=f"compte n° {user.pk}")
    return user, str(data.get("n") or "/")


@db_task(retries=3, retry_delay=300)
def send_signup_email(user_id: int, next_url: str) -> None:
    """The confirmation link, or (``next_url`` empty) a notice that the address already has
    an account."""
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return
    known = not next_url
    if not known and user.is_active:
        return  # confirmed meanwhile
    body = render_to_string(
        "core/auth/signup_email.txt",
        {
            "known": known,
            "link": "" if known else signup_link(user, next_url),
            "reset": f"{settings.BASE_URL}{reverse('core:password_reset')}",
            "settings": settings,
        },
    )
    send_mail(
        f"Votre inscription sur {settings.PLATFORM_NAME}",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )


@db_periodic_task(crontab(hour="3", minute="41"))
def purge_unconfirmed_signups() -> int:
    """Erase sign-ups never confirmed within a week (data minimisation). Only accounts that
    were never active: no login, no role."""
    from datetime import timedelta

    from django.utils import timezone

    cutoff = timezone.now() - timedelta(days=7)
    stale = User.objects.filter(
        is_active=False, last_login=None, date_joined__lt=cutoff, memberships=None
    )
    with transaction.atomic():
        count = stale.count()
        if count:
            stale.delete()
            audit_record(
                actor=None,
                action="account.purge_unconfirmed",
                object_repr=f"{count} inscription(s)",
                changes={"count": count},
            )
    return count


# --- form and views ------------------------------------------------------------------------


class SignupForm(AccessibleFormMixin, forms.Form):
    email = forms.EmailField(
        label="Adresse électronique",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="Format attendu : nom@domaine.fr. Un lien de confirmation y sera envoyé.",
    )
    password1 = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=" ".join(password_validation.password_validators_help_texts()),
    )
    password2 = forms.CharField(
        label="Confirmation du mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("password1")
            and data.get("password2")
            and data["password1"] != data["password2"]
        ):
            self.add_error("password2", "Les deux mots de passe ne sont pas identiques.")
        return data


def _safe_next(request: HttpRequest, value: str) -> str:
    ok = url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()})
    return value if ok and value.startswith("/") else ""


def signup(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    form = SignupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            citizen_signup(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                next_url=next_url,
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, messages)
        else:
            return redirect("core:signup_sent")
    return render(
        request,
        "core/auth/signup.html",
        {"form": form, "next": next_url, "breadcrumbs": crumbs(("Créer un compte", None))},
    )


def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/auth/signup_sent.html",
        {"breadcrumbs": crumbs(("Créer un compte", None))},
    )


def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm on POST only: mail scanners that open links must not activate accounts."""
    error = ""
    if request.method == "POST":
        try:
            user, next_url = citizen_verify(token=token)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(_safe_next(request, next_url) or "core:my_space")
    return render(
        request,
        "core/auth/signup_confirm.html",
        {"error": error, "breadcrumbs": crumbs(("Confirmer mon adresse", None))},
        status=400 if error else 200,
    )
