"""Settings shared by every environment. Values that differ come from the environment
(see config/env.py and docs/env.md)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(
    env_str("TERRITOIRE_VAR_DIR", str(BASE_DIR / "var"), "Directory for SQLite files and uploads.")
    or BASE_DIR / "var"
)

SECRET_KEY = env_str(
    "TERRITOIRE_SECRET_KEY",
    None,
    "Django secret key. Required in production; development settings use a fixed local key.",
)
DEBUG = env_bool("TERRITOIRE_DEBUG", False, "Show debug pages. Never in production.")
ALLOWED_HOSTS = env_list(
    "TERRITOIRE_ALLOWED_HOSTS", ["127.0.0.1", "localhost"], "Host names the platform answers to."
)
CSRF_TRUSTED_ORIGINS = env_list(
    "TERRITOIRE_CSRF_TRUSTED_ORIGINS", [], "Origins (scheme://host) trusted for POST requests."
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "axes",
    "csp",
    "huey.contrib.djhuey",
    "ninja",
    "territoire.core",
    "territoire.sensors",
    "territoire.automations",
    "territoire.participation",
    "territoire.governance",
    "territoire.knowledge",
    "territoire.procedures",
    "territoire.rights",
    "territoire.insights",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "territoire.core.problems.ApiProblemMiddleware",
    "territoire.core.problems.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "territoire.core.audit.AuditContextMiddleware",
    # Last, so that it sees the outcome of authentication for lockouts.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "territoire.core.context_processors.platform",
            ],
        },
    },
]

FORM_RENDERER = "territoire.core.forms.FormRenderer"
CSRF_FAILURE_VIEW = "territoire.core.views.csrf_failure"

# SQLite (WAL, see territoire.core.apps) by default; PostgreSQL through DATABASE_URL.
_default_db = f"sqlite:///{VAR_DIR / 'territoire.sqlite3'}"
DATABASE_URL = env_str(
    "TERRITOIRE_DATABASE_URL",
    _default_db,
    "Database URL, e.g. postgres://user@127.0.0.1:5432/territoire. Default: SQLite in var/.",
)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL or _default_db, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Connections are kept (per thread), so the PRAGMAs below run once per connection and not
    # at every request, where setting the journal mode contends for the database lock.
    # A page cache of up to 64 MB per connection (SQLite's default is 2 MB), filled only with
    # pages actually read: ingestion writes into indexes (messages' unique keys, readings)
    # whose hot pages outgrow 2 MB quickly, and each miss is a system call (≈ 15 % of the
    # cost of storing an uplink, docs/benchmarks.md).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    # axes first: it refuses a locked-out login before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "territoire.core.passwords.CharacterClassValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:my_space"
LOGOUT_REDIRECT_URL = "core:home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day

# Lockout after repeated failures (django-axes), per account and address.
AXES_FAILURE_LIMIT = env_int(
    "TERRITOIRE_LOGIN_FAILURE_LIMIT", 5, "Failed logins before an account/address is locked out."
)
AXES_COOLOFF_TIME = timedelta(
    minutes=env_int("TERRITOIRE_LOGIN_COOLOFF_MINUTES", 15, "Minutes a lockout lasts.")
)
# A town hall shares one address among its agents: lock the (account, address) pair only.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"  # the login form's field (it holds the e-mail)
AXES_LOCKOUT_CALLABLE = "territoire.core.auth.lockout_response"
AXES_USERNAME_CALLABLE = "territoire.core.auth.login_identifier"
AXES_CLIENT_IP_CALLABLE = "territoire.core.auth.client_ip"
TRUSTED_PROXY_COUNT = env_int(
    "TERRITOIRE_TRUSTED_PROXIES",
    0,
    "Number of reverse proxies in front of the platform whose X-Forwarded-For is trusted "
    "(0: use the connection's address).",
)
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Read here so that docs/env.md lists them; applied by config.settings.prod only.
PROD_SSL_REDIRECT = env_bool(
    "TERRITOIRE_SSL_REDIRECT",
    True,
    "Production: redirect HTTP to HTTPS (off only behind a proxy that already does).",
)
PROD_HSTS_SECONDS = env_int(
    "TERRITOIRE_HSTS_SECONDS", 31536000, "Production: HSTS max-age in seconds."
)
# Sub-domains and preload lists are commitments for the whole domain of a collectivité:
# opt-in only.
PROD_HSTS_SUBDOMAINS = env_bool(
    "TERRITOIRE_HSTS_INCLUDE_SUBDOMAINS", False, "Production: HSTS includeSubDomains."
)
PROD_HSTS_PRELOAD = env_bool("TERRITOIRE_HSTS_PRELOAD", False, "Production: HSTS preload.")
# Web workers only (config/wsgi.py), never manage.py or tests: OpenFisca-France loaded and one
# simulation run before the first request, so the first citizen does not wait for it.
RIGHTS_WARM_UP = False
PROD_RIGHTS_WARM_UP = env_bool(
    "TERRITOIRE_RIGHTS_WARM_UP",
    True,
    "Production: load OpenFisca-France when a web worker starts (a few seconds more at "
    "start; the first simulation then answers as fast as the next ones).",
)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# No inline script or style anywhere: every script and stylesheet is a static file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# static/ is built from frontend/ and node_modules by scripts/build_assets.py, never committed.
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_BACKEND = env_str(
    "TERRITOIRE_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend",
    "Django e-mail backend (development uses the console backend).",
)
EMAIL_HOST = env_str("TERRITOIRE_EMAIL_HOST", "localhost", "SMTP host.")
EMAIL_PORT = env_int("TERRITOIRE_EMAIL_PORT", 25, "SMTP port.")
EMAIL_HOST_USER = env_str("TERRITOIRE_EMAIL_HOST_USER", "", "SMTP user.")
EMAIL_HOST_PASSWORD = env_str("TERRITOIRE_EMAIL_HOST_PASSWORD", "", "SMTP password.")
EMAIL_USE_TLS = env_bool("TERRITOIRE_EMAIL_USE_TLS", False, "Use STARTTLS for SMTP.")
DEFAULT_FROM_EMAIL = env_str(
    "TERRITOIRE_DEFAULT_FROM_EMAIL",
    "Territoire <ne-pas-repondre@territoire.local>",
    "Sender of the platform's e-mails.",
)

# Background work: Huey on SQLite by default, on Redis when a URL is given.
REDIS_URL = env_str(
    "TERRITOIRE_REDIS_URL", None, "Redis URL for Huey, e.g. redis://127.0.0.1:6379/0"
)
HUEY_IMMEDIATE = env_bool(
    "TERRITOIRE_HUEY_IMMEDIATE", False, "Run tasks inline instead of in the worker (tests)."
)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": "territoire",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "territoire",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
    }
HUEY["consumer"] = {"workers": 2, "worker_type": "thread"}

# Shared cache (ADR 0007): the granian workers, the Huey worker (which warms the dashboards'
# day-long figures) and the management commands must see the same entries. Files under
# var/cache by default (works across processes of one machine, nothing to start or create:
# `make run` as it is); Redis when TERRITOIRE_REDIS_URL is set (several machines).
CACHES: dict[str, dict[str, object]]
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    }

# Sensor hub: how long raw readings are kept (rollups are kept for good).
SENSORS_RAW_RETENTION_DAYS = env_int(
    "TERRITOIRE_SENSORS_RAW_RETENTION_DAYS", 400, "Days raw sensor readings are kept."
)

# Platform identity shown in the shell.
TERRITORY_NAME = "Communauté Urbaine d'Arras"
TERRITORY_SHORT_NAME = "CUA"
TERRITORY_SIREN = "200033579"
PLATFORM_NAME = "Territoire"
BASE_URL = (
    env_str(
        "TERRITOIRE_BASE_URL",
        "http://127.0.0.1:8000",
        "Public address of the platform, for links in e-mails (no trailing slash).",
    )
    or "http://127.0.0.1:8000"
).rstrip("/")
ACCESSIBILITY_STATUS = "non conforme"
CONTACT_EMAIL = env_str(
    "TERRITOIRE_CONTACT_EMAIL",
    "numerique@territoire.local",
    "Contact address shown in the legal pages and the accessibility statement.",
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"axes": {"level": "WARNING"}, "territoire.security": {"level": "INFO"}},
}

# Citizen participation: proposal photos are kept outside the web root and served by a view
# that checks the proposal is visible; the proposals map draws points on a plain background
# unless a tile server is named (none by default: nothing is fetched from outside).
PARTICIPATION_MEDIA_ROOT = Path(
    env_str(
        "TERRITOIRE_PARTICIPATION_MEDIA_ROOT",
        str(VAR_DIR / "participation-media"),
        "Directory of the photos of participation proposals (not served as static files).",
    )
    or VAR_DIR / "participation-media"
)
PARTICIPATION_EDIT_MINUTES = env_int(
    "TERRITOIRE_PARTICIPATION_EDIT_MINUTES",
    60,
    "Minutes during which a participant may edit their own proposal, debate or comment.",
)
# Maps (participation proposals, sensor insights): no tile server by default — points on a
# plain background, nothing fetched from outside. A tile URL template (e.g. IGN's Plan IGN)
# shows a background map; its host is then allowed in the content security policy.
MAP_TILE_URL = env_str(
    "TERRITOIRE_MAP_TILE_URL",
    "",
    "Tile URL template for every map, e.g. https://tiles.example/{z}/{x}/{y}.png "
    "(empty: points on a plain background, no request outside the platform).",
)
MAP_TILE_ATTRIBUTION = env_str(
    "TERRITOIRE_MAP_TILE_ATTRIBUTION",
    "",
    "Attribution shown under the maps when a tile URL is set.",
)
if MAP_TILE_URL:
    # The tiles are images from that host ("{s}." subdomains: any of them).
    _tiles = urlsplit(MAP_TILE_URL.replace("{s}.", "*."))
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(f"{_tiles.scheme}://{_tiles.netloc}")
