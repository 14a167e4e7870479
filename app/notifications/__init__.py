"""Outbound messages: email now; the outbox, SMS and in-app channels build on this."""
