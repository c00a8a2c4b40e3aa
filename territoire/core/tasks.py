"""Periodic jobs of the core. Each module registers its own in its ``tasks.py``: Huey's
Django integration imports every installed app's ``tasks`` module at start-up."""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessAttempt
from django.core.management import call_command
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

# The worker imports each app's ``tasks`` module only: importing the sign-up module here
# registers its e-mail and purge tasks.
from territoire.core import signup  # noqa: F401


@db_periodic_task(crontab(hour="3", minute="17"))
def purge_expired_sessions_and_attempts() -> None:
    """Drop expired sessions and login attempts older than 30 days (data minimisation)."""
    call_command("clearsessions")
    AccessAttempt.objects.filter(attempt_time__lt=timezone.now() - timedelta(days=30)).delete()


@db_task(retries=3, retry_delay=300)
def send_welcome_email(user_id: int) -> None:
    """E-mail an invited person the link to choose a password; retried if the mail server
    fails."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    from territoire.core.models import User
    from territoire.core.services import welcome_link

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.has_usable_password():
        return  # gone, or already chose a password: nothing to send
    body = render_to_string(
        "core/auth/welcome_email.txt",
        {"user": user, "link": welcome_link(user), "settings": settings},
    )
    send_mail(
        f"Votre accès à {settings.PLATFORM_NAME}", body, settings.DEFAULT_FROM_EMAIL, [user.email]
    )
