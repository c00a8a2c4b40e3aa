"""Background work of the rights module: the batch scan of a pooled import, and the daily
purge of pooled data and saved simulations past their retention date."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def scan_import_task(import_id: int) -> int:
    from territoire.rights.services import scan_import

    return scan_import(import_id)


@db_periodic_task(crontab(hour="3", minute="41"))
def purge_expired_task() -> int:
    from territoire.rights.services import purge_expired

    return purge_expired()
