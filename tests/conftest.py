"""Shared fixtures: an app per test on its own SQLite file, clients, officers, tickets, live server.

Browser tests use Debian's chromium through Playwright; with LOKET_REQUIRE_BROWSER=1 (CI) a
missing browser is an error, not a skip. Same for PostgreSQL/Redis with LOKET_REQUIRE_SERVICES=1.
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from loket.extensions import db
from support import free_port, fresh_postgres_url, login, migrated_app, require_or_skip, require_service  # noqa: F401

CHROMIUM = os.environ.get("LOKET_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"




def make_app(tmp_path: Path, **overrides):
    instance = tmp_path / "instance"
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'test.db'}",
        "LOKET_PUBLIC_BASE_URL": "http://loket.test",
        "LOKET_RECORD_EVENTS": True,
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
        "LOKET_OFFICE_HOURS": "24/7",  # tests run at any hour; hours are tested on their own
    }
    config.update(overrides)
    return migrated_app(config)  # the schema the migrations make (no create_all anywhere)


@pytest.fixture(autouse=True)
def _events_sent_before_received(monkeypatch):
    """The publisher sends Socket.IO events in the background, after the request has answered; a
    test's Socket.IO client reads what it received once everything published so far is sent."""
    from flask_socketio.test_client import SocketIOTestClient

    received = SocketIOTestClient.get_received

    def get_received(self, namespace=None):
        assert self.app.extensions["loket.publisher"].wait_sent(), "events were not sent within 10 s"
        return received(self, namespace)

    monkeypatch.setattr(SocketIOTestClient, "get_received", get_received)


@pytest.fixture
def app_config():
    """Override per test module/test to change the app's config."""
    return {}






@pytest.fixture
def app_database():
    """Which database the `app` fixture uses; parametrize with "postgresql" to run on both."""
    return "sqlite"


@pytest.fixture
def app(tmp_path, app_config, app_database):
    from loket.bootstrap import ensure_ready

    if app_database == "postgresql":
        app_config = {"SQLALCHEMY_DATABASE_URI": fresh_postgres_url(), **app_config}
    app = make_app(tmp_path, **app_config)
    with app.app_context():
        app.config["LOKET_ADMIN_PASSWORD"] = ensure_ready().get("admin_password")
        db.session.remove()
    app.extensions["loket.publisher"].sent.clear()  # tests see only their own events
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def published(app):
    """The domain events published so far (LOKET_RECORD_EVENTS)."""
    return app.extensions["loket.publisher"].sent


@pytest.fixture
def make_user(app):
    """Create a staff account: make_user("budi", role="officer", counters=[1])."""
    from loket.auth.models import User
    from loket.queue.models import Counter
    from sqlalchemy import select

    def make(username="petugas", *, role="officer", counters=(1,), password="rahasia-123", office=None):
        """`office`: an office code (default: the first office; none for an admin, who then manages
        the whole installation)."""
        from loket.offices.models import Office
        from loket.offices.scope import default_office

        with app.app_context():
            if office is not None:
                office_row = db.session.scalar(select(Office).where(Office.code == office))
            else:
                office_row = None if role == "admin" else default_office()
            user = User(username=username, role=role, display_name=username.title(),
                        office_id=office_row.id if office_row else None)
            user.set_password(password)
            in_office = office_row.id if office_row else default_office().id
            user.counters = [db.session.scalar(select(Counter).where(Counter.number == n, Counter.office_id == in_office))
                             for n in counters]
            db.session.add(user)
            db.session.commit()
            return user.id

    return make




@pytest.fixture
def officer(app, make_user):
    """A test client logged in as an officer assigned to counter 1."""
    make_user("officer1", role="officer", counters=(1,))
    return login(app.test_client(), "officer1")


@pytest.fixture
def admin_client(app, make_user):
    make_user("admin2", role="admin", counters=())
    return login(app.test_client(), "admin2")


@pytest.fixture
def make_ticket(ctx):
    """Issue a ticket through the domain: make_ticket("A", priority=False)."""
    from loket.queue import core

    def make(code="A", **kwargs):
        return core.issue_ticket(code, **kwargs)

    return make


@pytest.fixture
def make_counter(ctx):
    from loket.queue.models import Counter, Service
    from sqlalchemy import func, select

    def make(codes=("A",), name=None, office_id=None):
        """A new counter of `office_id` (default: the first office) serving `codes` of that office."""
        from loket.offices.scope import default_office

        office_id = office_id or default_office().id
        number = (db.session.scalar(select(func.max(Counter.number)).where(Counter.office_id == office_id)) or 0) + 1
        services = [db.session.scalar(select(Service).where(Service.code == c, Service.office_id == office_id))
                    for c in codes]
        counter = Counter(office_id=office_id, number=number, name=name or f"Loket {number}", services=services)
        db.session.add(counter)
        db.session.commit()
        return counter

    return make




class LiveServer:
    """The app served in-process (HTTP + Socket.IO) on a free port, so tests can act through the
    domain layer and the browser sees the events."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_server(app):
    app.config["LOKET_PUBLIC_BASE_URL"] = "http://127.0.0.1"  # replaced below with the real port
    server = LiveServer(app)
    app.config["LOKET_PUBLIC_BASE_URL"] = server.url
    server.start()
    yield server
    server.stop()


# --- Playwright / chromium ------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    require_or_skip(Path(CHROMIUM).exists() or shutil.which("chromium") is not None, "Debian chromium")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture(scope="session")
def browser(browser):
    """Browsers speak Indonesian here, as an office's visitors' phones mostly do, unless a test says
    otherwise: headless Chromium sends `Accept-Language: en-US`, and visitors' own pages follow it."""
    new_context = browser.new_context

    def indonesian_context(**kwargs):
        kwargs.setdefault("locale", "id-ID")
        return new_context(**kwargs)

    browser.new_context = indonesian_context
    return browser


@pytest.fixture
def tcp_printer():
    """A network receipt printer on 127.0.0.1 that keeps the bytes it receives (tests/escpos_tools.py)."""
    from escpos_tools import TcpPrinter

    printer = TcpPrinter().start()
    yield printer
    printer.stop()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


SECOND_STANDARD = Path(__file__).parent / "fixtures" / "standar-kantor-kedua.toml"


@pytest.fixture
def second_office(app):
    """A second office, code "dukcapil", numbers "DK-…", with services A and B (the same codes as the
    first office's), counters 1 and 2 of its own; kiosk 1 and display 1 stay with the first office.
    Returns {"id", "code", "prefix", "services": {code: id}, "counters": {number: id}, "first": first office id}."""
    from sqlalchemy import select

    from loket.bootstrap import add_counters
    from loket.catalogue.loader import load_file
    from loket.offices.scope import create_office, default_office
    from loket.queue.models import Service

    with app.app_context():
        office = create_office("dukcapil", name="Disdukcapil Contoh", prefix="DK")
        load_file(SECOND_STANDARD, office)
        counters = add_counters(office)
        db.session.commit()
        info = {"id": office.id, "code": office.code, "prefix": office.prefix, "first": default_office().id,
                "services": {s.code: s.id for s in db.session.scalars(select(Service).where(Service.office_id == office.id))},
                "counters": {c.number: c.id for c in counters}}
        db.session.remove()
    app.extensions["loket.publisher"].sent.clear()
    return info
