"""Every piece of text a person reads goes through Flask-Babel, and the English catalogues are complete
and current: no unmarked words in a template, no plain-string message in Python, every marked message
(plural forms too) translated, and no catalogue entry left behind by code that changed."""
from __future__ import annotations

from babel.messages.pofile import read_po

from tests.i18n.scan import (PACKAGE, ROOT, extracted, modules, templates, unmarked_python_messages,
                             unmarked_template_text)

# Socket.IO acknowledgements are read by Loket's own scripts and never shown to a person.
FOR_PROGRAMS = {"loket/sockets.py"}


def _catalogues():
    for po in sorted(PACKAGE.glob("**/translations/en/LC_MESSAGES/messages.po")):
        with po.open("rb") as fh:
            yield po.relative_to(ROOT), read_po(fh, locale="en")


def _english() -> dict:
    merged = {}
    for _where, catalogue in _catalogues():
        for message in catalogue:
            if not message.id or message.fuzzy:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for msgid, string in zip(ids, strings):
                if string:
                    merged[msgid] = string
    return merged


def test_the_scanner_finds_unmarked_text(tmp_path, monkeypatch):
    import tests.i18n.scan as scan

    monkeypatch.setattr(scan, "ROOT", tmp_path)
    template = tmp_path / "page.html"
    template.write_text(
        '{% extends "base.html" %}{% block body_class %}kiosk{% endblock %}\n'
        '<h1>{{ _("Silakan pilih layanan") }}</h1>\n'
        '<p class="x">Ambil tiket {{ n }}</p>\n'
        '<input type="submit" value="Kirim"> <img alt="{{ _(\'Logo\') }}" src="a.png">\n'
        '<a href="#" title="Kembali">{{ _("Kembali") }}</a><{{ tag }} class="std">SKM</{{ tag }}>\n'
        '<script>const label = "Tidak dihitung";</script><code>A-001</code>\n', encoding="utf-8")
    found = scan.unmarked_template_text(template)
    assert found == ["page.html:3: Ambil tiket …", 'page.html:4: input[value]="Kirim"',
                     'page.html:5: a[title]="Kembali"'], found

    module = tmp_path / "views.py"
    module.write_text(
        "from flask import abort, flash\n"
        "def view(errors):\n"
        "    flash('Data tersimpan dengan baik.')\n"
        "    flash(_('Data sudah tersimpan.'))\n"
        "    errors['nama'] = 'Nama wajib diisi.'\n"
        "    name = StringField('Nama lengkap Anda', [Length(max=5, message='Terlalu panjang sekali.')])\n"
        "    abort(400, 'Periode tidak dikenal.')\n"
        "    return {'error': 'Loket tidak ditemukan.', 'code': 'not found'}\n", encoding="utf-8")
    lines = [line.split(": ", 1)[0] for line in scan.unmarked_python_messages(module)]
    assert sorted(lines) == ["views.py:3", "views.py:5", "views.py:6", "views.py:6", "views.py:7", "views.py:8"]


def test_templates_have_no_unmarked_text():
    found = [line for path in templates() for line in unmarked_template_text(path)]
    assert not found, "text not marked with _():\n" + "\n".join(found)


def test_python_messages_are_marked():
    found = [line for path in modules() if str(path.relative_to(ROOT)) not in FOR_PROGRAMS
             for line in unmarked_python_messages(path)]
    assert not found, "messages not marked with _(), _l() or N_():\n" + "\n".join(found)


def test_every_marked_message_has_an_english_translation():
    english = _english()
    missing = [f"{where[0]}: {msgid!r}" for msgid, where in extracted(templates() + modules()).items()
               if msgid not in english]
    assert not missing, "no English translation (add it to the area's .po, then " \
                        "python scripts/compile_translations.py):\n" + "\n".join(missing)


def test_catalogues_hold_no_fuzzy_and_no_stale_entries():
    in_code = extracted(templates() + modules())
    fuzzy, stale = [], []
    for where, catalogue in _catalogues():
        for message in catalogue:
            if not message.id:
                continue
            msgid = message.id[0] if isinstance(message.id, tuple) else message.id
            if message.fuzzy:
                fuzzy.append(f"{where}: {msgid!r}")
            if msgid not in in_code:
                stale.append(f"{where}: {msgid!r}")
    assert not fuzzy, "fuzzy entries are not used; check and unmark them:\n" + "\n".join(fuzzy)
    assert not stale, "no longer in the code (remove, or mark the code's string):\n" + "\n".join(stale)


def test_plural_messages_have_both_english_forms():
    plurals = 0
    for where, catalogue in _catalogues():
        for message in catalogue:
            if isinstance(message.id, tuple):
                plurals += 1
                assert isinstance(message.string, tuple) and len(message.string) == 2 and all(message.string), \
                    f"{where}: {message.id} needs msgstr[0] (one) and msgstr[1] (other)"
    assert plurals, "counts of people are plural messages (ngettext)"
