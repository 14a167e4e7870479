"""Proposal attachments: type checked by content, stored under generated names, Korean names kept."""
import secrets
import unicodedata
from pathlib import Path

import filetype
from flask import current_app
from flask_babel import lazy_gettext as _l

from app.models import ProposalAttachment
from app.services import ServiceError

ALLOWED = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
# The name a file may carry for its content: a PNG called "회의록.pdf" is refused, because it
# would be downloaded as a PDF that no PDF reader opens (and disguised names are how bad files travel).
EXTENSIONS = {"application/pdf": ("pdf",), "image/png": ("png",), "image/jpeg": ("jpg", "jpeg")}
KIND_NAMES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}
MAX_FILES = 3
MAX_BYTES = 5 * 1024 * 1024


def upload_dir():
    path = Path(current_app.instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def display_name(filename):
    """Keep the name people recognise (NFC Korean), without any path or control characters."""
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().strip(".")
    return name[:200] or "attachment"


def check_files(files):
    """Validate uploads (count, size, real type); returns [(display name, bytes, content type)]."""
    files = [f for f in files if f and f.filename]
    if len(files) > MAX_FILES:
        raise ServiceError(_l("You can attach at most 3 files."))
    checked = []
    for upload in files:
        data = upload.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise ServiceError(_l("“%(name)s” is larger than 5 MB.", name=display_name(upload.filename)))
        kind = filetype.guess_mime(data)
        name = display_name(upload.filename)
        if kind not in ALLOWED:
            raise ServiceError(_l("“%(name)s” is not a PDF, PNG or JPEG file.", name=name))
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if extension not in EXTENSIONS[kind]:
            raise ServiceError(_l("“%(name)s” is a %(kind)s file, but its name does not say so. Rename it to end in "
                                  ".%(extension)s, or choose another file.",
                                  name=name, kind=KIND_NAMES[kind], extension=EXTENSIONS[kind][0]))
        checked.append((name, data, kind))
    return checked


def store(proposal, checked):
    """Write each file under a random name; two files named alike can never overwrite each other."""
    folder = upload_dir()
    rows = []
    for name, data, kind in checked:
        stored = f"{secrets.token_hex(16)}.{ALLOWED[kind]}"
        (folder / stored).write_bytes(data)
        rows.append(ProposalAttachment(proposal=proposal, original_name=name, stored_name=stored,
                                       content_type=kind, size=len(data)))
    return rows


def path_of(attachment):
    return upload_dir() / attachment.stored_name
