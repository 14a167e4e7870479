"""The proposal form's limits: title and body lengths, attachments by count, size and real content."""
import io
import re
import struct

import pytest
from sqlalchemy import func, select

from app.models import Proposal, ProposalAttachment
from app.services.attachments import MAX_BYTES

BORAMAE = "1162052500"


# --- real files, made here ---------------------------------------------------------------------

def _segment(marker, payload):
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg(size=None):
    """A baseline JPEG of one grey 8x8 block (Chromium decodes it), padded with comment segments
    to exactly `size` bytes when given."""
    counts = b"\x01" + b"\x00" * 15  # one Huffman code of length 1
    body = (
        _segment(0xDB, b"\x00" + b"\x01" * 64)  # quantisation table
        + _segment(0xC0, b"\x08" + struct.pack(">HH", 8, 8) + b"\x01\x01\x11\x00")  # 8x8, one component
        + _segment(0xC4, b"\x00" + counts + b"\x00" + b"\x10" + counts + b"\x00")  # DC: category 0; AC: EOB
        + _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\x3f"  # DC 0, EOB, padding bits
    )
    head = b"\xff\xd8" + _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    padding = b""
    if size is not None:
        missing = size - len(head) - len(body) - 2
        while missing:
            chunk = min(missing, 65537)
            if 0 < missing - chunk < 4:  # a comment segment is at least 4 bytes
                chunk -= 4
            padding += _segment(0xFE, b" " * (chunk - 4))
            missing -= chunk
    data = head + padding + body + b"\xff\xd9"
    assert size is None or len(data) == size
    return data


