"""The one settings module. Every value comes from the environment; see README."""

from __future__ import annotations

import json
from pathlib import Path

import environ

from config.env import env_bool, env_int, env_list, env_secret, env_str
from prachum.core.private_files import (
    PRIVATE_DIR_MODE,
    PRIVATE_FILE_MODE,
    prepare_sqlite_file,
    private_dir,
    restrict_umask,
)

# What Prachum writes (database, mail, keys, packages, recordings) is for its own user
# only: files 0600, folders 0700 (issue 15, F4; prachum/core/private_files.py).
restrict_umask()
BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = private_dir(Path(env_str("PRACHUM_VAR_DIR", str(BASE_DIR / "var"))))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret("SECRET_KEY", file_default=VAR_DIR / "secrets" / "secret_key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "ninja",  # its Swagger UI from local static files, not a CDN (issue 15, F9)
    "django_tasks",
    "django_tasks_db",
    "prachum.core",
    "prachum.evidence",
    "prachum.accounts",
    "prachum.committees",
    "prachum.meetings",
    "prachum.notices",
    "prachum.attendance",
    "prachum.room",
    "prachum.voting",
    "prachum.media",
    "prachum.retention",
    "prachum.minutes",
    "prachum.allowances",
    "prachum.telephony",
    "prachum.archive",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "prachum.core.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "prachum.accounts.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "prachum.accounts.middleware.SessionFreshnessMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

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
                "django.template.context_processors.i18n",
                "prachum.core.context_processors.demo_mode",
            ],
        },
    },
]

_env = environ.Env()
DATABASES = {
    "default": _env.db_url(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'prachum.sqlite3'}"
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for the worker's write lock instead of failing at once. A transaction takes
    # the write lock when it begins (IMMEDIATE): a deferred one that reads and then
    # writes while another connection writes (Janus event ingestion, the media
    # watchdog, a request) fails with "database is locked" without waiting.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        prepare_sqlite_file(Path(DATABASES["default"]["NAME"]))
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_POOL", True
):
    # A pool of open connections (Django's psycopg pool; ADR 0013): every socket
    # message and request takes one instead of opening a new connection (~30 ms of
    # a 1,000-person agenda change on the 2-core machine). Persistent connections
    # (CONN_MAX_AGE) are not safe under ASGI, where requests run in their own threads.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env_int("DATABASE_POOL_MIN", 2),
        "max_size": env_int("DATABASE_POOL_MAX", 20),
        "timeout": env_int("DATABASE_POOL_TIMEOUT", 10),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The pool checks a connection before handing it out: after PostgreSQL restarts
    # its old connections are dead, and the first request on each would fail
    # (issue 15 point 10). One ``SELECT 1``-sized round trip on loopback.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
# Messages a channel may hold before new ones are dropped. Channels' default of 100
# loses room events when a thousand people join at once (each join is one event to
# everyone); a socket that falls this far behind refetches the snapshot anyway.
CHANNEL_CAPACITY = env_int("CHANNEL_CAPACITY", 2000)
# The web process freezes its objects out of the garbage collector's full walks this
# often, and lets one full walk happen every GC_FULL_COLLECT_MINUTES
# (prachum/realtime/gc_tuning.py; 0 turns it off).
GC_FREEZE_SECONDS = float(env_str("GC_FREEZE_SECONDS", "10"))
GC_FULL_COLLECT_MINUTES = float(env_str("GC_FULL_COLLECT_MINUTES", "10"))
# A message not delivered within this long is dropped (the page sees a version gap and
# refetches); a group membership lasts at most as long as a long meeting day.
CHANNEL_EXPIRY_SECONDS = 60
CHANNEL_GROUP_EXPIRY_SECONDS = 24 * 3600
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # channels_redis, riding out a Redis restart (issue 15 point 10).
            "BACKEND": "prachum.realtime.redis_layer.ResilientRedisChannelLayer",
            "CONFIG": {
                # redis-py 8 times out idle reads after 5 s, killing quiet sockets
                # (django/channels_redis#422): wait longer than its 5 s poll.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 10}],
                # One Redis list per process carries the group messages for all of
                # its sockets: its capacity is per process, not per socket.
                "capacity": CHANNEL_CAPACITY,
                "expiry": CHANNEL_EXPIRY_SECONDS,
                "group_expiry": CHANNEL_GROUP_EXPIRY_SECONDS,
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            # Channels' in-memory layer, copying a group message once (issue 4).
            "BACKEND": "prachum.realtime.layers.FanOutInMemoryChannelLayer",
            "CONFIG": {
                "capacity": CHANNEL_CAPACITY,
                "expiry": CHANNEL_EXPIRY_SECONDS,
                "group_expiry": CHANNEL_GROUP_EXPIRY_SECONDS,
            },
        }
    }

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_HTTPONLY = True
# A login lasts at most SESSION_MAX_HOURS, and ends after SESSION_IDLE_MINUTES without
# a request; an open meeting-room socket keeps it alive (issue 15, F9;
# prachum/accounts/session_freshness.py).
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 12)
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HTTPS (issue 15, F12; README "Production"): behind a proxy that ends TLS, the proxy
# says the request came over HTTPS in PROXY_SSL_HEADER (e.g. X-Forwarded-Proto); it
# must set or strip that header on every request. Janus posts its events over
# loopback HTTP, so /internal/ is never redirected.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^internal/"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
_proxy_ssl_header = env_str("PROXY_SSL_HEADER", "")
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + _proxy_ssl_header.upper().replace("-", "_"),
        "https",
    )

