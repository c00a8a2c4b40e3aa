"""Background work of the sensor hub."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task(retries=3, retry_delay=60)
def send_downlink(downlink_id: int) -> None:
    """Hand a downlink to its network server; retried when the server is unreachable."""
    from territoire.sensors.downlinks import downlink_send

    downlink_send(downlink_id)


@db_periodic_task(crontab(hour="4", minute="7"))
def purge_old_readings() -> None:
    """Raw readings older than SENSORS_RAW_RETENTION_DAYS go; rollups stay (they are what
    pages and the API read)."""
    from territoire.sensors.models import Reading

    limit = timezone.now() - timedelta(days=settings.SENSORS_RAW_RETENTION_DAYS)
    Reading.objects.filter(at__lt=limit).delete()
