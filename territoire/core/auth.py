"""Authentication plumbing shared by django-axes, the audit log and the views: who the client
is (address behind trusted proxies), which account a login attempt targets, and the lockout
answer."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

security_log = logging.getLogger("territoire.security")


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind N trusted reverse proxies (TERRITOIRE_TRUSTED_PROXIES),
    it is the N-th address from the right of X-Forwarded-For; otherwise REMOTE_ADDR. Trusting
    the header without a proxy would let anyone choose their address (and dodge lockouts)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def login_identifier(request: HttpRequest, credentials: dict | None = None) -> str:
    """The account a login attempt targets, as django-axes counts it: the e-mail address,
    lower-cased so that "Agent@Arras.fr" and "agent@arras.fr" are one account."""
    source = credentials if credentials is not None else request.POST
    return str(source.get(settings.AXES_USERNAME_FORM_FIELD) or "").strip().lower()[:254]


def lockout_response(
    request: HttpRequest, original_response=None, credentials: dict | None = None
) -> HttpResponse:
    """The page shown when django-axes refuses a login: the login form again, with the
    address typed kept and the reason, so that a person can wait or reset the password."""
    from territoire.core.forms import LoginForm

    email = login_identifier(request, credentials)
    form = LoginForm(request, initial={"username": email})
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "core/auth/lockout.html",
        {"form": form, "minutes": minutes, "email": email},
        status=429,
    )


def secret_digest(secret: str) -> str:
    """What is stored of a machine secret (API key, network-server integration). The secrets
    are 256-bit random strings, so a plain SHA-256 suffices: there is no dictionary to fear."""
    return hashlib.sha256(secret.encode()).hexdigest()
