"""Background work of automations: the schedule sweep, every minute."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from territoire.automations.engine import run_schedules


@db_periodic_task(crontab(minute="*"))
def automations_schedule_sweep() -> int:
    return run_schedules()
