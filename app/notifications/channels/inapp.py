"""In-app channel: the notice a user sees under the bell and on the notifications page.

There is nothing to transmit: the outbox row *is* the in-app message, and the bell counts a
user's in-app rows whose status is `sent` (app/services/inbox.py). So `prepare()` delivers the
row while it is written, in the same transaction as the opinion that causes it:

- the notice is in the bell the moment that transaction commits, with no worker, Redis or
  queue in between (routing it through RQ like email would make the bell wait for a worker
  and go dark whenever Redis is down, for no benefit: there is no remote party to retry);
- a rollback removes it together with the opinion, so the bell never shows a notice about
  something that does not exist;
- it is never enqueued (only pending rows are), so it cannot be delivered twice.

`send()` exists so that every channel has the same interface: should an in-app row ever reach
`jobs.deliver` (the sweeper finding one pending), claiming it and marking it sent is all its
delivery means.
"""
from app.models import NotificationStatus


def targets(recipient):
    """Only users have a bell; a division's contact is reached by email and SMS."""
    user = recipient.user
    if user is not None:
        yield f"user:{user.id}", None, user, None, user.locale


def prepare(row, now):
    row.status, row.sent_at = NotificationStatus.SENT.value, now


def send(notification, message):
    """The row is the message; `deliver` marks it sent, which puts it in the bell."""
