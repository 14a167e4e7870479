"""The public proposals list and detail: filters, sorting, pages, bad input, sources."""
import re
from datetime import UTC, datetime, timedelta

import pytest

from app.models import Category, Dong


def titles(html):
    return re.findall(r'class="proposal-title"><a href="/proposals/\d+">([^<]+)</a>', html)


@pytest.fixture
def three(make_proposal, db):
    welfare = db.session.query(Category).filter_by(slug="health-welfare").one()
    jobs = db.session.query(Category).filter_by(slug="jobs").one()
    boramae = db.session.query(Dong).filter_by(name_en="Boramae-dong").one()
    base = datetime(2025, 3, 1, tzinfo=UTC)
    return [
        make_proposal("첫째 제안입니다", category=welfare, dong=boramae, settled_support_count=7, status="in_review", created_at=base),
        make_proposal("둘째 제안입니다", category=jobs, settled_support_count=120, status="open", created_at=base + timedelta(days=1)),
        make_proposal("셋째 제안입니다", category=welfare, settled_support_count=0, status="open", created_at=base + timedelta(days=2)),
    ]


def test_list_shows_newest_first_with_the_total(client, three):
    html = client.get("/proposals/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert titles(html) == ["셋째 제안입니다", "둘째 제안입니다", "첫째 제안입니다"]
    assert "3 proposals" in html


def test_list_sorts_by_most_supported(client, three):
    html = client.get("/proposals/?sort=supported").get_data(as_text=True)
    assert titles(html) == ["둘째 제안입니다", "첫째 제안입니다", "셋째 제안입니다"]


def test_list_filters_by_category_status_and_dong(client, three):
    assert titles(client.get("/proposals/?category=health-welfare").get_data(as_text=True)) == [
        "셋째 제안입니다", "첫째 제안입니다"]
    assert titles(client.get("/proposals/?category=health-welfare&status=open").get_data(as_text=True)) == [
        "셋째 제안입니다"]
    assert titles(client.get("/proposals/?dong=1162052500").get_data(as_text=True)) == ["첫째 제안입니다"]


def test_hidden_proposals_are_neither_listed_nor_readable(client, make_proposal):
    hidden = make_proposal("숨겨진 제안입니다", status="hidden")
    assert "숨겨진" not in client.get("/proposals/").get_data(as_text=True)
    assert client.get(f"/proposals/{hidden.id}").status_code == 404


@pytest.mark.parametrize("query, message", [
    ("page=-1", "The page number must be a whole number from 1"),
    ("page=0", "The page number must be a whole number from 1"),
    ("page=abc", "The page number must be a whole number from 1"),
    ("page=1000000000", "That page number is past the end; the last page (1) is shown."),
    ("page=99999999999999999999999", "That page number is past the end; the last page (1) is shown."),
    ("category=nope", "The category you asked for does not exist"),
    ("status=nope", "The status you asked for does not exist"),
    ("dong=nope", "The neighbourhood you asked for does not exist"),
    ("sort=nope", "Unknown sort order"),
])
def test_bad_list_input_gets_a_message_and_a_page_never_a_500(client, three, query, message):
    response = client.get("/proposals/?" + query, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert len(titles(html)) == 3


def test_pagination_links_keep_the_filters(client, make_proposal, app):
    app.config["PROPOSALS_PER_PAGE"] = 2
    for n in range(5):
        make_proposal(f"일자리 제안 {n}번입니다", status="open")
    html = client.get("/proposals/?status=open&sort=supported&page=2&junk=" + "x" * 5000).get_data(as_text=True)
    assert 'href="/proposals/?page=3&amp;status=open&amp;sort=supported"' in html
    assert 'aria-current="page"' in html
    assert "xxxxx" not in html  # unknown arguments are not echoed into the links


def test_detail_renders_markdown_and_facts(client, three):
    html = client.get(f"/proposals/{three[0].id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<strong>그늘</strong>" in html
    assert "Boramae-dong" in html and "Health &amp; welfare" in html


def test_imported_proposals_show_their_source_and_no_author(client, db, app):
    from app.seed import seed_adopted_proposals

    class Bar:
        def update(self, n):
            pass

    seed_adopted_proposals(Bar())
    db.session.commit()
    from app.models import Proposal

    proposal = db.session.query(Proposal).filter_by(source="seoul_adopted", source_ref="171692").one()
    assert proposal.author_id is None
    html = client.get(f"/proposals/{proposal.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "민주주의 서울 채택제안 정보 (OA-2563)" in html
    assert "original number 171692" in html
    assert "사회혁신담당관" in html  # the Seoul department that answered
    assert html.count("Opinion of the expert panel") == 2  # the id appears twice in the source


def test_unknown_proposal_is_a_404_page_in_the_visitors_language(client):
    response = client.get("/proposals/999999", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


@pytest.mark.parametrize("sort", ["newest", "supported"])
def test_deep_pages_seek_and_next_links_walk_every_proposal_once_in_a_stable_order(
        app, client, make_proposal, monkeypatch, sort):
    """Ties (same moment, same count) are broken by id; direct page numbers, which seek past
    SEEK_AFTER_ROWS, and the keyset "Next" links give the same pages."""
    from app.services import proposal_queries

    monkeypatch.setattr(proposal_queries, "SEEK_AFTER_ROWS", 2)
    app.config["PROPOSALS_PER_PAGE"] = 3
    moment = datetime(2025, 5, 1, tzinfo=UTC)
    made = [make_proposal(f"정렬 확인용 제안 {i:02d}", created_at=moment + timedelta(days=i // 4),
                          settled_support_count=i // 5, status="open") for i in range(17)]
    suffix = "&sort=supported" if sort == "supported" else ""
    by_number = []
    for n in range(1, 7):  # 17 proposals, 3 a page
        by_number += titles(client.get(f"/proposals/?page={n}{suffix}").get_data(as_text=True))
    by_next, url = [], f"/proposals/?page=1{suffix}"
    while url:
        html = client.get(url).get_data(as_text=True)
        by_next += titles(html)
        link = re.search(r'class="page-navi next" href="([^"]+)"', html)
        url = link.group(1).replace("&amp;", "&") if link else None
        assert url is None or "after=" in url
    key = (lambda p: (p.support_count, p.id)) if sort == "supported" else (lambda p: (p.created_at, p.id))
    expected = [p.title for p in sorted(made, key=key, reverse=True)]
    assert by_number == expected
    assert by_next == expected


def test_a_cursor_that_is_not_ours_is_ignored(client, make_proposal):
    make_proposal("하나뿐인 제안입니다")
    for bad in ("x.1", "1.2.3", "'; DROP TABLE proposals;--", "9" * 40 + ".1"):
        response = client.get(f"/proposals/?page=1&after={bad}")
        assert response.status_code == 200
        assert titles(response.get_data(as_text=True)) == ["하나뿐인 제안입니다"]
