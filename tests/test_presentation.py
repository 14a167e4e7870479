"""Presentation rules checked on the rendered HTML: the bell's badge, the comment count, the vote form."""
import re


def bell_badge(html):
    """The visible badge's number, or None when no badge is drawn."""
    match = re.search(r'<span class="bell-badge"><span class="bell-count">([0-9,]+)</span></span>', html)
    return int(match.group(1).replace(",", "")) if match else None


def test_the_bell_shows_a_badge_only_when_something_is_unread_and_always_tells_screen_readers(
        db, residents, make_proposal, login_as, client):
    from app.notifications.outbox import Recipient, notify

    (reader,) = residents(1)
    login_as(reader)
    html = client.get("/").get_data(as_text=True)
    assert bell_badge(html) is None and "bell-badge" not in html
    assert re.search(r'<span class="sr-only"><span class="bell-count">0</span></span><span class="sr-only"> \w', html)
    notify("proposal.answered", make_proposal(), [Recipient(user=reader)], channels=("inapp",))
    db.session.commit()
    assert bell_badge(client.get("/").get_data(as_text=True)) == 1
