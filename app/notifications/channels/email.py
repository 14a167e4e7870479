"""Email channel: the rendered message goes out over SMTP (or to the development mail log)."""
from app.notifications.mail import send_mail


def targets(recipient):
    user, division = recipient.user, recipient.division
    if user is not None:
        if user.email:
            yield f"user:{user.id}", user.email, user, None, user.locale
    elif division is not None and division.alert_email:
        yield f"division:{division.id}", division.alert_email, None, division, division.locale


def prepare(row, now):
    """Nothing to decide up front: email is queued after commit and sent at once."""


def send(notification, message):
    send_mail(to=notification.address, subject=message.subject, text=message.text, html=message.html)
