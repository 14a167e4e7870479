"""Channel registry: one module per channel, each with send(notification, message)."""
from app.notifications.channels import email, sms

CHANNELS = {
    "email": email.send,
    "sms": sms.send,
}
