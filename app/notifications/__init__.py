"""Notifications: the outbox (the one entry point), channels (email, SMS, in-app) and their jobs.

The rest of the app calls `notify()` or `alert_division()` inside its own transaction and
nothing else: rows are enqueued after commit, and delivered by `jobs.deliver`.
"""
from app.notifications.outbox import Recipient, alert_division, notify

__all__ = ["Recipient", "alert_division", "notify"]
