"""Tests: fast hashing, in-memory mail, tasks run inline. The database comes from
TERRITOIRE_DATABASE_URL (SQLite by default), so the same suite runs on PostgreSQL."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, HUEY, VAR_DIR

DEBUG = False
SECRET_KEY = "test-only-not-secret"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
HUEY["immediate"] = True
VAR_DIR.mkdir(parents=True, exist_ok=True)

# A file rather than memory, so that a test can hand the database to another process (the
# MQTT consumer killed with SIGKILL in the reliability test).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One file per test session, so that concurrent sessions never share a database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-territoire-{os.getpid()}.sqlite3")}

# Tests: a per-process memory cache (concurrent test sessions must not clear each other's
# files; production's shared cache is in base.py, ADR 0007).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
