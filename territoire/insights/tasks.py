"""Background work of the insights module: alert e-mails, the silent-device sweep and the
daily noise check."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task(retries=3, retry_delay=120)
def mail_alert(alert_id: int) -> None:
    """E-mail the commune's subscribers about a new alert."""
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string

    from territoire.core.models import User
    from territoire.insights.models import Alert, Subscription

    alert = Alert.objects.select_related("commune").filter(pk=alert_id).first()
    if alert is None:
        return
    emails = list(
        User.objects.filter(
            pk__in=Subscription.objects.filter(commune_id=alert.commune_id).values("user_id"),
            is_active=True,
        ).values_list("email", flat=True)
    )
    if not emails:
        return
    body = render_to_string("insights/alert_email.txt", {"alert": alert, "settings": settings})
    EmailMessage(
        f"[{alert.commune.name}] {alert.title}",
        body,
        settings.DEFAULT_FROM_EMAIL,
        to=[str(settings.DEFAULT_FROM_EMAIL)],
        bcc=emails,
    ).send()


@db_periodic_task(crontab(minute="*/5"))
def sweep_silent_devices() -> None:
    """Devices quiet for longer than their rule allows (every 5 minutes)."""
    from territoire.insights.alerting import check_silent_devices

    check_silent_devices()


@db_periodic_task(crontab(minute="20"))
def check_noise_days() -> None:
    """Lden/Lnight of the noise day that ended at 06:00 local, against the noise rules.
    Hourly at :20 (the 05:00–06:00 readings are in by then); idempotent, so it acts once a
    day and catches up after the worker was stopped."""
    from territoire.insights.alerting import check_noise_days as check

    check()


@db_periodic_task(crontab(minute="1"))
def warm_dashboards() -> None:
    """The day-long figures of the dashboards and the summary (a year of counts, the
    buildings' last year, the DJU), recomputed every hour into the shared cache for the
    whole territory and each commune with sensors, so that the first view of the day does
    not pay for them (ADR 0007)."""
    from territoire.insights.dashboards import warm
    from territoire.sensors.models import Device

    communes = set(Device.objects.values_list("commune_id", flat=True).distinct())
    warm([None, *({c} for c in sorted(communes))])
