"""Bad input on the proposals list: each gets a translated note, the rest of the query is kept, and
the list is shown, never a 500 (PostgreSQL refuses NUL in a query, so NUL is the sharp case)."""
from datetime import UTC, datetime, timedelta

import pytest

from app.models import Category
from tests.page_parts import parse

NOTES = {
    "page": {"en": "The page number must be a whole number from 1; the first page is shown.",
             "ko": "페이지 번호는 1 이상의 정수여야 합니다. 첫 페이지를 표시합니다."},
    "past_end": {"en": "That page number is past the end; the last page (1) is shown.",
                 "ko": "요청한 페이지 번호가 마지막 페이지를 넘어 마지막 페이지(1)를 표시합니다."},
    "category": {"en": "The category you asked for does not exist, so all categories are shown.",
                 "ko": "요청한 분야가 없어 전체 분야를 표시합니다."},
    "status": {"en": "The status you asked for does not exist, so all statuses are shown.",
               "ko": "요청한 상태가 없어 전체 상태를 표시합니다."},
    "dong": {"en": "The neighbourhood you asked for does not exist, so all neighbourhoods are shown.",
             "ko": "요청한 동이 없어 전체 동을 표시합니다."},
    "sort": {"en": "Unknown sort order; newest first is shown.", "ko": "알 수 없는 정렬 방식이어서 최신순으로 표시합니다."},
    "search": {"en": "The search text contained characters that cannot be used; it was searched without them.",
               "ko": "검색어에 사용할 수 없는 문자가 있어 해당 문자를 빼고 검색했습니다."},
}


@pytest.fixture
def proposals(make_proposal, db):
    welfare = db.session.query(Category).filter_by(slug="health-welfare").one()
    base = datetime(2025, 3, 1, tzinfo=UTC)
    make_proposal("그늘막 설치 제안", category=welfare, status="open", created_at=base)
    make_proposal("그늘막 추가 제안", category=welfare, status="in_review", created_at=base + timedelta(days=1))
    make_proposal("가로등 교체 제안", category=welfare, status="open", created_at=base + timedelta(days=2))


def get_list(client, lang, query):
    client.set_cookie("madang_lang", lang)
    response = client.get("/proposals/?" + query)
    assert response.status_code == 200, query
    page = parse(response)
    assert page.find("html").attrs["lang"] == lang
    summary = page.find_all("div", cls="form-error-summary")
    notes = [li.text() for li in summary[0].find_all("li")] if summary else []
    titles = [h.text() for h in page.find_all("h3", cls="proposal-title")]
    form = page.find("form", cls="filter-form")
    chosen = {s.attrs["name"]: [o.attrs["value"] for o in s.find_all("option") if "selected" in o.attrs]
              for s in form.find_all("select")}
    chosen["q"] = form.find("input", name="q").attrs.get("value", "")
    return notes, titles, chosen


ALL = ["가로등 교체 제안", "그늘막 추가 제안", "그늘막 설치 제안"]
OPEN = ["가로등 교체 제안", "그늘막 설치 제안"]

# query, the note it gets, the titles shown, and the other choices that must survive.
CASES = {
    "page -1": ("page=-1&status=open", "page", OPEN, {"status": ["open"]}),
    "page 0": ("page=0&status=open", "page", OPEN, {"status": ["open"]}),
    "page 10^9": ("page=1000000000&status=open", "past_end", OPEN, {"status": ["open"]}),
    "unknown category": ("category=nope&status=open", "category", OPEN, {"status": ["open"], "category": []}),
    "unknown status": ("status=nope&category=health-welfare", "status", ALL,
                       {"status": [], "category": ["health-welfare"]}),
    "unknown dong": ("dong=nope&status=open", "dong", OPEN, {"status": ["open"], "dong": []}),
    "unknown sort": ("sort=nope&status=open", "sort", OPEN, {"status": ["open"], "sort": ["newest"]}),
    "NUL in the search": ("q=%EA%B7%B8%EB%8A%98%00%EB%A7%89&status=open", "search", ["그늘막 설치 제안"],
                          {"status": ["open"], "q": "그늘막"}),
    "invalid UTF-8 in the search": ("q=%ff%EA%B7%B8%EB%8A%98%EB%A7%89%e2%82&status=open", "search",
                                    ["그늘막 설치 제안"], {"status": ["open"], "q": "그늘막"}),
    "NUL in the category": ("category=jobs%00&status=open", "category", OPEN, {"status": ["open"], "category": []}),
    "NUL in the dong": ("dong=1162052500%00&status=open", "dong", OPEN, {"status": ["open"], "dong": []}),
    "NUL in the sort": ("sort=supported%00&status=open", "sort", OPEN, {"status": ["open"], "sort": ["newest"]}),
    "NUL in the status": ("status=open%00&sort=supported", "status", ALL, {"status": [], "sort": ["supported"]}),
    "NUL in the page": ("page=1%00&status=open", "page", OPEN, {"status": ["open"]}),
}


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("case", CASES)
def test_bad_list_input_gets_a_translated_note_keeps_the_other_filters_and_never_a_500(client, proposals, case, lang):
    query, note, titles, kept = CASES[case]
    notes, shown, chosen = get_list(client, lang, query)
    assert notes == [NOTES[note][lang]]
    assert shown == titles
    for name, value in kept.items():
        assert chosen[name] == value, name


@pytest.mark.parametrize("path", ["/proposals.csv", "/proposals.json", "/proposals.atom"])
def test_the_open_data_exports_take_the_same_bad_filters_without_a_500(client, proposals, path):
    response = client.get(path + "?q=%00&category=%00&dong=%ff&status=%00&page=-1")
    assert response.status_code == 200
    assert "가로등 교체 제안" in (response.get_data(as_text=True) if path != "/proposals.json"
                                  else [p["title"] for p in response.json["proposals"]])
