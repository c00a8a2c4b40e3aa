"""Background work: the periodic job of the core, and the choice of Huey storage."""

import os
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from territoire.core.tasks import purge_expired_sessions_and_attempts


@pytest.mark.django_db
def test_nightly_purge_drops_expired_sessions_and_old_login_attempts():
    now = timezone.now()
    Session.objects.create(session_key="old", session_data="", expire_date=now - timedelta(1))
    Session.objects.create(session_key="live", session_data="", expire_date=now + timedelta(1))
    for key, age in (("old", 40), ("recent", 2)):
        attempt = AccessAttempt.objects.create(
            username=key,
            ip_address="127.0.0.1",
            user_agent="",
            get_data="",
            post_data="",
            http_accept="",
            path_info="/connexion/",
            failures_since_start=1,
        )
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=now - timedelta(age))
    purge_expired_sessions_and_attempts.call_local()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["recent"]


def test_the_purge_runs_every_night_at_3_17():
    def due(hour, minute):
        moment = datetime(2026, 11, 27, hour, minute)
        return {task.name.rsplit(".", 1)[-1] for task in HUEY.read_periodic(moment)}

    assert "purge_expired_sessions_and_attempts" in due(3, 17)
    assert "purge_expired_sessions_and_attempts" not in due(12, 0)


@pytest.mark.parametrize(
    ("redis_url", "expected"), [("", "SqliteHuey"), ("redis://127.0.0.1:6379/0", "RedisHuey")]
)
def test_huey_storage_is_sqlite_by_default_and_redis_when_configured(redis_url, expected):
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.HUEY['huey_class'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "TERRITOIRE_REDIS_URL": redis_url,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip().endswith(expected), result.stderr
