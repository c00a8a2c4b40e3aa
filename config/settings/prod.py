"""Production: every secret from the environment, HTTPS only."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    PROD_HSTS_PRELOAD,
    PROD_HSTS_SECONDS,
    PROD_HSTS_SUBDOMAINS,
    PROD_RIGHTS_WARM_UP,
    PROD_SSL_REDIRECT,
    SECRET_KEY,
    STORAGES,
    VAR_DIR,
)

if not SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("TERRITOIRE_SECRET_KEY must be set (at least 50 characters).")

DEBUG = False
SECURE_SSL_REDIRECT = PROD_SSL_REDIRECT
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = PROD_HSTS_SECONDS
SECURE_HSTS_INCLUDE_SUBDOMAINS = PROD_HSTS_SUBDOMAINS
SECURE_HSTS_PRELOAD = PROD_HSTS_PRELOAD
SESSION_COOKIE_SECURE = True
RIGHTS_WARM_UP = PROD_RIGHTS_WARM_UP
CSRF_COOKIE_SECURE = True
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
VAR_DIR.mkdir(parents=True, exist_ok=True)

# HSTS for sub-domains and preload is opt-in (above); the deployment check would otherwise
# warn about the choice we made on purpose.
SILENCED_SYSTEM_CHECKS = ([] if PROD_HSTS_SUBDOMAINS else ["security.W005"]) + (
    [] if PROD_HSTS_PRELOAD else ["security.W021"]
)