# Login protection (R14, ADR "login throttling"): wrong passwords hold back one typed
# name from one address after LOGIN_MAX_FAILURES, one address after
# LOGIN_ADDRESS_MAX_FAILURES (any names), each for LOGIN_LOCKOUT_MINUTES; a name tried
# wrongly LOGIN_ACCOUNT_SLOW_AFTER times from several addresses is slowed (one try per
# LOGIN_ACCOUNT_DELAY_SECONDS) unless a recovery code comes with the password.
# LOGIN_MAX_FAILURES wrong second-factor codes lock the account.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
LOGIN_ADDRESS_MAX_FAILURES = env_int("LOGIN_ADDRESS_MAX_FAILURES", 30)
LOGIN_ACCOUNT_SLOW_AFTER = env_int("LOGIN_ACCOUNT_SLOW_AFTER", 15)
LOGIN_ACCOUNT_DELAY_SECONDS = env_int("LOGIN_ACCOUNT_DELAY_SECONDS", 120)
EMAIL_OTP_MINUTES = env_int("EMAIL_OTP_MINUTES", 10)
# The link of an invitation to set a password works once, for this many days.
ACCOUNT_INVITATION_DAYS = env_int("ACCOUNT_INVITATION_DAYS", 7)
# A fresh second factor for entering a meeting room (R13): at most this old.
IDENTITY_CHECK_FRESH_MINUTES = env_int("IDENTITY_CHECK_FRESH_MINUTES", 10)
# The chair may open a meeting from this many minutes before its noticed start.
MEETING_OPEN_EARLY_MINUTES = env_int("MEETING_OPEN_EARLY_MINUTES", 30)

