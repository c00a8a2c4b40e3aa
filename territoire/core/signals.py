"""Authentication events from django.contrib.auth and django-axes, recorded in the audit log.
These receivers only record; they hold no business rule."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from territoire.core.services import security_event_record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    security_event_record(action="auth.login", user=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        security_event_record(action="auth.logout", user=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    identifier = str(credentials.get("username") or credentials.get("email") or "")[:254]
    security_event_record(action="auth.login_failed", identifier=identifier)


@receiver(user_locked_out)
def _locked_out(sender, request, username=None, ip_address=None, **kwargs):
    security_event_record(
        action="auth.lockout", identifier=str(username or "")[:254], detail=str(ip_address or "")
    )