def pdf():
    """A one-page PDF with a correct cross-reference table."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 48


# --- helpers -----------------------------------------------------------------------------------

@pytest.fixture
def resident(make_user, login_as):
    """A verified resident of 보라매동, signed in, reading the language asked for."""
    def resident(locale="en"):
        user = make_user(f"writer-{locale}@example.com", verified_dong=BORAMAE, locale=locale)
        login_as(user)
        return user

    return resident


def form_data(client, **changes):
    html = client.get("/proposals/new").get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html).group(1)
    return {"title": "보라매공원 야간 조명 개선", "body": "보라매공원 산책로가 밤에 너무 어둡습니다. 조명을 늘려 주세요.",
            "category": "health-welfare", "dong": BORAMAE, "submission_key": key, **changes}


def send(forms, data, files=(), action="preview"):
    payload = {**data, "action": action}
    if files:
        payload["attachments"] = [(io.BytesIO(content), name) for name, content in files]
    return forms.submit("/proposals/new", payload, content_type="multipart/form-data")


def kept_fields(html, data, skip):
    """The fields the resident typed are still there, so nothing is typed twice."""
    if skip != "title":
        assert f'value="{data["title"]}"' in html
    if skip != "body":
        assert data["body"] in html
    assert re.search(r'<option selected value="health-welfare">', html)
    assert re.search(rf'<option selected value="{BORAMAE}">', html)


def proposals_made(db):
    return db.session.execute(select(func.count(Proposal.id)).where(Proposal.source.is_(None))).scalar_one()


# --- title and body ----------------------------------------------------------------------------

MESSAGES = {
    "title": {"en": "The title must be between 5 and 100 characters.", "ko": "제목은 5자 이상 100자 이하여야 합니다."},
    "body": {"en": "The proposal must be between 20 and 10,000 characters.",
             "ko": "제안 내용은 20자 이상 10,000자 이하여야 합니다."},
}


@pytest.mark.parametrize("locale", ["en", "ko"])
@pytest.mark.parametrize("field, limit", [("title", 100), ("body", 10_000)])
def test_one_character_over_the_title_or_body_limit_is_explained_and_the_rest_kept(
    forms, resident, db, locale, field, limit
):
    resident(locale)
    too_long = form_data(forms.client, **{field: "가" * (limit + 1)})
    response = send(forms, too_long)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and MESSAGES[field][locale] in html
    kept_fields(html, too_long, skip=field)
    assert "가" * (limit + 1) in html  # even the text that was too long, to shorten rather than retype
    at_limit = {**too_long, field: "가" * limit}
    response = send(forms, at_limit)
    assert response.status_code == 200 and 'class="proposal-detail preview-box"' in response.get_data(as_text=True)
    assert send(forms, at_limit, action="submit").status_code == 302
    stored = db.session.execute(select(getattr(Proposal, field)).where(Proposal.source.is_(None))).scalar_one()
    assert stored == "가" * limit


# --- attachments -------------------------------------------------------------------------------

def test_a_real_pdf_jpeg_and_png_are_accepted_and_downloaded_as_sent(forms, resident, db):
    resident()
    files = [("회의 자료.pdf", pdf()), ("현장 사진.JPG", jpeg()), ("지도.png", PNG)]
    data = form_data(forms.client)
    preview = send(forms, data, files)
    assert preview.status_code == 200
    assert send(forms, data, action="submit").status_code == 302
    created = db.session.execute(select(Proposal).where(Proposal.source.is_(None))).scalar_one()
    stored = {a.original_name: a for a in created.attachments}
    assert {name: a.content_type for name, a in stored.items()} == {
        "회의 자료.pdf": "application/pdf", "현장 사진.JPG": "image/jpeg", "지도.png": "image/png"}
    for name, content in files:
        download = forms.client.get(f"/proposals/{created.id}/attachments/{stored[name].id}")
        assert download.status_code == 200 and download.data == content
        assert download.mimetype == stored[name].content_type


def test_a_file_of_exactly_5_mb_is_accepted(forms, resident, db):
    resident()
    data = form_data(forms.client)
    assert send(forms, data, [("큰 사진.jpg", jpeg(MAX_BYTES))]).status_code == 200
    assert send(forms, data, action="submit").status_code == 302
    assert db.session.execute(select(ProposalAttachment.size)).scalar_one() == 5 * 1024 * 1024


REFUSALS = {
    "too_big": ("너무 큰 사진.jpg", lambda: jpeg(MAX_BYTES + 1),
                {"en": "“너무 큰 사진.jpg” is larger than 5 MB.", "ko": "“너무 큰 사진.jpg” 파일이 5MB보다 큽니다."}),
    "png_named_pdf": ("회의록.pdf", lambda: PNG,
                      {"en": "“회의록.pdf” is a PNG file, but its name does not say so. Rename it to end in .png, "
                             "or choose another file.",
                       "ko": "“회의록.pdf” 파일의 실제 형식은 PNG인데 확장자가 다릅니다. 확장자를 .png(으)로 바꾸거나 "
                             "다른 파일을 선택해 주세요."}),
    "text_named_png": ("사진.png", lambda: "그냥 글자입니다. 그림이 아닙니다.".encode(),
                       {"en": "“사진.png” is not a PDF, PNG or JPEG file.",
                        "ko": "“사진.png” 파일은 PDF, PNG, JPEG 파일이 아닙니다."}),
}


@pytest.mark.parametrize("locale", ["en", "ko"])
@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_file_too_big_or_not_what_its_name_says_is_refused_with_a_message(forms, resident, db, locale, case):
    name, make, message = REFUSALS[case]
    resident(locale)
    data = form_data(forms.client)
    response = send(forms, data, [("괜찮은 사진.jpg", jpeg()), (name, make())])
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message[locale] in html
    kept_fields(html, data, skip=None)
    assert send(forms, data, action="submit").status_code == 302  # what is registered has no refused file
    created = db.session.execute(select(Proposal).where(Proposal.source.is_(None))).scalar_one()
    assert created.attachments == []


@pytest.mark.parametrize("locale, message", [("en", "You can attach at most 3 files."),
                                             ("ko", "파일은 3개까지 첨부할 수 있습니다.")])
def test_at_most_three_files(forms, resident, db, locale, message):
    resident(locale)
    data = form_data(forms.client)
    four = [(f"사진 {i}.jpg", jpeg()) for i in range(4)]
    response = send(forms, data, four)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert send(forms, data, four[:3]).status_code == 200
    send(forms, data, action="submit")
    created = db.session.execute(select(Proposal).where(Proposal.source.is_(None))).scalar_one()
    assert sorted(a.original_name for a in created.attachments) == ["사진 0.jpg", "사진 1.jpg", "사진 2.jpg"]
    assert proposals_made(db) == 1
