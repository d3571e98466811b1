"""Vermilion settings.

Everything an operator may change comes from ``VERMILION_*`` environment variables, with
defaults that make the embedded mode (one machine, no services) work out of the box:

VERMILION_DATA_DIR        where the SQLite file, media and the generated secret key live (./var)
VERMILION_DATABASE_URL    e.g. postgres://user@127.0.0.1:5432/vermilion (default: SQLite file)
VERMILION_REDIS_URL       e.g. redis://127.0.0.1:6379/0 (default: in-process cache)
VERMILION_SECRET_KEY      default: generated once and kept in DATA_DIR/secret_key
VERMILION_DEBUG           "1"/"true" turns debug on (off by default)
VERMILION_ALLOWED_HOSTS   comma separated (default: localhost, 127.0.0.1, [::1])
VERMILION_STORAGE         "local" (default) or "s3"
VERMILION_S3_*            bucket, endpoint, region, keys, custom domain (see README)
VERMILION_SECURE_COOKIES  "1" behind HTTPS: secure cookies and HSTS
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"VERMILION_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return int(value) if value else default


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env("DATA_DIR", "./var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    configured = env("SECRET_KEY")
    if configured:
        return configured
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # Written once with owner-only permissions; kept across restarts so sessions survive.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = [
    h.strip() for h in (env("ALLOWED_HOSTS") or "localhost,127.0.0.1,[::1]").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in (env("CSRF_TRUSTED_ORIGINS") or "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "vermilion.core",
    "vermilion.accounts",
    "vermilion.media",
    "vermilion.notes",
    "vermilion.engagement",
    "vermilion.notifications",
    "vermilion.feed",
    "vermilion.search",
    "vermilion.api",
    "vermilion.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "vermilion.web.middleware.UserLanguageMiddleware",
    "vermilion.web.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "vermilion.urls"
ASGI_APPLICATION = "vermilion.asgi.application"
WSGI_APPLICATION = "vermilion.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "vermilion.web.context.navigation",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Under ASGI each request runs on a fresh thread, so per-thread persistent
        # connections are never reused (measured: one new PostgreSQL session per request).
        # A process-wide pool is (psycopg_pool; VERMILION_DB_POOL_SIZE per web process).
        DATABASES["default"]["OPTIONS"] = {
            "pool": {"min_size": 1, "max_size": env_int("DB_POOL_SIZE", 10), "timeout": 10},
            # The hot paths' hand-written statements (``core.sql``) are prepared by each
            # connection after a few uses and not planned again (the ORM's are sent with
            # their parameters in the text and never are). Off (VERMILION_DB_PREPARED=0)
            # behind a pooler that cannot keep prepared statements (PgBouncer's
            # transaction mode without ``max_prepared_statements``).
            "prepare_threshold": 2 if env_bool("DB_PREPARED", True) else None,
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "vermilion.sqlite3",
            "OPTIONS": {
                # IMMEDIATE takes the write lock when a transaction starts, so two writers
                # queue on busy_timeout instead of failing with "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA cache_size=-20000;"
                ),
            },
            # The web server's threads live on (vermilion.core.asgi) and keep their
            # connection, its parsed schema and its page cache from request to request.
            "CONN_MAX_AGE": None,
        }
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
# Threads that run the web server's sync code (views, the ORM), each keeping its database
# connection; a request waits when all are busy. 0: Django's own ASGI handler (a new thread
# and connection per request).
WEB_THREADS = env_int("WEB_THREADS", 8)
# Web server processes on this database (``vermilion serve --workers`` sets it). With one,
# and no Redis, a request's discover feed state is kept in the process's memory and written
# to the database after the response (``feed.discover.save_state``); with more, at once.
WEB_PROCESSES = env_int("WEB_PROCESSES", 1)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- cache, counters, rate limits -----------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_PREFIX", "vermilion"),
        }
    }
else:
    # One process's memory. Django's default of 300 entries is far too few for the
    # discover feed, which keeps a few per active reader (their profile, their followed
    # creators' notes, per channel): past it the least recently used go, shared first pages
    # among them, and were put together again on request (measured with 100 readers).
    # 5,000 entries hold several hundred active readers' (up to ~100 MB at a million notes).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 5000)},
        }
    }

# --- passwords ------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
# Front-end packages come from npm (package.json + lockfile; `make` runs `npm ci`). Only the
# built files we use are exposed as static files, under vendor/<package>/.
NODE_MODULES = Path(env("NODE_MODULES", str(BASE_DIR.parent / "node_modules")))
STATICFILES_DIRS = [
    (f"vendor/{name}", NODE_MODULES / package / sub)
    for name, package, sub in [
        ("htmx", "htmx.org", "dist"),
        ("alpinejs", "@alpinejs/csp", "dist"),
        ("sortablejs", "sortablejs", ""),
        ("blurhash", "blurhash", "dist/esm"),
        ("hls", "hls.js", "dist"),
        ("tus", "tus-js-client", "dist"),
    ]
    if (NODE_MODULES / package / sub).is_dir()
]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing folder before collectstatic
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"

STORAGE_BACKEND = env("STORAGE", "local")
if STORAGE_BACKEND == "s3":
    _s3_options = {
        "bucket_name": env("S3_BUCKET", "vermilion"),
        "endpoint_url": env("S3_ENDPOINT_URL"),
        "region_name": env("S3_REGION", "us-east-1"),
        "access_key": env("S3_ACCESS_KEY_ID"),
        "secret_key": env("S3_SECRET_ACCESS_KEY"),
        "custom_domain": env("S3_CUSTOM_DOMAIN"),  # a CDN in front of the bucket
        "file_overwrite": False,
        "default_acl": None,
        "querystring_auth": False,
    }
    STORAGES = {
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _s3_options},
        # Originals are never public: a separate prefix, signed URLs only.
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **_s3_options,
                "location": "private",
                "querystring_auth": True,
                "custom_domain": None,
            },
        },
    }
else:
    STORAGES = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
        },
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": DATA_DIR / "private", "base_url": None},
        },
    }
STORAGES["staticfiles"] = {
    "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
    if not DEBUG
    else "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# The app serves local media itself in the embedded mode (no web server in front).
SERVE_MEDIA = STORAGE_BACKEND == "local"

# --- uploads --------------------------------------------------------------------------------
MAX_IMAGE_UPLOAD_BYTES = env_int("MAX_IMAGE_UPLOAD_BYTES", 20 * 1024 * 1024)
MAX_IMAGE_PIXELS = env_int("MAX_IMAGE_PIXELS", 50_000_000)
# Videos: the largest file (resumable uploads) and the longest running time accepted.
MAX_VIDEO_UPLOAD_BYTES = env_int("MAX_VIDEO_UPLOAD_BYTES", 500 * 1024 * 1024)
MAX_VIDEO_SECONDS = env_int("MAX_VIDEO_SECONDS", 15 * 60)
# The font of the video editor's texts ("path" or "path#face" for a .ttc); empty: the first
# CJK font found where Linux distributions and macOS put one (media/edits.py).
VIDEO_FONT = env("VIDEO_FONT", "") or ""
UPLOAD_EXPIRY_HOURS = env_int("UPLOAD_EXPIRY_HOURS", 24)  # unfinished resumable uploads
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = None

# --- background jobs ------------------------------------------------------------------------
# Run jobs inline when they are enqueued (tests of callers that don't care about the queue).
JOBS_EAGER = env_bool("JOBS_EAGER")
JOBS_LEASE_SECONDS = env_int("JOBS_LEASE_SECONDS", 300)
JOBS_MAX_ATTEMPTS = env_int("JOBS_MAX_ATTEMPTS", 5)
JOBS_POLL_SECONDS = float(env("JOBS_POLL_SECONDS", "0.5"))
# CPU priority of ``vermilion worker`` (``nice``: 0-19; 0 leaves it as started). Where web
# server and worker share cores (``vermilion serve``; a small scaled box), a request then
# gets the CPU as soon as it is ready instead of queueing behind a job's slice; with cores
# to spare it changes nothing (docs/jobs.md).
WORKER_NICE = max(0, min(19, env_int("WORKER_NICE", 10)))

# --- discover feed --------------------------------------------------------------------------
# Put each signed-in reader's next page together in the background after a page is served
# (``feed.prepare``), so that asking for it is a few reads by key (docs/feed.md).
FEED_PREPARED_PAGES = env_bool("FEED_PREPARED_PAGES", True)

# The hottest list endpoints encode their presented dicts directly (vermilion.api.responses);
# on, each such response is also checked against its schema the way ninja would (tests).
API_CHECK_PRESENTED = env_bool("API_CHECK_PRESENTED")

# --- rate limits (requests per window) ------------------------------------------------------
RATE_LIMITS_ENABLED = env_bool("RATE_LIMITS", True)
RATE_LIMITS = {
    "signup": (5, 3600),  # per client address
    "signin": (10, 300),  # per client address + username
    "write": (120, 60),  # per user
    "upload": (60, 3600),  # per user
    "events": (60, 60),  # batches of feed events per user
    "search": (60, 60),  # searches per user or client address
    "suggest": (300, 60),  # suggestions while typing, per user or client address
}
# How many proxies in front of the app may set X-Forwarded-For (0: trust none).
NUM_PROXIES = env_int("NUM_PROXIES", 0)

# --- security headers -----------------------------------------------------------------------
# Scripts only from our own origin (no inline scripts, no eval: Alpine's CSP build, htmx with
# eval off). Inline style attributes are allowed for per-image aspect ratios and colours.
CSP_MEDIA_ORIGINS = [o for o in (env("CSP_MEDIA_ORIGINS") or "").split(",") if o]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if env_bool("SECURE_COOKIES"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGIN_URL = "/signin"

NINJA_PAGINATION_PER_PAGE = 20

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
