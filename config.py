"""Configuration: the only module that reads environment variables."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("MADANG_INSTANCE_PATH", BASE_DIR / "instance"))


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    INSTANCE_PATH = str(INSTANCE_DIR)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'madang.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # Unset means "embedded": the app starts a private redis-server on a unix socket under instance/.
    REDIS_URL = os.environ.get("REDIS_URL") or None
    REDIS_SOCKET_PATH = str(INSTANCE_DIR / "redis.sock")
    RQ_QUEUE = os.environ.get("RQ_QUEUE", "madang")

    SITE_NAME_KO = os.environ.get("SITE_NAME_KO", "온라인 관악청")
    SITE_NAME_EN = os.environ.get("SITE_NAME_EN", "Online Gwanak Office")
    SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:5000")
    TIMEZONE = os.environ.get("MADANG_TIMEZONE", "Asia/Seoul")
    BABEL_DEFAULT_LOCALE = os.environ.get("MADANG_DEFAULT_LOCALE", "ko")
    BABEL_DEFAULT_TIMEZONE = TIMEZONE
    LANGUAGES = ("ko", "en")
    PRIVACY_CONSENT_VERSION = "2026-12"

    MAIL_SERVER = os.environ.get("MAIL_SERVER")  # unset: mail is written to the log
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "no-reply@madang.example")
    MAIL_SENDER_NAME = os.environ.get("MAIL_SENDER_NAME", "온라인 관악청")

    SMS_BACKEND = os.environ.get("SMS_BACKEND", "log")
    SMS_API_URL = os.environ.get("SMS_API_URL")
    SMS_API_KEY = os.environ.get("SMS_API_KEY")
    SMS_SENDER = os.environ.get("SMS_SENDER")
    # A PEM file of the CA(s) to trust for SMS_API_URL instead of the system's (a private chain).
    SMS_CA_BUNDLE = os.environ.get("SMS_CA_BUNDLE") or None

    SMS_MAX_BYTES = int(os.environ.get("SMS_MAX_BYTES", "2000"))  # LMS; the provider's limit, in UTF-8 bytes
    SMS_TIMEOUT = float(os.environ.get("SMS_TIMEOUT", "10"))
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))
    MAIL_LOG_DIR = str(INSTANCE_DIR / "mail")  # without MAIL_SERVER, each email is also written here

    # Notifications: retry backoff (seconds), how long a worker's claim lasts, the sweeper's pace.
    NOTIFY_RETRY_INTERVALS = [
        int(x) for x in os.environ.get("NOTIFY_RETRY_INTERVALS", "60,300,1800,7200").split(",")
    ]
    NOTIFY_GRACE_SECONDS = int(os.environ.get("NOTIFY_GRACE_SECONDS", "10"))
    NOTIFY_LEASE_SECONDS = int(os.environ.get("NOTIFY_LEASE_SECONDS", "120"))
    NOTIFY_STALE_PENDING_MINUTES = 10  # shown to the admin as "long pending"
    SWEEP_INTERVAL_SECONDS = int(os.environ.get("SWEEP_INTERVAL_SECONDS", "60"))
    QUIET_HOURS = (
        int(os.environ.get("SMS_QUIET_START", "21")),
        int(os.environ.get("SMS_QUIET_END", "8")),
    )  # non-urgent SMS wait until the end, Asia/Seoul
    # Per email address (so one household behind a NAT is not locked out by another)…
    RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10 per minute;50 per hour")
    # …and per IP address, looser, against one machine trying many addresses.
    RATELIMIT_LOGIN_IP = os.environ.get("RATELIMIT_LOGIN_IP", "30 per minute;300 per hour")
    RATELIMIT_PARTICIPATION = os.environ.get("RATELIMIT_PARTICIPATION", "60 per minute;600 per hour")
    RATELIMIT_ENABLED = True
    # A Redis outage must not turn logins or proposals into 500s, nor switch the limits off: while
    # Redis is unreachable each process counts in its own memory, with the same limits.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True  # the last resort, should the fallback itself fail
    RATELIMIT_HEADERS_ENABLED = True

    WTF_CSRF_TIME_LIMIT = None  # long forms must not expire while a resident writes
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    PASSWORD_RESET_MAX_AGE = 3600
    PASSWORD_HASH_METHOD = "scrypt"
    PROPOSALS_PER_PAGE = 20
    # Anonymous home, list and proposal pages are kept in Redis, invalidated on commit (app/page_cache.py).
    PAGE_CACHE_ENABLED = _bool("PAGE_CACHE_ENABLED", True)
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "60"))
    # A request is refused (413) before it is read when larger than what any form takes: three 5 MB
    # attachments and the text fields.
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    # Sympathies refresh the cached lists at most this often (app/page_cache.py); the proposal's
    # own page at once.
    PAGE_CACHE_LIST_REFRESH_MS = int(os.environ.get("PAGE_CACHE_LIST_REFRESH_MS", "1000"))
    DISTRICT_CONTACT = {
        "address_ko": "서울특별시 관악구 관악로 145 (봉천동) 관악구청",
        "address_en": "145 Gwanak-ro, Gwanak-gu, Seoul (Gwanak-gu Office)",
        "phone": "02-879-5114",
    }


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SECRET_KEY = Config.SECRET_KEY or "dev-only-not-secret"


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-only-not-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    REDIS_URL = os.environ.get("TEST_REDIS_URL") or None
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast in tests only
    NOTIFY_RETRY_INTERVALS = [0, 0, 0, 0]  # a burst worker retries at once


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def get_config(name=None):
    """Pick the config class by name or by MADANG_ENV (default: development)."""
    return CONFIGS[name or os.environ.get("MADANG_ENV", "development")]
