"""Channel registry: one module per channel, looked up by the row's `channel` value.

Every channel module provides three functions, and the outbox and the jobs know channels only
through them:

- `targets(recipient)` yields `(dedupe key part, address, user, division, locale)` for each
  address this recipient has on the channel (none: the recipient is not reachable there);
- `prepare(row, now)` adjusts a new row before it is written, in the caller's transaction
  (SMS holds it for quiet hours; in-app delivers it on the spot);
- `send(row, message)` delivers a claimed row, raising on failure so that RQ retries.
"""
from app.notifications.channels import email, inapp, sms

CHANNELS = {
    "email": email,
    "sms": sms,
    "inapp": inapp,
}
