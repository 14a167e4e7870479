"""The platform officer verifies residents (CLI and page) and edits divisions."""
import re

import pytest

from app.models import Division, User


def test_cli_verifies_a_resident_for_a_dong(app, make_user, db):
    user = make_user("resident@example.com")
    result = app.test_cli_runner().invoke(args=["users", "verify", "Resident@Example.com", "--dong", "1162052500"])
    assert result.exit_code == 0, result.output
    db.session.refresh(user)
    assert user.is_verified_resident and user.dong.name_ko == "보라매동" and user.verified_at is not None


def test_cli_verify_refuses_an_unknown_dong_or_email(app, make_user):
    make_user("resident@example.com")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "verify", "resident@example.com", "--dong", "999"]).exit_code != 0
    assert runner.invoke(args=["users", "verify", "ghost@example.com", "--dong", "1162052500"]).exit_code != 0


@pytest.mark.parametrize("role, status", [(None, 302), ("resident", 403), ("staff", 403)])
def test_admin_pages_are_for_admins_only(client, make_user, login_as, role, status):
    if role:
        login_as(make_user(role=role))
    assert client.get("/admin/users").status_code == status
    assert client.get("/admin/divisions").status_code == status


def test_admin_verifies_a_resident_on_the_page(forms, make_user, login_as, db):
    admin = make_user("admin@example.com", role="admin")
    resident = make_user("resident@example.com")
    login_as(admin)
    response = forms.submit("/admin/users", {"dong": "1162074500"}, action=f"/admin/users/{resident.id}/verify")
    assert response.status_code == 302
    db.session.refresh(resident)
    assert resident.is_verified_resident and resident.dong.name_en == "Samseong-dong"


def test_admin_verify_without_a_dong_says_so_and_changes_nothing(forms, make_user, login_as, db):
    login_as(make_user("admin@example.com", role="admin", locale="en"))
    resident = make_user("resident@example.com")
    response = forms.submit("/admin/users", {"dong": ""}, action=f"/admin/users/{resident.id}/verify",
                            headers={"Accept-Language": "en"}, follow_redirects=True)
    assert "Choose a neighbourhood to verify this resident." in response.get_data(as_text=True)
    db.session.refresh(resident)
    assert not resident.is_verified_resident


def test_admin_edits_a_division(forms, make_user, login_as, db):
    login_as(make_user("admin@example.com", role="admin", locale="en"))
    division = db.session.query(Division).filter_by(name_ko="자치행정과").one()
    url = f"/admin/divisions/{division.id}"
    response = forms.submit(url, {
        "name_ko": "자치행정과", "name_en": "Autonomous Administration Division",
        "alert_email": "jachi@gwanak.example", "alert_phones": "010-1234-5678, 01098765432",
        "locale": "ko", "is_active": "y",
    })
    assert response.status_code == 302
    db.session.refresh(division)
    assert division.name_en == "Autonomous Administration Division"
    assert division.alert_phone_list == ["010-1234-5678", "01098765432"]


