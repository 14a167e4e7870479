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


def test_the_opinions_heading_counts_replies_too(db, residents, welfare, client):
    from app.services import comments
    from app.services import proposals as service

    author, first, second = residents(3)
    proposal = service.create_proposal(author, title="보라매공원 산책로에 조명을 더 설치해 주세요",
                                       body="밤에 산책로가 너무 어둡습니다. " * 3, category=welfare)
    db.session.commit()
    top = comments.add_comment(first, proposal, "저도 밤마다 어두워서 불편했습니다.")
    db.session.commit()
    comments.add_comment(second, proposal, "맞습니다. 꼭 필요합니다.", parent=top)
    comments.add_comment(author, proposal, "의견 감사합니다.", parent=top)
    db.session.commit()
    html = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert html.count('<article class="comment') == 3
    assert re.search(r'<h2 id="comments-title">[^<(]+\(3\)</h2>', html)
