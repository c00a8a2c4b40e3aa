"""Periodic jobs of the core. Each module registers its own in its ``tasks.py``: Huey's
Django integration imports every installed app's ``tasks`` module at start-up."""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessAttempt
from django.core.management import call_command
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="3", minute="17"))
def purge_expired_sessions_and_attempts() -> None:
    """Drop expired sessions and login attempts older than 30 days (data minimisation)."""
    call_command("clearsessions")
    AccessAttempt.objects.filter(attempt_time__lt=timezone.now() - timedelta(days=30)).delete()
