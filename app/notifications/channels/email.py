"""Email channel: the rendered message goes out over SMTP (or to the development mail log)."""
from app.notifications.mail import send_mail


def send(notification, message):
    send_mail(to=notification.address, subject=message.subject, text=message.text, html=message.html)
