"""SMS channel: a provider interface with a `log` backend and a JSON-over-HTTPS backend."""
import json
import logging
import re
import ssl
import urllib.error
import urllib.request
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app

log = logging.getLogger(__name__)
# Only here may a provider stand-in be reached over plain http (a local test or dev server).
PLAIN_HTTP_ENVS = frozenset({"development", "testing"})


class SmsError(RuntimeError):
    pass


class SmsConfigError(SmsError):
    """The SMS settings cannot work; raised at start-up (create_app) and again at send time."""


def _digits(phone):
    return re.sub(r"\D", "", phone or "")


def targets(recipient):
    """A user's own phone, or each of a division's alert phones; keyed by digits so each number
    gets one message, however it is written and whoever it belongs to."""
    user, division = recipient.user, recipient.division
    if user is not None:
        if _digits(user.phone):
            yield f"phone:{_digits(user.phone)}", user.phone, user, None, user.locale
    elif division is not None:
        for phone in division.alert_phone_list:
            yield f"phone:{_digits(phone)}", phone, None, division, division.locale


def quiet_until(now):
    """The end of quiet hours if `now` falls inside them (Asia/Seoul), else None."""
    start, end = current_app.config["QUIET_HOURS"]
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    local = now.astimezone(tz)
    in_quiet = (local.hour >= start or local.hour < end) if start > end else start <= local.hour < end
    if not in_quiet:
        return None
    day = local.date() if local.hour < end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(end), tzinfo=tz)


def prepare(row, now):
    """Non-urgent SMS written during quiet hours wait for their end (the sweeper sends them)."""
    if not row.is_urgent:
        row.not_before_at = quiet_until(now)


def truncate_bytes(text, max_bytes, encoding="utf-8"):
    """Cut `text` to the provider's limit without splitting a character."""
    data = text.encode(encoding)
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes].decode(encoding, errors="ignore")


class LogBackend:
    """Development: the message is written to the log and not sent."""

    def send(self, to, text):
        log.warning("SMS_BACKEND=log; SMS to %s not sent: %s", to, text)


def check_url(url, env_name):
    """The provider's URL must be https://; plain http:// only in development and testing."""
    scheme = urlsplit(url or "").scheme
    if scheme == "https" or (scheme == "http" and env_name in PLAIN_HTTP_ENVS):
        return
    raise SmsConfigError(
        f"SMS_API_URL must be an https:// URL (got {url!r}); "
        f"plain http:// is allowed only when MADANG_ENV is development or testing")


def check_config(config):
    """At start-up: refuse SMS settings that could only fail (or leak the key) at send time."""
    name = config["SMS_BACKEND"]
    if name not in BACKENDS:
        raise SmsConfigError(f"unknown SMS_BACKEND {name!r}; use one of: {', '.join(sorted(BACKENDS))}")
    if name == "http":
        check_url(config["SMS_API_URL"], config["ENV_NAME"])


class HttpBackend:
    """POSTs {"to", "from", "text"} as UTF-8 JSON with a bearer key over HTTPS; any non-2xx fails.

    The server's certificate is checked against the system's CAs, or against `ca_bundle`
    (SMS_CA_BUNDLE: a PEM file) when the provider's chain is not in the system store.
    """

    def __init__(self, url, api_key, sender, timeout, *, env_name, ca_bundle=None):
        check_url(url, env_name)
        self.url, self.api_key, self.sender, self.timeout = url, api_key, sender, timeout
        self.context = ssl.create_default_context(cafile=ca_bundle or None)

    def send(self, to, text):
        body = json.dumps({"to": to, "from": self.sender, "text": text}, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 -- scheme checked in __init__
            self.url, data=body, method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "Accept": "application/json",
                     "Authorization": f"Bearer {self.api_key or ''}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self.context) as response:  # noqa: S310 -- scheme checked in __init__
                if not 200 <= response.status < 300:
                    raise SmsError(f"SMS provider answered {response.status}")
        except urllib.error.HTTPError as exc:
            raise SmsError(f"SMS provider answered {exc.code}: {exc.read()[:200]!r}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"SMS provider unreachable: {exc}") from exc


BACKENDS = {
    "log": lambda cfg: LogBackend(),
    "http": lambda cfg: HttpBackend(cfg["SMS_API_URL"], cfg["SMS_API_KEY"], cfg["SMS_SENDER"], cfg["SMS_TIMEOUT"],
                                    env_name=cfg["ENV_NAME"], ca_bundle=cfg["SMS_CA_BUNDLE"]),
}


def backend():
    cfg = current_app.config
    check_config(cfg)
    return BACKENDS[cfg["SMS_BACKEND"]](cfg)


def send(notification, message):
    text = truncate_bytes(message.sms, current_app.config["SMS_MAX_BYTES"])
    backend().send(notification.address, text)
