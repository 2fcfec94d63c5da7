"""Helpers shared by tests (imported as `support`): real parts that may be missing, free ports.

Kept out of conftest.py so test modules can import them by a name that is not ambiguous.
"""
from __future__ import annotations

import csv
import io
import os
import socket

import pytest


def require_or_skip(condition: bool, what: str, env: str = "LOKET_REQUIRE_BROWSER") -> None:
    """Skip when a real part is missing, except in CI where that must fail loudly."""
    if condition:
        return
    if os.environ.get(env) == "1":
        pytest.fail(f"{what} is required ({env}=1) but not available")
    pytest.skip(f"{what} not available")


def require_service(env: str, what: str) -> str:
    """The URL of a test server started by scripts/services.sh, or skip (fail under CI)."""
    url = os.environ.get(env)
    require_or_skip(bool(url), f"{what} ({env})", env="LOKET_REQUIRE_SERVICES")
    return url


def fresh_postgres_url() -> str:
    """The test PostgreSQL database, emptied: every test starts from a clean schema."""
    from sqlalchemy import create_engine, text

    url = require_service("LOKET_TEST_POSTGRES_URL", "PostgreSQL")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_TEMPLATE: list = []  # a SQLite database migrated to head once per test process, copied for each test


def _template_db() -> str:
    """Run the migrations once into a throw-away SQLite file; tests copy it (much faster than
    migrating every test's database, and still the schema the migrations make)."""
    if not _TEMPLATE:
        import tempfile

        from loket import create_app
        from loket.extensions import db
        from loket.ops import schema

        folder = tempfile.mkdtemp(prefix="loket-template-")
        app = create_app({"INSTANCE_PATH": folder, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/template.db",
                          "SECRET_KEY": "template"})
        with app.app_context():
            schema.upgrade(safety_copy=False)
            db.engine.dispose()
        _TEMPLATE.append(f"{folder}/template.db")
    return _TEMPLATE[0]


def prepare_database(app) -> None:
    """Bring a test app's database to head: a copy of the migrated template for a new SQLite file,
    the migrations themselves otherwise (PostgreSQL, or a file that already has data)."""
    import sqlite3

    from loket.extensions import db
    from loket.ops import schema

    with app.app_context():
        path = schema.sqlite_path()
        if path is not None and (not path.exists() or path.stat().st_size == 0):
            path.parent.mkdir(parents=True, exist_ok=True)
            source = sqlite3.connect(_template_db())
            target = sqlite3.connect(str(path))
            with target:
                source.backup(target)
            source.close()
            target.close()
            db.engine.dispose()
        else:
            schema.upgrade(safety_copy=False)
        db.session.remove()


def migrated_app(config: dict | None = None):
    """create_app() plus a database at head, as `loket serve` would leave it."""
    from loket import create_app

    _template_db()  # first: building an app binds the shared Socket.IO server to it, so the test's app comes last
    app = create_app(config)
    prepare_database(app)
    return app


def start_loket_serve(instance, port: int, **env_overrides):
    """A real `loket serve` process (gunicorn master + worker in a new session) on 127.0.0.1:port,
    with its own instance folder (SQLite unless LOKET_DATABASE_URL is given)."""
    import subprocess
    import sys

    env = {**os.environ, "LOKET_INSTANCE": str(instance), "LOKET_OFFICE_HOURS": "24/7"}
    for name in ("LOKET_DATABASE_URL", "LOKET_REDIS_URL"):
        env.pop(name, None)
    env.update({k: str(v) for k, v in env_overrides.items()})
    return subprocess.Popen([sys.executable, "-m", "loket.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, preexec_fn=die_with_parent)


def die_with_parent() -> None:
    """preexec_fn: the server gets SIGTERM when the test process dies (a killed pytest leaves no
    server behind); Linux keeps this across the exec into gunicorn."""
    import ctypes
    import signal

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def wait_until_serving(proc, port: int, timeout: float = 60, path: str = "/kiosk/1") -> None:
    import time

    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"loket serve exited: {proc.stdout.read()}")
        try:
            if requests.get(f"http://127.0.0.1:{port}{path}", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"loket serve did not answer within {timeout} s")


def stop_loket_serve(proc, *, kill: bool = False) -> str:
    """Stop the master and its worker (SIGTERM: a clean stop; kill=True: like a power cut). Returns the output."""
    import signal
    import subprocess

    try:
        os.killpg(proc.pid, signal.SIGKILL if kill else signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        return proc.communicate(timeout=20)[0]
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        return proc.communicate(timeout=10)[0]


def login(client, username, password="rahasia-123"):
    """Log a Flask test client in through the real login form."""
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def log_in_browser(page, base: str, username: str, password: str = "rahasia-123") -> None:
    """Log a Playwright page in through the real login form."""
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def csv_sections(body: bytes) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) of each table in the CSV; the heading block before them left out."""
    assert body.startswith("\ufeff".encode())
    blocks, block = [], []
    for line in csv.reader(io.StringIO(body.decode("utf-8-sig"))):
        if line:
            block.append(line)
        else:
            blocks.append(block)
            block = []
    return [(title[0], header, rows) for title, header, *rows in blocks[1:]]


def report_tables(html: str) -> dict[str, list[dict[str, tuple[str, str]]]]:
    """The report page's tables (`<table data-table=KEY>`): per table, its rows as {column key: (data-value,
    shown text)}, the total row last."""
    from html.parser import HTMLParser

    class Reader(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tables, self.table, self.cell, self.row = {}, None, None, None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "table" and "data-table" in attrs:
                self.table = self.tables.setdefault(attrs["data-table"], [])
            elif self.table is not None and tag == "tr":
                self.row = {}
            elif self.row is not None and tag in ("td", "th") and "data-column" in attrs:
                self.cell = [attrs["data-column"], attrs.get("data-value") or "", ""]

        def handle_data(self, data):
            if self.cell is not None:
                self.cell[2] += data

        def handle_endtag(self, tag):
            if tag in ("td", "th") and self.cell is not None:
                self.row[self.cell[0]] = (self.cell[1], self.cell[2].strip())
                self.cell = None
            elif tag == "tr" and self.row is not None:
                if self.row:
                    self.table.append(self.row)
                self.row = None
            elif tag == "table":
                self.table = None

    reader = Reader()
    reader.feed(html)
    return reader.tables


def report_row(html: str, table: str, first: str) -> dict[str, str]:
    """One row of a report table, found by the start of its first cell; {column key: data-value}."""
    for row in report_tables(html)[table]:
        if next(iter(row.values()))[0].startswith(first):
            return {key: value for key, (value, _text) in row.items()}
    raise AssertionError(f"no row starting with {first!r} in table {table!r}")


def read_shown(text: str, kind: str):
    """A report cell as the page shows it in Indonesian ("3.200", "12,5", "+1,2", "–" for nothing)."""
    import re

    from loket.reports.tables import DECIMALS

    if text == "–":
        return None
    if kind == "text":
        return text
    assert re.fullmatch(r"[+\-−]?\d{1,3}(\.\d{3})*(,\d+)?", text), f"not an Indonesian number: {text!r}"
    number = text.replace(".", "").replace(",", ".").replace("−", "-")
    return int(number) if DECIMALS[kind] == 0 else float(number)
