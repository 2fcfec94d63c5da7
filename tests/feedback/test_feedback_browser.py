"""In headless Debian Chromium: the SKM survey from a finished ticket's page on a phone (JavaScript off),
a complaint from the kiosk, and its public tracking page followed through an officer's response.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from loket.extensions import db
from loket.feedback.models import Complaint, SurveyResponse
from loket.printers.models import PrintJob
from loket.queue import core
from loket.queue.models import Counter

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}  # the real forms, tokens and all


def finished_ticket(app, code="A") -> str:
    with app.app_context():
        ticket = core.issue_ticket(code)
        counter = db.session.scalar(select(Counter).where(Counter.services.any(code=code)))
        core.close_case(core.call_next(counter))
        token = ticket.token
        db.session.remove()
    return token


def stored(app, model) -> list:
    with app.app_context():
        rows = db.session.scalars(select(model)).all()
        db.session.expunge_all()
        return rows


def test_survey_from_the_ticket_page_on_a_phone_without_javascript(app, live_server, browser, artifacts):
    token = finished_ticket(app)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False,
                                  locale="id-ID")
    page = context.new_page()
    page.goto(f"{live_server.url}/t/{token}")
    page.get_by_role("link", name="Nilai layanan kami (SKM)").click()
    page.wait_for_url(f"**/t/{token}/survei")
    assert page.locator("fieldset.question").count() == 9
    # one answer per element, tapping the worded choices
    for key, label in (("u1", "Sangat sesuai"), ("u2", "Mudah"), ("u3", "Cepat"), ("u4", "Gratis"),
                       ("u5", "Sesuai"), ("u6", "Sangat kompeten"), ("u7", "Sangat sopan dan ramah"),
                       ("u8", "Baik"), ("u9", "Dikelola dengan baik")):
        exact = re.compile(rf"^\s*{re.escape(label)}\s*$")
        page.locator(f"#q-{key} label.choice").filter(has_text=exact).click()
        assert page.locator(f"#q-{key} input:checked").count() == 1
    page.locator("details.profile summary").click()
    page.select_option("select[name=gender]", "L")
    page.select_option("select[name=age_band]", "40-49")
    page.fill("textarea[name=suggestion]", "Kursi ruang tunggu ditambah.")
    page.screenshot(path=str(artifacts / "survey-390x844.png"), full_page=True)
    page.get_by_role("button", name="Kirim survei").click()
    page.wait_for_url("**/survei/terima-kasih*")
    assert "Terima kasih" in page.locator("h1").inner_text()

    [answer] = stored(app, SurveyResponse)
    assert answer.answers == (4, 3, 3, 4, 3, 4, 4, 3, 4)
    assert (answer.gender, answer.age_band, answer.suggestion) == ("L", "40-49", "Kursi ruang tunggu ditambah.")

    # the ticket's survey cannot be filled twice
    page.goto(f"{live_server.url}/t/{token}/survei")
    assert "Survei sudah diisi" in page.locator("h1").inner_text()
    assert page.locator("form.survey-form").count() == 0
    context.close()


def test_survey_layout_fits_a_phone(app, live_server, browser):
    token = finished_ticket(app, "B")
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/t/{token}/survei")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = page.locator("#q-u1 label.choice").first.bounding_box()
    assert box["height"] >= 44  # thumb-sized targets
    context.close()


def test_kiosk_complaint_followed_through_an_officer_response(app, live_server, browser, make_user, artifacts):
    make_user("petugas", role="officer", counters=(1,))

    # --- at the kiosk
    kiosk = browser.new_context(viewport={"width": 1080, "height": 1400})
    screen = kiosk.new_page()
    screen.goto(f"{live_server.url}/kiosk/1")
    screen.get_by_role("link", name="Pengaduan & saran").click()
    screen.wait_for_url("**/pengaduan/baru?kiosk=1")
    screen.locator("label.choice", has_text="Pengaduan").click()
    screen.select_option("select[name=service]", "A")
    message = "Nomor saya dilewati <b>dua kali</b> di loket 1."
    screen.fill("textarea[name=message]", message)
    screen.get_by_role("button", name="Kirim").click()
    screen.wait_for_url("**/pengaduan/*?baru=1*")
    shown = screen.locator("#tracking-code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", shown)
    assert screen.locator(".qr svg").count() == 1
    assert "sedang dicetak" in screen.locator("#slip-printing").inner_text()
    code = shown.replace("-", "")
    [complaint] = stored(app, Complaint)
    assert (complaint.code, complaint.channel, complaint.kiosk_id) == (code, "kiosk", "1")
    assert complaint.name is None and complaint.contact is None
    [job] = stored(app, PrintJob)
    assert job.kind == "complaint" and shown.encode() in job.payload
    kiosk.close()

    # --- the visitor follows it on a phone
    phone = browser.new_context(viewport=PHONE, is_mobile=True)
    visitor = phone.new_page()
    visitor.goto(f"{live_server.url}/pengaduan")
    visitor.fill("input[name=kode]", shown.lower())
    visitor.get_by_role("button", name="Lihat status").click()
    visitor.wait_for_url(f"**/pengaduan/{code}")
    assert visitor.locator("#complaint-status").inner_text() == "Diterima"
    assert visitor.locator("#complaint-message").inner_text() == message  # shown as text, not markup
    assert visitor.locator("#complaint-message b").count() == 0

    # --- an officer answers it
    office = browser.new_context()
    staff = office.new_page()
    staff.goto(f"{live_server.url}/login")
    staff.fill("input[name=username]", "petugas")
    staff.fill("input[name=password]", "rahasia-123")
    staff.get_by_role("button", name="Masuk").click()
    staff.goto(f"{live_server.url}/admin/pengaduan")
    staff.locator(f"tr[data-code='{code}'] a").click()
    staff.get_by_role("button", name="Proses").click()
    staff.wait_for_url("**ok=1")
    visitor.reload()
    assert visitor.locator("#complaint-status").inner_text() == "Sedang diproses"

    answer = "Mohon maaf. Petugas loket 1 sudah kami ingatkan; mulai besok urutan panggilan dicek dua kali."
    staff.fill("textarea[name=response]", answer)
    staff.get_by_role("button", name="Kirim tanggapan").click()
    staff.wait_for_url("**ok=1")
    visitor.reload()
    assert visitor.locator("#complaint-status").inner_text() == "Dijawab"
    assert visitor.locator("#complaint-response").inner_text() == answer
    assert visitor.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing sideways
    visitor.screenshot(path=str(artifacts / "complaint-tracking.png"), full_page=True)

    staff.get_by_role("button", name="Tutup").click()
    staff.wait_for_url("**ok=1")
    visitor.reload()
    assert visitor.locator("#complaint-status").inner_text() == "Selesai"
    assert visitor.locator("li[aria-current=step]").inner_text() == "Selesai"
    office.close()
    phone.close()
