"""The pages themselves, in Korean and English: the furniture of every page (masthead, skip link,
menus, language switcher, footer), home, a proposal's facts, about, privacy, and the error pages."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from app.models import Division, Dong, Proposal
from tests.page_parts import facts, parse

LANGS = ["ko", "en"]

TEXT = {
    "ko": {
        "site": "온라인 관악청",
        "masthead": "이 누리집은 대한민국 공식 전자정부 누리집입니다.",
        "masthead_label": "공식 누리집 안내",
        "skip": "본문 바로가기",
        "main_menu": "주 메뉴",
        "language": "언어",
        "menus": [("홈", "/"), ("정책 제안", "/proposals/"), ("소개", "/about")],
        "staff_menu": ("부서 업무함", "/staff/"),
        "admin_menu": ("관리", "/admin/users"),
        "address": "서울특별시 관악구 관악로 145 (봉천동) 관악구청",
        "phone": "대표전화 02-879-5114 (평일 09:00–18:00)",
        "footer_links": [("개인정보처리방침", "/privacy"), ("누리집 및 데이터 소개", "/about")],
    },
    "en": {
        "site": "Online Gwanak Office",
        "masthead": "This is an official e-government website of the Republic of Korea.",
        "masthead_label": "Official website notice",
        "skip": "Skip to main content",
        "main_menu": "Main menu",
        "language": "Language",
        "menus": [("Home", "/"), ("Policy proposals", "/proposals/"), ("About", "/about")],
        "staff_menu": ("Division inbox", "/staff/"),
        "admin_menu": ("Administration", "/admin/users"),
        "address": "145 Gwanak-ro, Gwanak-gu, Seoul (Gwanak-gu Office)",
        "phone": "Main phone 02-879-5114 (weekdays 09:00–18:00)",
        "footer_links": [("Privacy policy", "/privacy"), ("About this portal and its data", "/about")],
    },
}


def in_language(client, lang):
    client.set_cookie("madang_lang", lang)
    return client


# --- on every page ---------------------------------------------------------------------------------

PAGES = ["/", "/proposals/?status=open&sort=supported", "/proposals/{id}", "/about", "/privacy", "/auth/login",
         "/auth/register", "/no-such-page"]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang", LANGS)
def test_every_page_has_the_masthead_skip_link_menus_switcher_and_footer(client, make_proposal, lang, path):
    url = path.format(id=make_proposal().id)
    response = in_language(client, lang).get(url)
    assert response.status_code == (404 if path == "/no-such-page" else 200)
    page, text = parse(response), TEXT[lang]
    assert page.find("html").attrs["lang"] == lang

    # The government-site identifier comes first, before the site's own header.
    masthead = page.by_id("krds-masthead")
    assert masthead.attrs["role"] == "region" and masthead.attrs["aria-label"] == text["masthead_label"]
    assert masthead.text() == text["masthead"]

    # The skip link is the first link of the page and its target exists: the <main>.
    skip = page.by_id("krds-skip-link").find("a")
    assert (skip.text(), skip.attrs["href"]) == (text["skip"], "#container")
    assert page.find_all("a")[0] is skip
    assert page.by_id("container").tag == "main"

    # The main menu: the menus that exist, and nothing else.
    menu = page.find("nav", cls="krds-main-menu")
    assert menu.attrs["aria-label"] == text["main_menu"]
    assert menu.links() == text["menus"]

    # The language switcher points back to this very page, query included.
    switcher = page.find("nav", cls="lang-switch")
    assert switcher.attrs["aria-label"] == text["language"]
    assert [name for name, _ in switcher.links()] == ["한국어", "English"]
    current = [a for a in switcher.find_all("a") if a.attrs.get("aria-current") == "true"]
    assert [a.attrs["lang"] for a in current] == [lang]
    other = "en" if lang == "ko" else "ko"
    link = switcher.find("a", lang=other).attrs["href"]
    switched = client.get(link)
    assert switched.status_code == 302
    assert switched.headers["Location"] == url
    assert parse(client.get(url)).find("html").attrs["lang"] == other

    # The footer: the district's address and phone, in the page's language, and the privacy notice.
    footer = page.by_id("krds-footer")
    assert footer.find("p", cls="info-addr").text() == text["address"]
    assert footer.find("ul", cls="info-cs").text() == text["phone"]
    assert footer.find("div", cls="f-menu").links() == text["footer_links"]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("who", ["visitor", "resident", "staff", "admin"])
def test_the_header_shows_only_menus_that_exist_and_every_link_opens_a_page(
        client, make_user, login_as, lang, who):
    text = TEXT[lang]
    expected = list(text["menus"])
    if who != "visitor":
        login_as(make_user(role="resident" if who == "resident" else who, locale=lang))
    if who in ("staff", "admin"):
        expected.append(text["staff_menu"])
    if who == "admin":
        expected.append(text["admin_menu"])
    page = parse(in_language(client, lang).get("/"))
    assert page.find("nav", cls="krds-main-menu").links() == expected

    header, footer = page.by_id("krds-header"), page.by_id("krds-footer")
    links = header.links() + footer.links()
    assert len(links) >= len(expected) + 4
    for name, href in links:
        assert href and href.startswith("/") and not href.startswith("//"), (name, href)  # no "#", no javascript:
        response = client.get(href)
        if href.startswith("/lang/"):
            assert response.status_code == 302 and response.headers["Location"] == "/", href
        else:
            assert response.status_code == 200, (name, href)
    client.get(f"/lang/{lang}?next=/")  # the switcher links above changed the language back and forth


# --- home ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_home_counts_each_menu_as_the_database_does_formatted_per_locale(client, db, lang):
    now = datetime(2025, 6, 1, tzinfo=UTC)
    rows = [{"title": f"대량 제안 {n}", "body": "본문", "status": "open", "settled_support_count": 0,
             "created_at": now, "updated_at": now} for n in range(1234)]
    rows.append({**rows[0], "title": "숨겨진 대량 제안", "status": "hidden"})
    db.session.execute(insert(Proposal), rows)
    db.session.commit()
    visible = db.session.execute(select(func.count(Proposal.id)).where(Proposal.status != "hidden")).scalar_one()
    dongs = db.session.execute(select(func.count(Dong.id))).scalar_one()
    divisions = db.session.execute(select(func.count(Division.id)).where(Division.is_active)).scalar_one()
    assert (visible, dongs) == (1234, 21) and divisions > 0

    page = parse(in_language(client, lang).get("/"))
    counts = [(li.find("strong").text(), li.find("span").text(), li.find("a").attrs["href"])
              for li in page.find("ul", cls="count-list").find_all("li")]
    labels = {"ko": ["정책 제안", "행정동", "답변 부서"], "en": ["Policy proposals", "Neighbourhoods", "Divisions answering"]}
    assert counts == [
        ("1,234", labels[lang][0], "/proposals/"),
        ("21", labels[lang][1], "/about#dongs"),
        (f"{divisions:,}", labels[lang][2], "/about#divisions"),
    ]
    about = parse(client.get("/about"))  # the counts' anchors exist
    assert about.by_id("dongs").tag == about.by_id("divisions").tag == "section"
    assert len(about.by_id("dongs").find_all("li")) == dongs
    assert len(about.by_id("divisions").find("tbody").find_all("tr")) == divisions


def section_titles(page, heading_id):
    section = page.by_id(heading_id).parent
    return [h.text() for h in section.find_all("h3", cls="proposal-title")], section


@pytest.mark.parametrize("lang", LANGS)
def test_home_shows_the_most_supported_first_and_the_newest_first(client, make_proposal, lang):
    base = datetime(2025, 3, 1, tzinfo=UTC)
    make_proposal("일곱 명이 공감한 제안", settled_support_count=7, created_at=base)
    make_proposal("천이백 명이 공감한 제안", settled_support_count=1234, created_at=base + timedelta(days=1))
    make_proposal("아직 공감이 없는 제안", settled_support_count=0, created_at=base + timedelta(days=2))
    make_proposal("숨겨진 인기 제안", settled_support_count=99999, created_at=base + timedelta(days=3), status="hidden")
    page = parse(in_language(client, lang).get("/"))

    top, top_section = section_titles(page, "top-title")
    assert page.by_id("top-title").text() == {"ko": "공감순", "en": "Most supported"}[lang]
    assert top == ["천이백 명이 공감한 제안", "일곱 명이 공감한 제안", "아직 공감이 없는 제안"]
    first_count = top_section.find("li", cls="proposal-card").find("span", cls="support").text()
    assert first_count == {"ko": "1,234명 공감", "en": "1,234 supporters"}[lang]
    assert top_section.links()[-1][1] == "/proposals/?sort=supported"

    latest, _ = section_titles(page, "latest-title")
    assert page.by_id("latest-title").text() == {"ko": "최근 제안", "en": "Latest proposals"}[lang]
    assert latest == ["아직 공감이 없는 제안", "천이백 명이 공감한 제안", "일곱 명이 공감한 제안"]


# --- a proposal's facts ----------------------------------------------------------------------------

# 15:30 UTC on 16 March is 00:30 on 17 March in Seoul: the date itself changes.
LATE_UTC = datetime(2025, 3, 16, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize("lang, expected", [
    ("ko", {"상태": "공감 진행 중", "공감 수": "1,234", "등록일": "2025. 3. 17. 00:30", "공감 마감": "2025. 4. 16. 00:00"}),
    ("en", {"Status": "Open for support", "Supporters": "1,234", "Registered": "17 Mar 2025, 00:30",
            "Open for support until": "16 Apr 2025, 00:00"}),
])
def test_a_proposal_shows_its_status_support_count_and_dates_per_locale_in_seoul_time(
        client, make_proposal, lang, expected):
    proposal = make_proposal(status="open", settled_support_count=1234, created_at=LATE_UTC,
                             open_until_at=datetime(2025, 4, 15, 15, 0, tzinfo=UTC))
    page = parse(in_language(client, lang).get(f"/proposals/{proposal.id}"))
    shown = facts(page)
    assert {term: shown[term] for term in expected} == expected
    assert page.find("dl", cls="facts").find("time").attrs["datetime"] == "2025-03-16T15:30:00+00:00"
    assert page.find("strong", data_support_count="").text() == "1,234"


@pytest.mark.parametrize("lang, expected", [
    ("ko", {"상태": "부서 검토", "공감 수": "5", "답변 기한": "2025. 4. 1. 23:59 기한 초과"}),
    ("en", {"Status": "Division review", "Supporters": "5", "Answer due": "1 Apr 2025, 23:59 Overdue"}),
])
def test_a_proposal_in_review_shows_its_answer_deadline_in_seoul_time_and_that_it_passed(client, make_proposal, lang, expected):
    proposal = make_proposal(status="in_review", settled_support_count=5, created_at=LATE_UTC,
                             answer_due_at=datetime(2025, 4, 1, 14, 59, 59, tzinfo=UTC))
    shown = facts(parse(in_language(client, lang).get(f"/proposals/{proposal.id}")))
    assert {term: shown[term] for term in expected} == expected


# --- about and privacy -----------------------------------------------------------------------------

ABOUT = {
    "ko": {
        "note": "이 부서 목록은 예시이며 구의 현재 조직도가 아닙니다. 관악구 조직 개편(2018–2026) 관련 보도에 나온 부서와, "
                "이웃한 서초구의 공식 영문 조직도를 본뜬 부서를 합쳐 구성했습니다. 플랫폼 담당자가 수정할 수 있습니다.",
        "sources": ["민주주의 서울", "OA-2563", "SeoulDigitalFoundation/VoiceOfSeoul", "공공누리 제1유형", "행정안전부",
                    "vuski/admdongkor", "청와대 국민청원", "lovit/petitions_archive"],
        "source_link": "출처",
    },
    "en": {
        "note": "This list of divisions is illustrative, not the district's current organisation chart. It combines "
                "Gwanak-gu units named in news reports about its reorganisations (2018–2026) with units modelled on "
                "the official English organisation chart of neighbouring Seocho-gu. The platform officer can edit it.",
        "sources": ["민주주의 서울", "OA-2563", "SeoulDigitalFoundation/VoiceOfSeoul", "KOGL Type 1",
                    "Ministry of the Interior and Safety", "vuski/admdongkor", "Blue House", "lovit/petitions_archive"],
        "source_link": "Source",
    },
}


@pytest.mark.parametrize("lang", LANGS)
def test_about_says_the_division_list_is_illustrative_and_where_each_name_comes_from(client, db, lang):
    page = parse(in_language(client, lang).get("/about"))
    divisions_section = page.by_id("divisions")
    assert divisions_section.find("p", cls="notice").text() == ABOUT[lang]["note"]

    data_sources = page.by_id("data-title").parent.text()
    for source in ABOUT[lang]["sources"]:
        assert source in data_sources, source

    rows = {}
    for tr in divisions_section.find("tbody").find_all("tr"):
        link = tr.find_all("a")
        rows[tr.find("th").text()] = (link[0].attrs["href"], link[0].text()) if link else None
    wanted = db.session.execute(select(Division).where(Division.is_active)).scalars().all()
    assert len(wanted) == len(rows) > 20
    for division in wanted:
        name = division.name_en if lang == "en" else division.name_ko
        assert division.source, name  # every seeded division says where its name comes from
        href, label = rows[name]
        assert href == division.source
        assert label == f"{ABOUT[lang]['source_link']}: {name}"  # the hidden part names the row for screen readers


@pytest.mark.parametrize("lang, title, never", [
    ("ko", "개인정보처리방침", "주민등록번호는 절대 요구하지 않습니다."),
    ("en", "Privacy policy", "We never ask for your resident registration number."),
])
def test_the_privacy_notice_is_there_in_both_languages(client, lang, title, never):
    response = in_language(client, lang).get("/privacy")
    assert response.status_code == 200
    page = parse(response)
    assert page.find("html").attrs["lang"] == lang
    assert page.find("title").text() == f"{title} | {TEXT[lang]['site']}"
    assert page.find("main").find("h1").text() == title
    assert never in page.find("main").text()
    assert len(page.find("main").find_all("h2")) == 4


# --- error pages -----------------------------------------------------------------------------------

ERRORS = {
    ("ko", 404): ("페이지를 찾을 수 없습니다", "요청한 페이지가 없거나 다른 곳으로 옮겨졌습니다.", "오류 코드 404"),
    ("en", 404): ("Page not found", "The page you asked for does not exist or has been moved.", "Error code 404"),
    ("ko", 500): ("문제가 발생했습니다", "시스템 오류가 발생했습니다. 오류 내용은 기록되었습니다. 잠시 후 다시 시도해 주십시오.", "오류 코드 500"),
    ("en", 500): ("Something went wrong", "An error occurred on our side. It has been logged; please try again later.",
                  "Error code 500"),
}


def assert_error_page(response, lang, code):
    title, message, code_line = ERRORS[(lang, code)]
    assert response.status_code == code
    page = parse(response)
    assert page.find("html").attrs["lang"] == lang
    assert page.find("title").text() == f"{title} | {TEXT[lang]['site']}"
    box = page.find("section", cls="error-page")
    assert box.find("h1").text() == title
    assert [p.text() for p in box.find_all("p")][:2] == [code_line, message]
    assert page.by_id("krds-masthead").text() == TEXT[lang]["masthead"]  # the whole layout, not a bare page


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("url", ["/no-such-page", "/proposals/999999"])
def test_a_missing_page_is_a_404_page_in_the_visitors_language(client, lang, url):
    assert_error_page(in_language(client, lang).get(url), lang, 404)


@pytest.mark.parametrize("lang", LANGS)
def test_a_missing_page_follows_accept_language_too(client, lang):
    assert_error_page(client.get("/no-such-page", headers={"Accept-Language": lang}), lang, 404)


@pytest.mark.parametrize("lang", LANGS)
def test_a_crash_is_a_500_page_in_the_visitors_language(app, client, lang):
    def crash():
        raise RuntimeError("a bug")

    app.add_url_rule("/crash-for-test", "crash_for_test", crash)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert_error_page(in_language(client, lang).get("/crash-for-test"), lang, 500)
