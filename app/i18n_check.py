"""The translation gate: the template is current and both catalogs are complete."""
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po, write_po


def _ids(path):
    """(msgid, msgctxt) of every message: the same English word may be two messages (pgettext)."""
    with open(path, "rb") as fh:
        return {(m.id, m.context) for m in read_po(fh) if m.id}


def check_catalogs(root, extract):
    root = Path(root)
    pot = root / "app" / "translations" / "messages.pot"
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "messages.pot"
        extract(fresh)
        if not pot.exists() or _ids(fresh) != _ids(pot):
            problems.append("messages.pot is out of date: run `make i18n` (flask i18n update)")
        wanted = _ids(fresh)
    for locale in ("ko", "en"):
        po = root / "app" / "translations" / locale / "LC_MESSAGES" / "messages.po"
        if not po.exists():
            problems.append(f"{locale}: catalog missing")
            continue
        with open(po, "rb") as fh:
            catalog = read_po(fh)
        have = {(m.id, m.context): m for m in catalog if m.id}
        for msgid, context in sorted(wanted, key=str):
            message = have.get((msgid, context))
            key = msgid if isinstance(msgid, str) else msgid[0]
            if context:
                key = f"{context}|{key}"
            if message is None:
                problems.append(f"{locale}: missing {key!r}")
            elif message.fuzzy:
                problems.append(f"{locale}: fuzzy {key!r}")
            elif not (all(message.string) if isinstance(message.string, tuple) else message.string):
                problems.append(f"{locale}: untranslated {key!r}")
    return problems


def fill_english(po_path):
    """Copy each English msgid into its empty en msgstr (plural forms too)."""
    with open(po_path, "rb") as fh:
        catalog = read_po(fh, locale="en")
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not all(message.string):
                message.string = (message.id[0], message.id[1])
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
        message.flags.discard("fuzzy")
    with open(po_path, "wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False)
    return filled
