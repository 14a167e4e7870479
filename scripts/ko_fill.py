"""Fill empty ko msgstr entries from a Python dict file (a translator's helper, not used at run time).

    .venv/bin/python scripts/ko_fill.py translations.py
"""
import runpy
import sys

from babel.messages.pofile import read_po, write_po

PO = "app/translations/ko/LC_MESSAGES/messages.po"


def main(path):
    table = runpy.run_path(path)["T"]
    with open(PO, "rb") as fh:
        catalog = read_po(fh, locale="ko")
    filled = 0
    for message in catalog:
        empty = not (message.string if isinstance(message.string, str) else all(message.string))
        if message.id in table and (empty or message.fuzzy):
            message.string = table[message.id]
            message.flags.discard("fuzzy")
            filled += 1
    with open(PO, "wb") as fh:
        write_po(fh, catalog, width=0)
    print(f"filled {filled}")


if __name__ == "__main__":
    main(sys.argv[1])
