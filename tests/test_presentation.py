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


def test_the_vote_form_says_for_and_against_like_its_error_and_leaves_validation_to_the_server(
        db, residents, make_user, welfare, login_as, forms):
    from datetime import UTC, date, datetime, timedelta

    from app.services import proposals as service

    admin = make_user("vote-admin@example.com", role="admin")
    author, *supporters = residents(6)
    proposal = service.create_proposal(author, title="신림천 산책로 야간 조명 확충", body="밤길이 어둡습니다. " * 5,
                                       category=welfare)
    db.session.commit()
    for person in supporters[:5]:
        service.support_proposal(person, proposal)
        db.session.commit()
    service.answer_proposal(admin, proposal, decision="accepted", body="수용합니다.")
    conference = service.create_conference(admin, title="2026 하반기 정책토론회", held_on=date(2026, 11, 1))
    service.send_to_conference(admin, proposal, conference)
    now = datetime.now(UTC)
    service.open_vote(admin, proposal, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=7))
    db.session.commit()
    (voter,) = residents(1)
    login_as(voter)
    url = f"/proposals/{proposal.id}"
    html = forms.client.get(url).get_data(as_text=True)
    form = re.search(r'<form method="post" action="/proposals/\d+/vote"([^>]*)>(.*?)</form>', html, re.S)
    assert "novalidate" in form.group(1)  # no browser bubble in the browser's own language
    labels = re.findall(r'<label for="choice-\d">([^<]+)</label>', form.group(2))
    assert labels == ["찬성", "반대"]
    assert forms.submit(url, {}, action=f"/proposals/{proposal.id}/vote").status_code == 302  # no choice made
    after = forms.client.get(url).get_data(as_text=True)
    assert "찬성 또는 반대를 선택해 주세요." in after and f'action="/proposals/{proposal.id}/vote"' in after
