"""SMS channel: a provider interface with a `log` backend and a JSON-over-HTTPS backend."""
import json
import logging
import urllib.error
import urllib.request

from flask import current_app

log = logging.getLogger(__name__)


class SmsError(RuntimeError):
    pass


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


class HttpBackend:
    """POSTs {"to", "from", "text"} as UTF-8 JSON with a bearer key; any non-2xx is a failure."""

    def __init__(self, url, api_key, sender, timeout):
        if not url or not url.startswith(("https://", "http://")):
            raise SmsError("SMS_API_URL must be an https:// (or, for a local stand-in, http://) URL")
        self.url, self.api_key, self.sender, self.timeout = url, api_key, sender, timeout

    def send(self, to, text):
        body = json.dumps({"to": to, "from": self.sender, "text": text}, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 -- scheme checked in __init__
            self.url, data=body, method="POST",
            headers={"Content-Type": "application/json; charset=utf-8",
                     "Authorization": f"Bearer {self.api_key or ''}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 -- scheme checked in __init__
                if not 200 <= response.status < 300:
                    raise SmsError(f"SMS provider answered {response.status}")
        except urllib.error.HTTPError as exc:
            raise SmsError(f"SMS provider answered {exc.code}: {exc.read()[:200]!r}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"SMS provider unreachable: {exc}") from exc


BACKENDS = {"log": lambda cfg: LogBackend(),
            "http": lambda cfg: HttpBackend(cfg["SMS_API_URL"], cfg["SMS_API_KEY"], cfg["SMS_SENDER"], cfg["SMS_TIMEOUT"])}


def backend():
    cfg = current_app.config
    if cfg["SMS_BACKEND"] not in BACKENDS:
        raise SmsError(f"unknown SMS_BACKEND {cfg['SMS_BACKEND']!r}")
    return BACKENDS[cfg["SMS_BACKEND"]](cfg)


def send(notification, message):
    text = truncate_bytes(message.sms, current_app.config["SMS_MAX_BYTES"])
    backend().send(notification.address, text)
