"""Tests: fast hashing, in-memory mail, tasks run inline. The database comes from
TERRITOIRE_DATABASE_URL (SQLite by default), so the same suite runs on PostgreSQL."""

from .base import *  # noqa: F403
from .base import HUEY, VAR_DIR

DEBUG = False
SECRET_KEY = "test-only-not-secret"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
HUEY["immediate"] = True
VAR_DIR.mkdir(parents=True, exist_ok=True)
