"""Authentication events from django.contrib.auth and django-axes. These receivers only
record: attempts on an existing account go to the audit log (the account holder and their
administrators can see them); attempts on unknown addresses only to the security log, so that
nobody can fill the permanent audit log, or keep there what people mistype."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from territoire.core.auth import client_ip, security_log
from territoire.core.models import User
from territoire.core.services import security_event_record


def _account(identifier: str | None) -> User | None:
    email = str(identifier or "").strip().lower()
    return User.objects.filter(email=email).first() if email else None


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    security_event_record(action="auth.login", actor=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        security_event_record(action="auth.logout", actor=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    account = _account(credentials.get("username"))
    if account is not None:
        security_event_record(action="auth.login_failed", subject=account)
    else:
        address = client_ip(request) if request is not None else None
        security_log.info("login failed for an unknown address from %s", address)


@receiver(user_locked_out)
def _locked_out(sender, request, username=None, ip_address=None, **kwargs):
    account = _account(username)
    if account is not None:
        security_event_record(
            action="auth.lockout", subject=account, detail=f"adresse IP {ip_address or '?'}"
        )
    security_log.warning("login locked out for %r from %s", username, ip_address)
