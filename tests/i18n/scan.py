"""Finds person-facing text that does not go through Flask-Babel, and catalogues that fell behind.

`unmarked_template_text(path)` reads a Jinja template as HTML with every `{{ … }}` and `{% … %}` blanked
out and returns the literal words left in text and in the attributes people read (title, alt,
placeholder, aria-label, label, a button's value). `extracted(paths)` is what Babel's extractor finds
in templates and Python (gettext, lazy_gettext, ngettext, N_), with where it was found.
"""
from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.extract import extract_from_file

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "loket"
KEYWORDS = {"_": None, "_l": None, "N_": None, "gettext": None, "lazy_gettext": None,
            "ngettext": (1, 2), "lazy_ngettext": (1, 2), "_n": (1, 2)}

# Words that are the same in both languages: names, abbreviations and domain terms kept in Indonesian.
SAME_IN_BOTH = {"loket", "skm", "ikm", "nrr", "qr", "wita", "wib", "wit", "nip", "opd", "lpse", "lkpp",
                "pdf", "xlsx", "csv", "escpos", "esc/pos", "tcp", "usb", "ip", "id", "en", "url", "api",
                "html", "htmx", "ok", "p90", "bahasa", "indonesia", "english", "e-mail", "email", "ppk",
                "bimtek", "berkas", "pengaduan", "kiosk", "socket.io", "redis", "postgresql", "sqlite",
                "a4", "p", "u1", "u9"}
READ_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "label",
                   "aria-roledescription", "aria-valuetext"}
JINJA = re.compile(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", re.S)
# A block that fills in a class name (`{% block body_class %}kiosk{% endblock %}`) holds no text.
CLASS_BLOCK = re.compile(r"\{%-?\s*block\s+\w*class\w*\s*-?%\}.*?\{%-?\s*endblock\b.*?%\}", re.S)
HOLE = "\x00"


def _words(text: str) -> list[str]:
    """The words in literal text a person would read (not numbers, symbols or entities)."""
    text = re.sub(r"&[a-zA-Z]+;|&#\d+;", " ", text.replace(HOLE, " "))
    words = re.findall(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ0-9./@'-]*", text)
    return [w for w in words if w.lower().strip(".-'") not in SAME_IN_BOTH]


class _Reader(HTMLParser):
    SKIP = {"script", "style", "code", "kbd", "samp"}

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.skipping = 0
        self.found: list[tuple[int, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        attributes = dict(attrs)
        for name, value in attrs:
            readable = name in READ_ATTRIBUTES or (
                name == "value" and tag == "input" and attributes.get("type") in {"submit", "button", "reset"})
            if readable and value and _words(value):
                self.found.append((self.getpos()[0], f'{tag}[{name}]="{value.replace(HOLE, "…")}"'))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in self.SKIP:
            self.skipping -= 1

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping and _words(data):
            self.found.append((self.getpos()[0], " ".join(data.replace(HOLE, "…").split())))


def unmarked_template_text(path: Path) -> list[str]:
    """`file:line: text` for each piece of literal, unmarked text in a template."""
    source = path.read_text(encoding="utf-8")
    # Blank Jinja out but keep its newlines, so line numbers stay those of the file.
    blank = lambda m: HOLE + "\n" * m.group(0).count("\n")  # noqa: E731
    blanked = JINJA.sub(blank, CLASS_BLOCK.sub(blank, source))
    blanked = blanked.replace("<" + HOLE, "<x-jinja").replace("</" + HOLE, "</x-jinja")  # <{{ tag }} …>
    reader = _Reader()
    reader.feed(blanked)
    reader.close()
    where = path.relative_to(ROOT)
    return [f"{where}:{line}: {text}" for line, text in reader.found]


def templates() -> list[Path]:
    return sorted(PACKAGE.glob("templates/**/*.html"))


def extracted(paths) -> dict[str, list[str]]:
    """msgid (the singular and plural form both, for ngettext) -> where Babel's extractor finds it."""
    found: dict[str, list[str]] = {}
    for path in paths:
        method = "jinja2" if path.suffix == ".html" else "python"
        options = {"extensions": "jinja2.ext.i18n"} if method == "jinja2" else {}
        for line, message, _comments, _context in extract_from_file(method, path, keywords=KEYWORDS,
                                                                    options=options):
            for msgid in (message if isinstance(message, tuple) else (message,)):
                if msgid:
                    found.setdefault(msgid, []).append(f"{path.relative_to(ROOT)}:{line}")
    return found


# --- Python: person-facing messages that are plain strings -----------------------------------------

PERSON_FACING_ERRORS = {"QueueError", "InvalidInput", "NotFound", "TransitionNotAllowed", "ServiceClosed",
                        "CounterNotAllowed", "RatingClosed", "ValidationError", "StopValidation",
                        "FormError", "CaseError", "SettingsError", "ReportError", "PeriodError"}
MARKERS = {"_", "_l", "N_", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext"}
MESSAGE_KEYS = {"error", "message", "detail"}


def _name(node) -> str | None:
    return getattr(node, "id", None) or getattr(node, "attr", None)


def _is_text(node) -> bool:
    """A string literal that reads as words (not a code such as "kiosk" or "A-001")."""
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)
            and bool(re.search(r"[A-Za-z]{2,}\s+[A-Za-z]", node.value)))


def unmarked_python_messages(path: Path) -> list[str]:
    """`file:line: text` for each string a person reads that is not marked for translation: flash(),
    abort(…, "…"), a person-facing error raised with a literal, `errors[…] = "…"`, a WTForms field's
    label or a validator's message=, and {"error": "…"} answers."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        candidates = []
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in MARKERS:
                continue
            if name == "flash" and node.args:
                candidates.append(node.args[0])
            elif name == "abort":
                candidates += node.args[1:] + [k.value for k in node.keywords if k.arg == "description"]
            elif name in PERSON_FACING_ERRORS and node.args:
                candidates.append(node.args[0])
            elif name and name.endswith("Field") and node.args:
                candidates.append(node.args[0])
            candidates += [k.value for k in node.keywords if k.arg in {"message", "label", "description"}]
        elif (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Subscript)
              and _name(node.targets[0].value) == "errors"):
            candidates.append(node.value)
        elif isinstance(node, ast.Dict):
            candidates += [v for k, v in zip(node.keys, node.values)
                           if isinstance(k, ast.Constant) and k.value in MESSAGE_KEYS]
        for candidate in candidates:
            if _is_text(candidate):
                found.append(f"{path.relative_to(ROOT)}:{candidate.lineno}: {candidate.value!r}")
    return found


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.glob("**/*.py") if "migrations" not in p.parts)