def test_bad_division_input_is_explained_and_kept(forms, make_user, login_as, db):
    login_as(make_user("admin@example.com", role="admin", locale="en"))
    division = db.session.query(Division).filter_by(name_ko="자치행정과").one()
    response = forms.submit(f"/admin/divisions/{division.id}", {
        "name_ko": "홍보과", "name_en": "Renamed", "alert_email": "not-an-email",
        "alert_phones": "02-123", "locale": "ko",
    }, headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter a valid email address" in html
    assert "Enter mobile numbers like 010-1234-5678" in html
    assert 'value="Renamed"' in html
    db.session.refresh(division)
    assert division.name_en == "Self-governing Administration Division"


def test_two_divisions_cannot_share_a_korean_name(forms, make_user, login_as, db):
    login_as(make_user("admin@example.com", role="admin", locale="en"))
    division = db.session.query(Division).filter_by(name_ko="자치행정과").one()
    response = forms.submit(f"/admin/divisions/{division.id}", {
        "name_ko": "홍보과", "name_en": "x", "locale": "ko", "is_active": "y",
    }, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "Another division already has this Korean name." in response.get_data(as_text=True)
    assert db.session.query(User).count() == 1


def test_cli_verify_with_an_unknown_dong_says_so_without_a_traceback(app, make_user):
    make_user("resident@example.com")
    result = app.test_cli_runner().invoke(args=["users", "verify", "resident@example.com", "--dong", "999"])
    assert result.exit_code == 1
    assert "알 수 없는 행정동 코드입니다." in result.output  # the default locale, ko
    assert "Traceback" not in result.output


def test_admin_search_treats_percent_and_underscore_literally(client, make_user, login_as):
    login_as(make_user("admin@example.com", role="admin", locale="en"))
    make_user("someone@example.com")
    html = client.get("/admin/users?q=%25").get_data(as_text=True)
    assert "No accounts found." in html


@pytest.mark.parametrize("path", ["/proposals/99999999999999999999999", "/proposals/9223372036854775808",
                                  "/admin/divisions/9223372036854775808", "/proposals/0"])
def test_ids_beyond_the_database_range_are_not_found(client, make_user, login_as, path):
    login_as(make_user("admin@example.com", role="admin"))
    assert client.get(path).status_code == 404


def test_admin_makes_an_account_staff_of_a_division(forms, make_user, login_as, db):
    login_as(make_user("admin@example.com", role="admin", locale="en"))
    officer = make_user("officer@example.com")
    division = db.session.query(Division).filter_by(name_ko="복지정책과").one()
    response = forms.submit(f"/admin/users/{officer.id}", {"role": "staff", "division": str(division.id)})
    assert response.status_code == 302
    db.session.refresh(officer)
    assert officer.role == "staff" and [m.division.name_ko for m in officer.memberships] == ["복지정책과"]
    forms.submit(f"/admin/users/{officer.id}", {"role": "staff", "remove_division": str(division.id)})
    db.session.refresh(officer)
    assert officer.memberships == []


def test_cli_adds_staff_to_a_division(app, make_user, db):
    officer = make_user("officer@example.com")
    result = app.test_cli_runner().invoke(args=["users", "add-to-division", "officer@example.com", "복지정책과"])
    assert result.exit_code == 0, result.output
    db.session.refresh(officer)
    assert officer.is_staff and officer.memberships[0].division.name_ko == "복지정책과"


def test_admin_search_with_a_nul_or_control_character_finds_without_a_500(client, make_user, login_as):
    admin = make_user("officer@example.com", role="admin")
    make_user("nul-search@example.com", display_name="박서연")
    login_as(admin)
    response = client.get("/admin/users?q=nul-%00search%07")
    assert response.status_code == 200
    assert "nul-search@example.com" in response.get_data(as_text=True)


def test_the_last_platform_officer_cannot_take_their_own_role_away(db, client, make_user, login_as, forms):
    officer = make_user("only-admin@example.com", role="admin")
    login_as(officer)
    page = f"/admin/users/{officer.id}"
    refused = forms.submit(page, {"role": "resident"})
    assert refused.status_code == 400
    assert "마지막 관리자 계정" in refused.get_data(as_text=True)
    db.session.refresh(officer)
    assert officer.role == "admin"
    second = make_user("second-admin@example.com", role="admin")
    assert forms.submit(page, {"role": "resident"}).status_code == 302  # someone else can carry on
    db.session.refresh(officer)
    assert officer.role == "resident" and second.role == "admin"


def test_marking_a_notice_read_with_a_junk_id_is_not_found_and_marks_nothing(app, db, client, make_user,
                                                                            login_as, forms, make_proposal):
    from app.models import Notification
    from app.notifications.outbox import Recipient, notify

    reader = make_user("reader@example.com")
    notify("proposal.answered", make_proposal(), [Recipient(user=reader)], channels=("inapp",))
    db.session.commit()
    login_as(reader)
    for junk in ("99999999999999999999", "²", "abc"):
        response = forms.submit("/notifications/", {"id": junk}, action="/notifications/read")
        assert response.status_code == 404, junk
    unread = db.session.execute(db.select(Notification).filter_by(recipient_user_id=reader.id)).scalar_one()
    assert unread.read_at is None
    assert forms.submit("/notifications/", {"id": str(unread.id)}, action="/notifications/read").status_code == 302
    db.session.refresh(unread)
    assert unread.read_at is not None


@pytest.mark.parametrize("locale, resident_message, staff_message", [
    ("en", "A resident belongs to no division", "Division staff belong to a division: choose one."),
    ("ko", "주민은 부서에 속하지 않습니다", "부서 담당자는 부서에 속해야 합니다"),
])
def test_a_resident_with_a_division_or_staff_without_one_is_refused_with_the_choice_kept(
        forms, make_user, login_as, db, locale, resident_message, staff_message):
    login_as(make_user("admin@example.com", role="admin", locale=locale))
    account = make_user("someone@example.com")
    division = db.session.query(Division).filter_by(name_ko="복지정책과").one()
    page = f"/admin/users/{account.id}"
    refused = forms.submit(page, {"role": "resident", "division": str(division.id)})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and resident_message in html
    assert re.search(rf'<option selected value="{division.id}">|<option value="{division.id}" selected>', html)
    refused = forms.submit(page, {"role": "staff"})
    assert refused.status_code == 400 and staff_message in refused.get_data(as_text=True)
    db.session.refresh(account)
    assert account.role == "resident" and account.memberships == []
