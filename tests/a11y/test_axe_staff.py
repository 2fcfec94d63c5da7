"""axe-core on the staff pages (issue 14, item 4): the login, the counter in each state and every admin page
have no serious or critical violation (one JSON per page-state in tests/artifacts/axe/); one app and server per module.
"""
from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import select

from axe import check, context
from loket.extensions import db
from support import free_port, migrated_app

pytestmark = pytest.mark.browser

PASSWORD = "rahasia-123"
VIEWPORT = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The app (with demo history, an admin, a supervisor and an officer at counter 1) served on a free port."""
    from werkzeug.serving import make_server

    from loket.auth.models import User
    from loket.bootstrap import ensure_ready
    from loket.ops import demo
    from loket.queue.models import Counter

    folder = tmp_path_factory.mktemp("axe-staff")
    port = free_port()
    app = migrated_app({"TESTING": True, "INSTANCE_PATH": str(folder),
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'axe.db'}",
                        "LOKET_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "LOKET_OFFICE_HOURS": "24/7",
                        "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        ensure_ready()
        demo.generate(days=7, seed=7)
        office_id = db.session.scalar(select(Counter.office_id).where(Counter.number == 1))
        for username, role in (("kepala", "admin"), ("kasubag", "supervisor"), ("wayan", "officer")):
            user = User(username=username, role=role, display_name=username.title(),
                        office_id=None if role == "admin" else office_id)
            user.set_password(PASSWORD)
            if role == "officer":
                user.counters = [db.session.scalar(select(Counter).where(Counter.number == 1))]
            db.session.add(user)
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(5)
    with app.app_context():
        db.engine.dispose()


def logged_in(browser, base, username):
    ctx = context(browser, viewport=VIEWPORT)
    page = ctx.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return page


def verdicts(page, name, found: dict) -> None:
    """Run axe on the page as it is now; keep its blocking violations under `name`."""
    lines = check(page, name)
    if lines:
        found[name] = lines


def readable(found: dict) -> str:
    return "\n".join(f"{name}: {line}" for name, lines in found.items() for line in lines)


def test_the_login_page_and_its_error_states(site, browser):
    _, base = site
    ctx = context(browser, viewport=VIEWPORT)
    page = ctx.new_page()
    found: dict = {}
    page.goto(f"{base}/login")
    verdicts(page, "staff-login", found)
    page.click("main button[type=submit]")  # nothing typed: both fields are in error
    page.wait_for_selector(".field-error")
    verdicts(page, "staff-login-empty", found)
    page.fill("input[name=username]", "wayan")
    page.fill("input[name=password]", "salah-sekali")
    page.click("main button[type=submit]")
    page.wait_for_selector("#login-error")
    verdicts(page, "staff-login-wrong", found)
    ctx.close()
    assert not found, readable(found)


def test_the_counter_page_in_each_state(site, browser):
    app, base = site
    from loket.queue import core

    with app.app_context():
        for _ in range(2):
            core.issue_ticket("A")
        db.session.remove()
    page = logged_in(browser, base, "wayan")
    page.goto(f"{base}/counter/")
    page.wait_for_selector("#workspace")
    page.wait_for_selector("body[data-live=connected]")
    found: dict = {}
    verdicts(page, "staff-counter-idle", found)

    page.click(".act-call")
    page.wait_for_selector("#workspace[data-state=called]")
    verdicts(page, "staff-counter-called", found)

    # the transfer form filled in and a queue ticket's priority form open
    page.select_option("select[name=service]", index=1)
    page.fill("textarea[name=note]", "Berkas lengkap.")
    page.click("#side .q-priority summary")
    verdicts(page, "staff-counter-transfer-open", found)

    page.click(".act-start")
    page.wait_for_selector("#workspace[data-state=serving]")
    verdicts(page, "staff-counter-serving", found)

    page.click(".act-close")
    page.wait_for_selector("#current .visitor.empty")
    page.click(".act-pause")
    page.wait_for_selector("#workspace[data-paused='1']")
    verdicts(page, "staff-counter-paused", found)
    page.click(".act-pause")
    page.wait_for_selector("#workspace[data-paused='0']")

    page.goto(f"{base}/counter/?pick=1")
    verdicts(page, "staff-counter-pick", found)
    page.goto(f"{base}/akun/kata-sandi")
    verdicts(page, "staff-password", found)
    page.click("main button[type=submit]")  # nothing typed
    page.wait_for_selector(".field-error")
    verdicts(page, "staff-password-errors", found)
    page.context.close()
    assert not found, readable(found)


def admin_paths(app) -> list[str]:
    """GET routes under /admin without arguments, from the app's url_map."""
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if rule.rule.startswith("/admin") and "GET" in rule.methods and not rule.arguments)


def detail_paths(app) -> list[str]:
    """One page of each /admin route with an argument that renders a whole page (the exports are files,
    a kiosk's printer status is a fragment the devices list polls)."""
    from loket.auth.models import User
    from loket.feedback.models import Complaint
    from loket.queue.models import Counter, Service

    with app.app_context():
        complaint = db.session.scalar(select(Complaint.id).order_by(Complaint.id))
        counter = db.session.scalar(select(Counter.id).order_by(Counter.id))
        officer = db.session.scalar(select(User.id).where(User.username == "wayan"))
        service = db.session.scalar(select(Service.id).order_by(Service.id))
        db.session.remove()
    return [f"/admin/pengaduan/{complaint}", f"/admin/loket/{counter}", f"/admin/petugas/{officer}",
            f"/admin/layanan/{service}/checklist"]


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")


def test_every_admin_page_as_the_admin(site, browser):
    app, base = site
    page = logged_in(browser, base, "kepala")
    found: dict = {}
    visited = set()
    for path in admin_paths(app) + detail_paths(app) + ["/kiosk/1/printer", "/display/1/settings"]:
        response = page.goto(f"{base}{path}")
        assert response.status == 200, (path, response.status)
        visited.add(path)
        verdicts(page, f"staff-{slug(path)}", found)

    # every link of the admin navigation was among them
    page.goto(f"{base}/admin/")
    nav = {re.sub(r"\?.*$", "", href) for href in
           page.eval_on_selector_all(".admin-nav a", "links => links.map(a => a.getAttribute('href'))")}
    assert nav <= visited, nav - visited
    # a form sent back with errors
    page.goto(f"{base}/admin/loket/baru")
    page.fill("input[name=name]", "")
    page.click("main form button[type=submit]")
    page.wait_for_selector(".field-error")
    verdicts(page, "staff-admin-loket-baru-errors", found)
    page.goto(f"{base}/admin/petugas/baru")
    page.click("main form button[type=submit]")
    page.wait_for_selector(".field-error")
    verdicts(page, "staff-admin-petugas-baru-errors", found)
    page.context.close()
    assert not found, readable(found)


def test_the_supervisors_navigation(site, browser):
    app, base = site
    page = logged_in(browser, base, "kasubag")
    page.goto(f"{base}/admin/")
    links = page.eval_on_selector_all(".admin-nav a", "links => links.map(a => a.getAttribute('href'))")
    assert len(links) >= 10
    found: dict = {}
    for href in links:
        page.goto(f"{base}{href}")
        verdicts(page, f"staff-supervisor-{slug(href)}", found)
    page.context.close()
    assert not found, readable(found)
