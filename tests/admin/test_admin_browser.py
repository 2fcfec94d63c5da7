"""Issue 10's end-to-end checks in headless Chromium: the office runs itself from the browser.

1. An admin adds a counter serving two services and an officer for it; the officer must replace the
   one-time password, calls a ticket at the new counter and transfers it with a note; the receiving
   counter shows the note; the audit log shows each step; the supervisors' dashboard (another page)
   changed live at each step.
2. A complaint from the kiosk is assigned by a supervisor, answered by the assigned officer (another
   officer gets 403), replied to by the complainant on the tracking page, and closed; the tracking page
   follows without a reload.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from loket.extensions import db
from loket.queue import core
from loket.queue.models import Counter, Service

pytestmark = pytest.mark.browser


@pytest.fixture
def pages(browser):
    made = []

    def make(**options):
        # bypass_csp: Playwright's wait_for_function evaluates in the page, which the CSP forbids.
        context = browser.new_context(bypass_csp=True, **{"viewport": {"width": 1280, "height": 900}, **options})
        made.append(context)
        page = context.new_page()
        page.js_errors = []
        page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
        return page

    yield make
    for context in made:
        context.close()


def log_in(page, base, username, password="rahasia-123", next_path="/"):
    page.goto(f"{base}/login?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    return page


def text_becomes(page, selector, wanted, timeout=10_000):
    page.wait_for_function(
        "([sel, wanted]) => { const el = document.querySelector(sel); return !!el && el.textContent.includes(wanted); }",
        arg=[selector, wanted], timeout=timeout)


def test_an_admin_sets_up_a_counter_and_an_officer_who_works_there(app, live_server, make_user, pages, artifacts):
    base = live_server.url
    make_user("kepala", role="admin", office="utama", counters=())
    make_user("kasubag", role="supervisor", counters=())
    make_user("budi", counters=(2,))  # counter 2 serves B: receives the transfer
    with app.app_context():
        ids = {s.code: s.id for s in db.session.scalars(select(Service))}

    board = log_in(pages(), base, "kasubag", next_path="/admin/dasbor")
    board.wait_for_selector("body[data-live=connected]", timeout=10_000)

    admin = log_in(pages(), base, "kepala", next_path="/admin/loket/baru")
    admin.fill("input[name=name]", "Loket Terpadu")
    admin.check(f"input[name=services][value='{ids['A']}']")
    admin.check(f"input[name=services][value='{ids['B']}']")
    number = admin.input_value("input[name=number]")
    admin.click("main form button[type=submit]")
    admin.wait_for_url(re.compile(r"/admin/loket"))
    assert "Loket Terpadu" in admin.inner_text("main")
    # Step 1 on the dashboard: the new counter appears without a reload.
    board.wait_for_selector(f"#dashboard-counters tr[data-counter='{number}']", timeout=10_000)
    with app.app_context():
        counter_id = db.session.scalar(select(Counter.id).where(Counter.name == "Loket Terpadu"))

    admin.goto(f"{base}/admin/petugas/baru")
    admin.fill("input[name=username]", "wayan")
    admin.fill("input[name=display_name]", "Wayan Sudarma")
    admin.check(f"input[name=counters][value='{counter_id}']")
    admin.click("main form button[type=submit]")
    password = admin.inner_text("#one-time-password").strip()
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", password)
    admin.goto(f"{base}/admin/petugas")
    admin.screenshot(path=str(artifacts / "admin-officers.png"), full_page=True)
    assert password not in admin.content()

    desk = log_in(pages(), base, "wayan", password, next_path=f"/counter/{counter_id}")
    desk.wait_for_selector("#forced-change")
    desk.goto(f"{base}/counter/{counter_id}")  # nothing else opens yet
    desk.wait_for_selector("#forced-change")
    desk.fill("input[name=current]", password)
    desk.fill("input[name=new]", "wayan-pilihan-2026")
    desk.fill("input[name=repeat]", "wayan-pilihan-2026")
    desk.click("main form button[type=submit]")
    desk.goto(f"{base}/counter/{counter_id}")
    desk.wait_for_selector("body[data-live=connected]", timeout=10_000)

    with app.app_context():
        ticket = core.issue_ticket("A")
        number_a = ticket.number
    text_becomes(board, "#dashboard-services tr[data-service=A] td.waiting", "1")
    desk.wait_for_selector(f'#side .q-item[data-number="{number_a}"]', timeout=10_000)
    desk.click(".act-call")
    desk.wait_for_selector(f'#workspace[data-number="{number_a}"]')
    text_becomes(board, f"#dashboard-counters tr[data-counter='{number}'] td.ticket", number_a)
    text_becomes(board, f"#dashboard-counters tr[data-counter='{number}'] td.officer", "Wayan Sudarma")

    note = "Berkas sudah lengkap, tinggal verifikasi di helpdesk."
    desk.fill("textarea[name=note]", note)
    desk.select_option("select[name=service]", "B")
    desk.click(".act-transfer")
    desk.wait_for_selector("#current .visitor.empty")
    text_becomes(board, "#dashboard-services tr[data-service=B] td.waiting", "1")

    with app.app_context():
        counter_b = db.session.scalar(select(Counter.id).where(Counter.number == 2))
    receiving = log_in(pages(), base, "budi", next_path=f"/counter/{counter_b}")
    receiving.wait_for_selector("body[data-live=connected]", timeout=10_000)
    receiving.click(".act-call")
    receiving.wait_for_selector(f'#workspace[data-number="{number_a}"]')
    assert note in receiving.inner_text("#transfer-note")
    text_becomes(board, "#dashboard-counters tr[data-counter='2'] td.ticket", number_a)
    board.screenshot(path=str(artifacts / "admin-dashboard.png"), full_page=True)

    admin.goto(f"{base}/admin/audit")
    log = admin.inner_text("#audit")
    for line in ("Loket ditambahkan", "Petugas ditambahkan", "Memanggil tiket", "Dialihkan ke layanan lain"):
        assert line in log, line
    assert note in log and "Loket Terpadu" in log and "wayan" in log
    assert [p.js_errors for p in (board, admin, desk, receiving)] == [[], [], [], []]


def test_a_complaint_followed_from_the_kiosk_to_its_close(app, live_server, make_user, pages, artifacts):
    base = live_server.url
    make_user("kasubag", role="supervisor", counters=())
    rina = make_user("rina", counters=(3,))
    make_user("budi", counters=(1,))

    kiosk = pages()
    kiosk.goto(f"{base}/pengaduan/baru?kiosk=1")
    kiosk.fill("textarea[name=message]", "Saya menunggu dua jam tanpa kepastian.")
    kiosk.click("main form button[type=submit]")
    code = kiosk.inner_text("#tracking-code").replace("-", "").strip()

    phone = pages(viewport={"width": 390, "height": 844})
    phone.goto(f"{base}/pengaduan/{code}")
    phone.wait_for_selector("body[data-live=connected]", timeout=10_000)
    assert phone.inner_text("#complaint-status") == "Diterima"

    with app.app_context():
        from loket.feedback.models import Complaint

        complaint_id = db.session.scalar(select(Complaint.id).where(Complaint.code == code))
    boss = log_in(pages(), base, "kasubag", next_path=f"/admin/pengaduan/{complaint_id}")
    boss.select_option("select[name=assignee]", str(rina))
    boss.click(".assign-form button[type=submit]")
    boss.wait_for_selector("#assignee")
    assert "Rina" in boss.inner_text("#assignee")

    other = log_in(pages(), base, "budi", next_path="/admin/pengaduan?status=all")
    assert code not in other.content()
    response = other.goto(f"{base}/admin/pengaduan/{complaint_id}")
    assert response.status == 403

    officer = log_in(pages(), base, "rina", next_path="/admin/pengaduan?untuk=saya")
    officer.click(f"tr[data-code='{code}'] a")
    officer.fill("textarea[name=text]", "Sudah saya telepon; menunggu konfirmasi LPSE.")
    officer.click(".note-form button[type=submit]")
    officer.fill("textarea[name=response]", "Mohon maaf. Antrean helpdesk kini dibuka dua loket.")
    officer.click(".status-form button[value=answered]")
    # The phone follows without a reload; the internal note never shows there.
    text_becomes(phone, "#complaint-status", "Dijawab")
    assert "dua loket" in phone.inner_text("#complaint-response")
    assert "menunggu konfirmasi LPSE" not in phone.content()

    phone.fill("textarea[name=text]", "Terima kasih, tetapi saya belum dihubungi LPSE.")
    phone.click("#reply-form button[type=submit]")
    phone.wait_for_selector("#reply-sent")
    assert phone.inner_text("#complaint-status") == "Sedang diproses"
    phone.wait_for_selector("body[data-live=connected]", timeout=10_000)

    officer.reload()
    assert "belum dihubungi LPSE" in officer.inner_text(".complaint-history")
    officer.fill("textarea[name=response]", "LPSE sudah menghubungi Anda hari ini.")
    officer.click(".status-form button[value=answered]")
    text_becomes(phone, "#complaint-status", "Dijawab")
    officer.click(".status-form button[value=closed]")
    text_becomes(phone, "#complaint-status", "Selesai")
    assert "hari ini" in phone.inner_text("#complaint-response")
    phone.screenshot(path=str(artifacts / "complaint-tracking-history.png"), full_page=True)
    assert [p.js_errors for p in (phone, boss, officer)] == [[], [], []]
