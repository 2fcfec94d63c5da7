"""Compile every `messages.po` under loket/ into the `messages.mo` beside it (pure Python, Babel).

Run after editing a .po file: `python scripts/compile_translations.py` (rewrites a .mo only when
its messages changed). A test checks the committed .mo files match their .po files.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1] / "loket"


def compiled(po_path: Path) -> bytes:
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=po_path.parents[1].name)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def _messages(mo: bytes) -> dict:
    from babel.messages.mofile import read_mo

    def key(value):  # a plural message's id and strings are lists
        return tuple(value) if isinstance(value, (list, tuple)) else value

    return {key(m.id): key(m.string) for m in read_mo(io.BytesIO(mo)) if m.id}


def main() -> int:
    for po_path in sorted(ROOT.glob("**/translations/*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        data = compiled(po_path)
        if not mo_path.exists() or _messages(mo_path.read_bytes()) != _messages(data):
            mo_path.write_bytes(data)
            print(f"compiled {mo_path.relative_to(ROOT.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
