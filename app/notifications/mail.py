"""Email over SMTP: multipart text + HTML, UTF-8 headers, a Korean display name in From."""
import logging
import smtplib
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

log = logging.getLogger(__name__)


def build_message(*, to, subject, text, html):
    cfg = current_app.config
    msg = EmailMessage()
    local, _, domain = cfg["MAIL_DEFAULT_SENDER"].partition("@")
    msg["From"] = Address(cfg["MAIL_SENDER_NAME"], local, domain)
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=domain or None)
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def send_mail(*, to, subject, text, html):
    """Send through MAIL_SERVER; without one (development), write the message to the log."""
    msg = build_message(to=to, subject=subject, text=text, html=html)
    cfg = current_app.config
    if not cfg["MAIL_SERVER"]:
        log.warning("MAIL_SERVER unset; email not sent:\n%s", msg.as_string())
        return msg
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=10) as smtp:
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls()
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        smtp.send_message(msg)
    return msg