LANGUAGE_CODE = "th"
LANGUAGES = [("th", "ไทย"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [BASE_DIR / "static"]
# The room's media client uses Debian's janus.js (libjs-janus-gateway, the same 1.1.2
# as the Janus server) and adapter.js (libjs-webrtc-adapter), served from where Debian
# put them as static/vendor/<package>/: nothing third-party is copied into the
# repository. When they are missing the room works without media and says so.
JS_VENDOR_DIRS = {
    "vendor/janus-gateway": Path(
        env_str("JANUS_JS_DIR", "/usr/share/javascript/janus-gateway")
    ),
    "vendor/webrtc-adapter": Path(
        env_str("WEBRTC_ADAPTER_JS_DIR", "/usr/share/javascript/webrtc-adapter")
    ),
}
STATICFILES_DIRS += [(p, d) for p, d in JS_VENDOR_DIRS.items() if d.is_dir()]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded documents and collected static files: Django sets these modes itself (its
# default 0644 would ignore the umask). Static files are served by the same process.
FILE_UPLOAD_PERMISSIONS = PRIVATE_FILE_MODE
FILE_UPLOAD_DIRECTORY_PERMISSIONS = PRIVATE_DIR_MODE

# Mail. Without EMAIL_URL, every message is written to the outbox folder (operators
# read it at /outbox/). EMAIL_URL=smtp://user:pass@host:port (smtp+tls:// for STARTTLS,
# smtps:// for TLS) sends through a real server.
EMAIL_URL = env_str("EMAIL_URL")
# A demonstration (`make run` sets it): log-in codes from the outbox folder are shown
# on the code page and every page carries a red banner. Without EMAIL_URL and without
# DEMO_MODE, Prachum refuses to start (accounts.E001): nobody would get a code.
DEMO_MODE = env_bool("DEMO_MODE", False)
EMAIL_OUTBOX_DIR = VAR_DIR / "outbox"
EMAIL_BACKEND = "prachum.core.mail.RawEmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "prachum@localhost")

# Documents (R19, R20): size and type limits.
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)
DOCUMENT_ALLOWED_TYPES = env_list(
    "DOCUMENT_ALLOWED_TYPES",
    [
        "application/pdf",
        "image/png",
        "image/jpeg",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ],
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# What an uploaded paper may carry (issue 15, F7; prachum/meetings/upload_checks.py).
# An Office file is a zip: at most this many parts, this many bytes once opened, and no
# part over 1 MB compressed more than this ratio (a zip bomb); none of these endings.
UPLOAD_ZIP_MAX_ENTRIES = env_int("UPLOAD_ZIP_MAX_ENTRIES", 2000)
UPLOAD_ZIP_MAX_TOTAL_BYTES = env_int("UPLOAD_ZIP_MAX_TOTAL_BYTES", 100 * 1024 * 1024)
UPLOAD_ZIP_MAX_RATIO = env_int("UPLOAD_ZIP_MAX_RATIO", 100)
UPLOAD_ZIP_FORBIDDEN_SUFFIXES = env_list(
    "UPLOAD_ZIP_FORBIDDEN_SUFFIXES",
    [
        ".exe",
        ".dll",
        ".bat",
        ".cmd",
        ".com",
        ".scr",
        ".pif",
        ".cpl",
        ".msi",
        ".msp",
        ".js",
        ".jse",
        ".vbs",
        ".vbe",
        ".wsf",
        ".wsh",
        ".hta",
        ".ps1",
        ".psm1",
        ".jar",
        ".lnk",
        ".reg",
        ".sh",
        ".docm",
        ".xlsm",
        ".pptm",
    ],
)
# A PDF with more objects than this is refused as unreadable (bounds the check's time).
UPLOAD_PDF_MAX_OBJECTS = env_int("UPLOAD_PDF_MAX_OBJECTS", 2_000_000)

# Where the meeting control system is installed (hosted) and who provides (services)
# it, as ISO 3166 country codes the agency declares (MDES e-meeting security standard
# B.E. 2563, secret meetings; R44). Secret meetings and secret agenda items are
# refused unless both are "TH". Empty (undeclared) by default, also under `make run`:
# nobody can tell where a demonstration machine stands.
HOSTING_COUNTRY = env_str("HOSTING_COUNTRY", "")
SERVICE_COUNTRY = env_str("SERVICE_COUNTRY", "")
SERVER_NODE = env_str("SERVER_NODE", "web-1")
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    # The handler filters too: commands that raise their own loggers' level (the task
    # worker sets INFO) still print only from LOG_LEVEL up.
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "level": env_str("LOG_LEVEL", "INFO"),
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # fontTools logs every font subset at INFO while rendering a PDF.
    "loggers": {"fontTools": {"level": "WARNING"}, "pikepdf": {"level": "WARNING"}},
}

# The agency's Ed25519 key that signs sealed meetings and evidence packages (generated
# on first use; keep a backup: packages signed with a lost key can still be verified with
# the public key, but no new ones can be signed with it).
SIGNING_KEY_FILE = Path(
    env_str("SIGNING_KEY_FILE", str(VAR_DIR / "secrets" / "agency-ed25519.pem"))
)
# The certificate and key (PEM, ECDSA or RSA) that sign the letters, the approved minutes
# and the payment lists as PDF (PAdES, ADR 0022). Unset: a self-signed demo pair is
# generated next to SIGNING_KEY_FILE on first use, and says it is a demo.
AGENCY_PDF_CERT_FILE = env_str("AGENCY_PDF_CERT_FILE", "")
AGENCY_PDF_KEY_FILE = env_str("AGENCY_PDF_KEY_FILE", "")
# Secrets stored in the database (TOTP secrets) are encrypted with a field key:
# FIELD_ENCRYPTION_KEYS (comma-separated Fernet keys, newest first) or else the file
# below, generated on first use. Back it up with the database; rotate it with
# `manage.py rotate_field_key` (ADR 0018).
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [])
FIELD_ENCRYPTION_KEYS_FILE = Path(
    env_str("FIELD_ENCRYPTION_KEYS_FILE", str(VAR_DIR / "secrets" / "field-keys"))
)
EVIDENCE_PACKAGES_DIR = Path(
    env_str("EVIDENCE_PACKAGES_DIR", str(VAR_DIR / "packages"))
)
# The Time-Stamping Authority (RFC 3161) that stamps every seal (ADR 0021): its URL
# (empty: no stamping), its certificate chain (PEM: the TSA's certificate first, the
# root last), kept in the chain and the package with each token.
TSA_URL = env_str("TSA_URL", "")
TSA_CA_FILE = env_str("TSA_CA_FILE", "")
TSA_TIMEOUT_SECONDS = env_int("TSA_TIMEOUT_SECONDS", 10)

# Media (Janus). `make run` starts a local Janus on loopback when it is installed and
# sets JANUS_ENABLED=true; without it the in-memory fake stands in (no audio/video).
JANUS_ENABLED = env_bool("JANUS_ENABLED", False)
JANUS_SERVER_NAME = env_str("JANUS_SERVER_NAME", "janus-1")
JANUS_HTTP_URL = env_str("JANUS_HTTP_URL", "http://127.0.0.1:8088/janus")
JANUS_ADMIN_URL = env_str("JANUS_ADMIN_URL", "http://127.0.0.1:7088/admin")
JANUS_WS_URL = env_str("JANUS_WS_URL", "ws://127.0.0.1:8188/")
# Where Janus's event handler posts (the web app as Janus reaches it, not SITE_URL).
JANUS_EVENTS_URL = env_str(
    "JANUS_EVENTS_URL", SITE_URL.rstrip("/") + "/internal/janus/events"
)
_JANUS_SECRETS = VAR_DIR / "secrets"
JANUS_API_SECRET = env_secret(
    "JANUS_API_SECRET", file_default=_JANUS_SECRETS / "janus_api_secret"
)
JANUS_ADMIN_SECRET = env_secret(
    "JANUS_ADMIN_SECRET", file_default=_JANUS_SECRETS / "janus_admin_secret"
)
JANUS_TOKEN_SECRET = env_secret(
    "JANUS_TOKEN_SECRET", file_default=_JANUS_SECRETS / "janus_token_secret"
)
JANUS_ROOM_ADMIN_KEY = env_secret(
    "JANUS_ROOM_ADMIN_KEY", file_default=_JANUS_SECRETS / "janus_room_admin_key"
)
JANUS_EVENTS_SECRET = env_secret(
    "JANUS_EVENTS_SECRET", file_default=_JANUS_SECRETS / "janus_events_secret"
)
# Recordings must stay outside Janus's protected folders (Debian protects /var, /usr,
# /etc, ...): a recording into one fails without any error or event.
JANUS_RECORDINGS_DIR = Path(
    env_str("JANUS_RECORDINGS_DIR", str(VAR_DIR / "recordings"))
).resolve()
JANUS_RTP_PORTS = env_str("JANUS_RTP_PORTS", "20000-20999")
# ICE on a server: which interfaces/addresses Janus offers, its public address behind
# NAT, and a STUN server. All empty by default (every interface, no NAT, no STUN).
JANUS_ICE_ENFORCE_LIST = env_str("JANUS_ICE_ENFORCE_LIST", "")
JANUS_NAT_1_1_MAPPING = env_str("JANUS_NAT_1_1_MAPPING", "")
JANUS_STUN_SERVER = env_str("JANUS_STUN_SERVER", "")
JANUS_CONFIG_DIR = VAR_DIR / "janus" / "etc"
MEDIA_SERVER = env_str(
    "MEDIA_SERVER",
    "prachum.media.janus.JanusMediaServer"
    if JANUS_ENABLED
    else "prachum.media.fake.FakeMediaServer",
)

# Media in the meeting (issue 5). The browser reaches Janus at JANUS_PUBLIC_URL (its
# HTTP or WebSocket API as the browser sees it) with ICE servers from MEDIA_ICE_SERVERS
# (JSON list of RTCIceServer, empty: no STUN/TURN). A join token lives until the
# meeting's planned end plus a margin, at most MEDIA_TOKEN_MAX_SECONDS (ADR 0011).
# MEDIA_PRESENCE_ENFORCED: quorum counts a remote member only while their audio is up
# (for committees with presence_requires_audio); on when real media runs.
JANUS_PUBLIC_URL = env_str("JANUS_PUBLIC_URL", JANUS_HTTP_URL)
MEDIA_ICE_SERVERS = json.loads(env_str("MEDIA_ICE_SERVERS", "[]"))
MEDIA_TOKEN_MARGIN_SECONDS = env_int("MEDIA_TOKEN_MARGIN_SECONDS", 2 * 3600)
MEDIA_TOKEN_MAX_SECONDS = env_int("MEDIA_TOKEN_MAX_SECONDS", 12 * 3600)
MEDIA_TOKEN_MIN_SECONDS = env_int("MEDIA_TOKEN_MIN_SECONDS", 3600)
MEDIA_PRESENCE_ENFORCED = env_bool("MEDIA_PRESENCE_ENFORCED", JANUS_ENABLED)
# The watchdog (health every second, event processing) runs as a thread of the web
# process (so the in-memory channel layer reaches the chair) when this is on.
MEDIA_WATCHDOG = env_bool("MEDIA_WATCHDOG", JANUS_ENABLED)
MEDIA_WATCHDOG_INTERVAL = float(env_str("MEDIA_WATCHDOG_INTERVAL", "1.0"))
# SIP room systems and telephones (issue 17): the gateway (`manage.py sipgw`) answers on
# SIP_HOST:SIP_PORT (UDP and TCP; TLS on SIP_TLS_PORT when not 0, mutual TLS with the
# agency VCS's CA). A SIP address identifies a member only from SIP_TRUSTED_SOURCES or
# a verified client certificate; anyone else enters the meeting's dial code and their
# personal PIN (SIP_PIN_TRIES tries). Members are shown "sip:<dial code>@SIP_DOMAIN".
SIP_ENABLED = env_bool("SIP_ENABLED", False)
SIP_HOST = env_str("SIP_HOST", "127.0.0.1")
SIP_PORT = env_int("SIP_PORT", 5070)
SIP_TLS_PORT = env_int("SIP_TLS_PORT", 0)
SIP_TLS_CERT_FILE = env_str("SIP_TLS_CERT_FILE", "")
SIP_TLS_KEY_FILE = env_str("SIP_TLS_KEY_FILE", "")
SIP_TLS_CLIENT_CA_FILE = env_str("SIP_TLS_CLIENT_CA_FILE", "")
SIP_TRUSTED_SOURCES = env_list("SIP_TRUSTED_SOURCES", [])
# Without a domain of its own, members dial the gateway's address (and port unless 5060).
SIP_DOMAIN = env_str(
    "SIP_DOMAIN", SIP_HOST if SIP_PORT == 5060 else f"{SIP_HOST}:{SIP_PORT}"
)
SIP_MEDIA_HOST = env_str("SIP_MEDIA_HOST", SIP_HOST)
SIP_RTP_PORTS = env_str("SIP_RTP_PORTS", "40000-40999")
SIP_PIN_TRIES = env_int("SIP_PIN_TRIES", 3)
SIP_JANUS_RTP_HOST = env_str("SIP_JANUS_RTP_HOST", "127.0.0.1")
# A gateway whose heartbeat is older than this with calls open is dead: an incident in
# each meeting and its calls end as lost (checked every second by the web process).
SIP_GATEWAY_DEAD_SECONDS = float(env_str("SIP_GATEWAY_DEAD_SECONDS", "3.0"))
SIP_GATEWAY_WATCH = env_bool("SIP_GATEWAY_WATCH", SIP_ENABLED)

# After close the worker converts the meeting's .mjr files (janus-pp-rec, ffmpeg), hashes
# them into the chain and seals again; the evidence package waits for it (ADR 0012).
RECORDINGS_POSTPROCESS = env_bool("RECORDINGS_POSTPROCESS", JANUS_ENABLED)

# Retention (R40, R69): where a meeting's record is exported, as a signed evidence
# package, before it is purged: the transfer to the Fine Arts Department (National
# Archives Act B.E. 2556 s.8). Periods are retention policies in the database.
RETENTION_TRANSFER_DIR = Path(
    env_str("RETENTION_TRANSFER_DIR", str(VAR_DIR / "transfer"))
)
