"""Staff pages and feedback are per office: officers, supervisors and office admins of office A get a
readable 403 on office B's counters, complaints and report, and never see B's complaints, surveys or
figures in their own pages; the installation admin sees both. Public complaints and surveys land in
the office the visitor chose (or the ticket's, or the kiosk's).
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from loket.extensions import db

from support import login, report_row

ROLES_OF_A = ("a-officer", "a-supervisor", "a-admin")
FORBIDDEN = "kantor lain"  # "Anda tidak berhak membuka data kantor lain."

# Every /counter/<id>/... route, with the method it answers.
COUNTER_ROUTES = [
    ("GET", ""), ("GET", "/workspace"), ("GET", "/side"),
    ("POST", "/services"), ("POST", "/call"), ("POST", "/recall"), ("POST", "/start"), ("POST", "/no-show"),
    ("POST", "/transfer"), ("POST", "/pause"), ("POST", "/close"),
    ("GET", "/rate"), ("GET", "/rate/panel"), ("POST", "/rate"),
]


@pytest.fixture
def offices(app, second_office, make_user):
    """Office A ("utama") and B ("dukcapil"): staff of A in every role, an officer and a supervisor
    of B, and the installation admin."""
    make_user("a-officer", role="officer", counters=(1,))
    make_user("a-supervisor", role="supervisor", counters=())
    make_user("a-admin", role="admin", counters=(), office="utama")
    make_user("b-officer", role="officer", counters=(1,), office="dukcapil")
    make_user("b-supervisor", role="supervisor", counters=(), office="dukcapil")
    make_user("root", role="admin", counters=())
    return second_office


def _complaint(office_id, message="Antrean lama.", **extra):
    from loket.feedback import complaints

    return complaints.submit(category="pengaduan", message=message, office_id=office_id, **extra)


def _done_ticket(office_id, code="A"):
    """Issue, call and close a ticket of one office; returns the ticket."""
    from loket.queue import core
    from loket.queue.models import Counter

    ticket = core.issue_ticket(code, office_id=office_id)
    counter = db.session.scalar(select(Counter).where(Counter.office_id == office_id,
                                                      Counter.services.any(id=ticket.service_id)))
    called = core.call_next(counter)
    assert called.id == ticket.id
    core.close_case(called)
    return ticket


def _answers(**extra):
    data = {f"u{i}": "4" for i in range(1, 10)}
    data.update(extra)
    return data


# --- counters -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ROLES_OF_A)
def test_staff_of_one_office_get_403_on_every_counter_route_of_another(app, offices, name):
    client = login(app.test_client(), name)
    for number, counter_id in offices["counters"].items():
        for method, tail in COUNTER_ROUTES:
            response = client.open(f"/counter/{counter_id}{tail}", method=method)
            assert response.status_code == 403, (name, method, tail, number)
            if name != "a-supervisor":  # a supervisor has no counter role at all: the generic 403
                assert FORBIDDEN in response.get_data(as_text=True), (name, method, tail)
    # …and asking for the other office's counter list is refused the same way
    assert client.get("/counter/?kantor=dukcapil").status_code == 403


def test_counter_htmx_action_of_another_office_answers_403_in_the_message_area(app, offices):
    client = login(app.test_client(), "a-officer")
    response = client.post(f"/counter/{offices['counters'][1]}/call", headers={"HX-Request": "true"})
    assert response.status_code == 403 and response.headers["HX-Retarget"] == "#messages"
    assert FORBIDDEN in response.get_data(as_text=True)


def test_nothing_happens_to_another_office_s_queue(app, offices, published):
    from loket.queue import core
    from loket.queue.models import Ticket

    with app.app_context():
        token = core.issue_ticket("A", office_id=offices["id"]).token
    client = login(app.test_client(), "a-admin")
    assert client.post(f"/counter/{offices['counters'][1]}/call").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Ticket).where(Ticket.token == token)).state == "waiting"


def test_counter_lists_stay_inside_the_office(app, offices):
    from loket.counter import desk
    from loket.auth.models import User
    from loket.queue.models import Counter

    with app.app_context():
        b_ids = set(offices["counters"].values())
        users = {u.username: u for u in db.session.scalars(select(User))}
        office_admin = [c.id for c in desk.usable_counters(users["a-admin"])]
        assert office_admin and not b_ids & set(office_admin)
        assert all(db.session.get(Counter, i).office_id == offices["first"] for i in office_admin)
        everything = {c.id for c in desk.usable_counters(users["root"])}
        assert b_ids <= everything and set(office_admin) <= everything
        assert {c.id for c in desk.usable_counters(users["b-officer"])} == {offices["counters"][1]}
        assert {c.id for c in desk.usable_counters(users["root"], offices["id"])} == b_ids
    # the picker page: an office admin sees only A's counters, the installation admin both, labelled
    page = login(app.test_client(), "a-admin").get("/counter/?pick=1").get_data(as_text=True)
    assert 'data-office="utama"' in page and 'data-office="dukcapil"' not in page
    page = login(app.test_client(), "root").get("/counter/?pick=1").get_data(as_text=True)
    assert 'data-office="dukcapil"' in page and "Disdukcapil Contoh · Loket 1" in page
    page = login(app.test_client(), "root").get("/counter/?pick=1&kantor=dukcapil").get_data(as_text=True)
    assert 'data-office="dukcapil"' in page and 'data-office="utama"' not in page


def test_a_desk_offers_only_its_own_office_s_services(app, offices):
    from loket.queue import core

    b_counter = offices["counters"][1]
    with app.app_context():
        ticket = core.issue_ticket("A", office_id=offices["id"])
        ticket_id, number = ticket.id, ticket.number
    root = login(app.test_client(), "root")
    assert root.post(f"/counter/{b_counter}/call").status_code == 303
    html = root.get(f"/counter/{b_counter}").get_data(as_text=True)
    assert number == "DK-A-001" and 'data-number="DK-A-001"' in html
    picker = re.search(r'<form id="services-form".*?</form>', html, re.S).group(0)
    assert "Penerbitan Kartu Keluarga" in picker and "Legalisir Akta" in picker
    assert "Verifikasi Akun Baru" not in picker  # office A's service A
    transfer = re.search(r'<form id="transfer".*?</form>', html, re.S).group(0)
    assert re.findall(r'<option value="([A-Z])">', transfer) == ["B"] and "Legalisir Akta" in transfer
    # the transfer goes to B's own service B, never to A's
    response = root.post(f"/counter/{b_counter}/transfer", data={"service": "B", "ticket": ticket_id})
    assert response.status_code == 303
    with app.app_context():
        from loket.queue.models import Ticket

        moved = db.session.get(Ticket, ticket_id)
        assert moved.service_id == offices["services"]["B"] and moved.office_id == offices["id"]


def test_the_rating_screen_of_another_office_refuses_its_officers_but_takes_its_pairing_key(app, offices):
    from loket.counter import desk
    from loket.queue.models import Counter

    b_counter = offices["counters"][1]
    officer = login(app.test_client(), "a-officer")
    assert officer.get(f"/counter/{b_counter}/rate").status_code == 403
    with app.test_request_context():
        key = desk.pairing_key(db.session.get(Counter, b_counter))
        other_key = desk.pairing_key(db.session.get(Counter, offices["counters"][2]))
    screen = app.test_client()
    assert screen.get(f"/counter/{b_counter}/rate", query_string={"key": other_key}).status_code == 403
    assert screen.get(f"/counter/{b_counter}/rate", query_string={"key": key}).status_code == 302
    assert screen.get(f"/counter/{b_counter}/rate").status_code == 200
    b_officer = login(app.test_client(), "b-officer")
    assert b_officer.get(f"/counter/{b_counter}/rate").status_code == 200


# --- complaints -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ROLES_OF_A)
def test_another_office_s_complaint_is_403_and_never_listed(app, offices, name):
    with app.app_context():
        # About service A: the officer's counter 1 serves it, so the officer handles it too.
        own = _complaint(offices["first"], "Keluhan kantor A.", service_code="A")
        other = _complaint(offices["id"], "Keluhan kantor B.", service_code="A")
        own_id, own_code, other_id, other_code = own.id, own.code, other.id, other.code
    client = login(app.test_client(), name)
    for method, data in (("GET", None), ("POST", {"status": "in_progress"})):
        response = client.open(f"/admin/pengaduan/{other_id}", method=method, data=data)
        assert response.status_code == 403 and FORBIDDEN in response.get_data(as_text=True)
    assert client.get(f"/admin/pengaduan/{own_id}").status_code == 200
    for status in ("open", "all"):
        listing = client.get(f"/admin/pengaduan?status={status}").get_data(as_text=True)
        assert f'data-code="{own_code}"' in listing and other_code not in listing
    assert client.get("/admin/pengaduan?kantor=dukcapil").status_code == 403
    summary = client.get("/admin/").get_data(as_text=True)
    assert re.search(r'id="open-count">1<', summary)
    with app.app_context():
        from loket.feedback.models import Complaint

        assert db.session.get(Complaint, other_id).status == "received"


def test_the_installation_admin_sees_every_office_s_complaints(app, offices):
    with app.app_context():
        own = _complaint(offices["first"]).code
        other_item = _complaint(offices["id"])
        other, other_id = other_item.code, other_item.id
    root = login(app.test_client(), "root")
    listing = root.get("/admin/pengaduan").get_data(as_text=True)
    assert own in listing and other in listing
    assert '<td class="office" data-office="dukcapil">Disdukcapil Contoh</td>' in listing
    only_b = root.get("/admin/pengaduan?kantor=dukcapil&status=all").get_data(as_text=True)
    assert other in only_b and own not in only_b and 'href="/admin/pengaduan?status=open&amp;kantor=dukcapil"' in only_b
    assert re.search(r'id="open-count">2<', root.get("/admin/").get_data(as_text=True))
    detail = root.get(f"/admin/pengaduan/{other_id}").get_data(as_text=True)
    assert 'id="office">Disdukcapil Contoh<' in detail
    assert root.post(f"/admin/pengaduan/{other_id}", data={"status": "in_progress"}).status_code == 303
    # …and B's own supervisor handles it too
    b_boss = login(app.test_client(), "b-supervisor")
    assert b_boss.get(f"/admin/pengaduan/{other_id}").status_code == 200
    assert own not in b_boss.get("/admin/pengaduan?status=all").get_data(as_text=True)


def test_complaint_events_go_to_their_office_s_room(app, offices, published):
    with app.app_context():
        item = _complaint(offices["id"])
        assert published[-1].rooms == (f"complaints:{offices['id']}",)
        from loket.feedback import complaints

        complaints.change_status(item, "in_progress")
        # Staff of B, and the complaint's own tracking page (whoever holds its code); nobody of A.
        assert published[-1].rooms == (f"complaints:{offices['id']}", f"complaint:{item.code}")


def test_public_form_with_several_offices_asks_which_and_lands_there(app, offices, client):
    from loket.feedback.models import Complaint

    form = client.get("/pengaduan/baru").get_data(as_text=True)
    select_box = re.search(r'<select name="office".*?</select>', form, re.S).group(0)
    assert re.findall(r'<option value="([a-z]+)">', select_box) == ["utama", "dukcapil"]
    # without an office it says so and stores nothing
    missing = client.post("/pengaduan/baru", data={"category": "pengaduan", "message": "Lama."})
    assert missing.status_code == 400 and "Pilih kantor yang dituju." in missing.get_data(as_text=True)
    # choosing B first lists B's services
    chosen = client.get("/pengaduan/baru?kantor=dukcapil").get_data(as_text=True)
    assert 'name="office" value="dukcapil"' in chosen and "Legalisir Akta" in chosen
    assert "Verifikasi Akun Baru" not in chosen
    response = client.post("/pengaduan/baru", data={"category": "pengaduan", "message": "KK belum jadi.",
                                                      "office": "dukcapil", "service": "A"})
    assert response.status_code == 303
    with app.app_context():
        stored = db.session.scalars(select(Complaint)).one()
        assert stored.office_id == offices["id"] and stored.service_id == offices["services"]["A"]
        code = stored.code
    page = client.get(f"/pengaduan/{code}").get_data(as_text=True)
    assert 'id="complaint-office">Dinas Contoh Kependudukan dan Pencatatan Sipil<' in page
    assert "Penerbitan Kartu Keluarga" in page
    # an unknown office code is refused, never quietly sent to the first office
    bad = client.post("/pengaduan/baru", data={"category": "pengaduan", "message": "x", "office": "tidak-ada"})
    assert bad.status_code == 400
    # A's staff never see it; B's do
    a_officer = login(app.test_client(), "a-officer")
    assert code not in a_officer.get("/admin/pengaduan?status=all").get_data(as_text=True)
    b_officer = login(app.test_client(), "b-officer")
    assert code in b_officer.get("/admin/pengaduan?status=all").get_data(as_text=True)


def test_kiosk_complaints_go_to_the_kiosk_s_office_or_the_one_chosen_there(app, offices, client):
    from loket.feedback.models import Complaint
    from loket.kiosk.models import Kiosk
    from loket.offices.models import Office

    # kiosk 1 serves office A only: its complaints are A's, whatever the form says
    assert 'name="office"' not in client.get("/pengaduan/baru?kiosk=1").get_data(as_text=True)
    assert client.post("/pengaduan/baru", data={"category": "saran", "message": "Kursi kurang.", "kiosk": "1",
                                                 "office": "dukcapil"}).status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Complaint)).one().office_id == offices["first"]
        kiosk = db.session.get(Kiosk, "1")
        kiosk.offices = [db.session.get(Office, offices["first"]), db.session.get(Office, offices["id"])]
        db.session.commit()
    # a kiosk of two offices: the visitor picks one of them
    form = client.get("/pengaduan/baru?kiosk=1").get_data(as_text=True)
    assert '<option value="dukcapil">' in form
    assert client.post("/pengaduan/baru", data={"category": "saran", "message": "AC mati.", "kiosk": "1",
                                                 "office": "dukcapil"}).status_code == 303
    with app.app_context():
        newest = db.session.scalars(select(Complaint).order_by(Complaint.id.desc())).first()
        assert (newest.office_id, newest.channel, newest.kiosk_id) == (offices["id"], "kiosk", "1")


def test_staff_record_complaints_for_their_own_office_only(app, offices):
    from loket.feedback.models import Complaint

    officer = login(app.test_client(), "a-officer")
    data = {"channel": "phone", "category": "pengaduan", "message": "Lewat telepon.", "service": "A"}
    assert officer.post("/admin/pengaduan/baru", data=data).status_code == 303
    assert officer.post("/admin/pengaduan/baru", data={**data, "office": "dukcapil"}).status_code == 403
    assert officer.get("/admin/pengaduan/baru?kantor=dukcapil").status_code == 403
    b_officer = login(app.test_client(), "b-officer")
    form = b_officer.get("/admin/pengaduan/baru").get_data(as_text=True)
    assert "Legalisir Akta" in form and "Verifikasi Akun Baru" not in form
    assert b_officer.post("/admin/pengaduan/baru", data=data).status_code == 303
    root = login(app.test_client(), "root")
    form = root.get("/admin/pengaduan/baru?kantor=dukcapil").get_data(as_text=True)
    assert 'name="office" value="dukcapil"' in form and "Legalisir Akta" in form
    assert root.post("/admin/pengaduan/baru", data={**data, "office": "dukcapil"}).status_code == 303
    with app.app_context():
        stored = [(c.office_id, c.service_id) for c in db.session.scalars(select(Complaint).order_by(Complaint.id))]
        a_service = db.session.scalar(select(Complaint.service_id).order_by(Complaint.id).limit(1))
    b = (offices["id"], offices["services"]["A"])
    assert stored == [(offices["first"], a_service), b, b] and a_service != offices["services"]["A"]


# --- surveys and reports ----------------------------------------------------------------------

def test_survey_without_a_ticket_asks_for_the_office_first(app, offices, client):
    from loket.feedback.models import SurveyResponse

    first = client.get("/survei").get_data(as_text=True)
    assert 'id="office-choice"' in first and 'name="u1"' not in first
    assert 'href="/survei?kantor=dukcapil"' in first
    chosen = client.get("/survei?kantor=dukcapil&layanan=B").get_data(as_text=True)
    assert 'name="office" value="dukcapil"' in chosen and "Verifikasi Akun Baru" not in chosen
    assert re.search(r'<option value="B" selected>B · Legalisir Akta', chosen)
    assert client.post("/survei", data=_answers(service="A")).status_code == 400  # which office?
    assert client.post("/survei", data=_answers(service="A", office="dukcapil")).status_code == 303
    with app.app_context():
        assert db.session.scalars(select(SurveyResponse)).one().service_id == offices["services"]["A"]


def test_a_survey_for_a_ticket_of_office_b_counts_in_b_s_ikm_only(app, offices, client):
    from loket.feedback import reports
    from loket.reports import figures

    with app.app_context():
        ticket = _done_ticket(offices["id"])
        token, number = ticket.token, ticket.number
    assert number.startswith("DK-")
    form = client.get(f"/t/{token}/survei").get_data(as_text=True)
    assert "Penerbitan Kartu Keluarga" in form
    assert client.post(f"/t/{token}/survei", data=_answers(suggestion="Antrean B rapi.")).status_code == 303
    with app.app_context():
        period = reports.parse_period("")
        rows_a, overall_a = reports.ikm_report(period, offices["first"])
        rows_b, overall_b = reports.ikm_report(period, offices["id"])
        assert overall_a.result.respondents == 0 and overall_a.visitors == 0
        assert overall_b.result.respondents == 1 and overall_b.visitors == 1
        assert {r.service.office_id for r in rows_b} == {offices["id"]}
        assert {r.service.office_id for r in rows_a} == {offices["first"]}
        assert reports.suggestions(period, offices["first"]) == []
        assert [text for _, text in reports.suggestions(period, offices["id"])] == ["Antrean B rapi."]
        assert figures.breakdown(period, offices["first"]).total.done == 0
        assert figures.breakdown(period, offices["id"]).total.done == 1


def test_reports_are_per_office(app, offices):
    from loket.counter import rating
    from loket.queue.models import Counter

    with app.app_context():
        ticket = _done_ticket(offices["id"])
        counter = db.session.get(Counter, ticket.counter_id)
        request = rating.request_rating(ticket, counter)
        rating.submit_rating(request.id, 2)
        _complaint(offices["id"])
        _complaint(offices["id"])
        _complaint(offices["first"])
    for name in ("a-supervisor", "a-admin"):
        client = login(app.test_client(), name)
        forbidden = client.get("/admin/laporan?kantor=dukcapil")
        assert forbidden.status_code == 403 and FORBIDDEN in forbidden.get_data(as_text=True), name
        own = client.get("/admin/laporan").get_data(as_text=True)
        assert report_row(own, "kepuasan", "Seluruh layanan")["complaints"] == "1", name
        assert report_row(own, "kepuasan", "Seluruh layanan")["rating_count"] == "0", name
        assert "Legalisir Akta" not in own
        assert client.get("/admin/laporan?kantor=utama").status_code == 200
    b_boss = login(app.test_client(), "b-supervisor")
    html = b_boss.get("/admin/laporan").get_data(as_text=True)
    assert report_row(html, "kepuasan", "Seluruh layanan")["complaints"] == "2" and "Penerbitan Kartu Keluarga" in html
    assert 'class="office-filter' not in html  # nothing to pick for an office's own staff
    # the installation admin: first office by default, a picker, and B with ?kantor=
    root = login(app.test_client(), "root")
    default = root.get("/admin/laporan").get_data(as_text=True)
    assert report_row(default, "kepuasan", "Seluruh layanan")["complaints"] == "1" and 'data-office="dukcapil"' in default
    b_page = root.get("/admin/laporan?kantor=dukcapil").get_data(as_text=True)
    assert report_row(b_page, "kepuasan", "Seluruh layanan")["complaints"] == "2"
    assert 'id="report-office">Disdukcapil Contoh<' in b_page
    assert report_row(b_page, "kepuasan", "A Penerbitan Kartu Keluarga")["rating_count"] == "1"
    assert "kantor=dukcapil" in re.search(r'href="([^"]*)" rel="prev"', b_page).group(1)  # B stays picked
    export = root.get("/admin/laporan/unduh.csv?kantor=dukcapil").get_data(as_text=True)
    assert "Penerbitan Kartu Keluarga" in export and "Verifikasi Akun" not in export
    assert root.get("/admin/laporan/unduh.csv?kantor=tidak-ada").status_code == 404
    assert root.get("/admin/laporan?kantor=tidak-ada").status_code == 404
