"""Email over SMTP: multipart text + HTML, UTF-8 headers (RFC 2047), a Korean display name in From."""
import base64
import logging
import smtplib
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app

from app.models.base import utcnow

log = logging.getLogger(__name__)


def encoded_words(text, limit=66):
    """RFC 2047 base64 encoded-words of whole characters, one per folded line (≤ 78 with "Subject: ").

    Python's own folding can put a space at a fold as folding whitespace, where decoders drop it
    ("간격 단축" came back as "간격단축"); here every space travels inside an encoded word.
    """
    words, chunk = [], ""
    for ch in text:
        candidate = chunk + ch
        if chunk and len(base64.b64encode(candidate.encode()).decode()) + 12 > limit:
            words.append(chunk)
            chunk = ch
        else:
            chunk = candidate
    words.append(chunk)
    return "\n ".join(f"=?utf-8?b?{base64.b64encode(w.encode()).decode()}?=" for w in words)


def build_message(*, to, subject, text, html):
    cfg = current_app.config
    msg = EmailMessage()
    local, _, domain = cfg["MAIL_DEFAULT_SENDER"].partition("@")
    msg["From"] = Address(cfg["MAIL_SENDER_NAME"], local, domain)
    msg["To"] = to
    if subject.isascii():
        msg["Subject"] = subject
    else:
        msg.set_raw("Subject", encoded_words(subject))  # stored as is: no refolding
    msg["Message-ID"] = make_msgid(domain=domain or None)
    msg.set_content(text, charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg


def send_mail(*, to, subject, text, html):
    """Send through MAIL_SERVER; without one (development), write it to the log and instance/mail/."""
    msg = build_message(to=to, subject=subject, text=text, html=html)
    cfg = current_app.config
    if not cfg["MAIL_SERVER"]:
        folder = Path(cfg["MAIL_LOG_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{utcnow():%Y%m%dT%H%M%S%f}-{to.replace('/', '_')}.eml"
        path.write_bytes(msg.as_bytes())
        log.warning("MAIL_SERVER unset; email to %s written to %s\nSubject: %s\n\n%s", to, path, subject, text)
        return msg
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"]) as smtp:
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls()
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        smtp.send_message(msg)
    return msg
