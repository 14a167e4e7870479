"""Language: the choice order, the switcher, dates and numbers per locale, and the translation gate."""
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from flask_babel import force_locale


def lang_of(response):
    import re

    return re.search(r'<html lang="([a-z]+)"', response.get_data(as_text=True)).group(1)


def test_korean_is_the_default(client):
    assert lang_of(client.get("/")) == "ko"


def test_accept_language_is_used_when_nothing_else_is_chosen(client):
    assert lang_of(client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})) == "en"


def test_cookie_beats_accept_language(client):
    client.set_cookie("madang_lang", "ko")
    assert lang_of(client.get("/", headers={"Accept-Language": "en"})) == "ko"


def test_the_accounts_language_beats_the_cookie(client, make_user, login_as):
    login_as(make_user(locale="en"))
    client.set_cookie("madang_lang", "ko")
    assert lang_of(client.get("/", headers={"Accept-Language": "ko"})) == "en"


def test_switcher_returns_to_the_same_page_and_the_choice_sticks(client):
    response = client.get("/lang/en?next=%2Fproposals%2F%3Fstatus%3Dopen%26page%3D2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/proposals/?status=open&page=2"
    assert lang_of(client.get("/proposals/?status=open")) == "en"
    assert lang_of(client.get("/about")) == "en"


def test_switcher_refuses_to_leave_the_site(client):
    assert client.get("/lang/en?next=//evil.example").headers["Location"] == "/"


def test_switcher_saves_the_language_on_the_account(client, make_user, login_as, db):
    user = make_user(locale="ko")
    login_as(user)
    client.get("/lang/en?next=/")
    db.session.refresh(user)
    assert user.locale == "en"


def test_switcher_link_on_every_page_points_back_to_that_page(client):
    html = client.get("/proposals/?status=open&page=1").get_data(as_text=True)
    assert 'href="/lang/en?next=/proposals/?status%3Dopen%26page%3D1"' in html


def test_pages_are_translated_into_korean(client):
    html = client.get("/proposals/", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert "정책 제안" in html and "Policy proposals" not in html


def test_dates_are_shown_in_seoul_time_per_locale(app):
    from app.template_helpers import seoul_date, seoul_datetime

    late_utc = datetime(2025, 3, 16, 15, 30, tzinfo=UTC)  # 2025-03-17 00:30 in Seoul
    with app.test_request_context():
        with force_locale("ko"):
            assert seoul_datetime(late_utc) == "2025. 3. 17. 00:30"
            assert seoul_date(late_utc) == "2025. 3. 17."
        with force_locale("en"):
            assert seoul_datetime(late_utc) == "17 Mar 2025, 00:30"



@pytest.mark.parametrize("locale", ["ko", "en"])
@pytest.mark.parametrize("value, shown", [(12345, "12,345"), (1234567, "1,234,567"), (999, "999"), (0, "0"),
                                          (None, "0")])
def test_the_number_filter_groups_thousands_per_locale(app, locale, value, shown):
    from flask import render_template_string

    with app.test_request_context(), force_locale(locale):
        assert render_template_string("{{ value|number }}", value=value) == shown


def test_numbers_inside_translated_sentences_are_formatted_too(client, make_proposal, app):
    app.config["PROPOSALS_PER_PAGE"] = 1
    for n in range(3):
        make_proposal(f"쪽수 확인용 제안 {n}번", settled_support_count=12345)
    korean = client.get("/proposals/", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    english = client.get("/proposals/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "12,345명 공감" in korean and "12,345 supporters" in english
    assert "3 proposals · page 1 of 3" in english and "제안 3건 · 3페이지 중 1페이지" in korean

# --- the translation gate (`flask i18n check`, app/i18n_check.py) --------------------------------

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def fresh_pot(tmp_path_factory):
    """What `pybabel extract` makes of the code today (run once: it takes a second or two)."""
    from app.cli import _extract

    path = tmp_path_factory.mktemp("pot") / "messages.pot"
    _extract(path)
    return path


@pytest.fixture
def catalogs(tmp_path, fresh_pot):
    """A copy of the real catalogs in tmp_path, and a check of that copy against today's code."""
    from app.i18n_check import check_catalogs

    shutil.copytree(ROOT / "app" / "translations", tmp_path / "app" / "translations",
                    ignore=shutil.ignore_patterns("*.mo"))

    class Catalogs:
        root = tmp_path
        pot = tmp_path / "app" / "translations" / "messages.pot"

        @staticmethod
        def po(locale):
            return tmp_path / "app" / "translations" / locale / "LC_MESSAGES" / "messages.po"

        @staticmethod
        def edit(path, change, locale=None):
            with open(path, "rb") as fh:
                catalog = read_po(fh, locale=locale)
            change(catalog)
            with open(path, "wb") as fh:
                write_po(fh, catalog, width=0)

        @staticmethod
        def check():
            return check_catalogs(tmp_path, lambda out: shutil.copyfile(fresh_pot, out))

    return Catalogs


def test_the_gate_passes_on_the_real_catalogs(tmp_path, redis_server):
    from app import create_app
    from app.cli import _extract
    from app.i18n_check import check_catalogs
    from config import TestingConfig

    class Config(TestingConfig):  # the command reads no database: no need for the `app` fixture
        INSTANCE_PATH = str(tmp_path / "instance")
        REDIS_URL = redis_server.url

    app = create_app(Config)

    assert check_catalogs(ROOT, _extract) == []
    result = app.test_cli_runner().invoke(args=["i18n", "check"])
    assert result.exit_code == 0, result.output
    assert "translations complete" in result.output


def test_an_untouched_copy_passes_so_the_failures_below_are_the_edits(catalogs):
    assert catalogs.check() == []


def test_the_gate_fails_when_the_template_misses_a_new_string(catalogs):
    catalogs.edit(catalogs.pot, lambda c: c.delete("Page not found"))
    assert catalogs.check() == ["messages.pot is out of date: run `make i18n` (flask i18n update)"]


def test_the_gate_fails_when_the_template_keeps_a_string_the_code_dropped(catalogs):
    catalogs.edit(catalogs.pot, lambda c: c.add("A sentence no template uses any more"))
    assert catalogs.check() == ["messages.pot is out of date: run `make i18n` (flask i18n update)"]


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_the_gate_fails_on_a_fuzzy_entry(catalogs, locale):
    def fuzz(catalog):
        catalog["Page not found"].flags.add("fuzzy")

    catalogs.edit(catalogs.po(locale), fuzz, locale)
    assert catalogs.check() == [f"{locale}: fuzzy 'Page not found'"]


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_the_gate_fails_on_an_empty_msgstr(catalogs, locale):
    def empty(catalog):
        catalog["Page not found"].string = ""

    catalogs.edit(catalogs.po(locale), empty, locale)
    assert catalogs.check() == [f"{locale}: untranslated 'Page not found'"]


def test_the_gate_fails_on_an_empty_plural_form(catalogs):
    def empty_plural(catalog):
        message = catalog[("%(num)s supporter", "%(num)s supporters")]
        message.string = ("%(num)s supporter", "")

    catalogs.edit(catalogs.po("en"), empty_plural, "en")
    assert catalogs.check() == ["en: untranslated '%(num)s supporter'"]


def test_the_gate_fails_on_a_message_missing_from_a_catalog(catalogs):
    catalogs.edit(catalogs.po("ko"), lambda c: c.delete("Page not found"), "ko")
    assert catalogs.check() == ["ko: missing 'Page not found'"]


def test_the_gate_fails_when_a_catalog_is_missing(catalogs):
    catalogs.po("en").unlink()
    assert catalogs.check() == ["en: catalog missing"]
