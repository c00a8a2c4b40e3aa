"""Production: every secret from the environment, HTTPS only."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int

from .base import *  # noqa: F403
from .base import SECRET_KEY, STORAGES

if not SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("TERRITOIRE_SECRET_KEY must be set (at least 50 characters).")

DEBUG = False
SECURE_SSL_REDIRECT = env_bool(
    "TERRITOIRE_SSL_REDIRECT", True, "Redirect HTTP to HTTPS (off only behind a TLS proxy)."
)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("TERRITOIRE_HSTS_SECONDS", 31536000, "HSTS max-age in seconds.")
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
