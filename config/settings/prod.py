"""Production: every secret from the environment, HTTPS only."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import PROD_HSTS_SECONDS, PROD_SSL_REDIRECT, SECRET_KEY, STORAGES

if not SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("TERRITOIRE_SECRET_KEY must be set (at least 50 characters).")

DEBUG = False
SECURE_SSL_REDIRECT = PROD_SSL_REDIRECT
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = PROD_HSTS_SECONDS
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
