"""The officer's counter page over HTTP: every action, every bad input, who may use which counter."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from loket.counter.models import QuickRating, RatingRequest
from loket.extensions import db
from loket.queue.models import Counter, Ticket, TicketEvent

HX = {"HX-Request": "true"}


def ticket(number: str) -> Ticket:
    db.session.expire_all()
    return db.session.scalar(select(Ticket).where(Ticket.number == number))


def post(client, path, data=None, htmx=True):
    return client.post(path, data=data or {}, headers=HX if htmx else {})


def counter(number: int) -> Counter:
    return db.session.scalar(select(Counter).where(Counter.number == number))


def test_single_counter_officer_goes_straight_to_the_desk(officer, ctx):
    response = officer.get("/counter/")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/counter/{counter(1).id}")
    picker = officer.get("/counter/?pick=1")
    assert picker.status_code == 200 and 'data-counter="1"' in picker.get_data(as_text=True)


def test_admin_may_pick_any_counter(admin_client, ctx):
    html = admin_client.get("/counter/").get_data(as_text=True)
    assert 'data-counter="1"' in html and 'data-counter="2"' in html


def test_desk_shows_queue_buttons_with_shortcuts_and_counts(officer, make_ticket):
    make_ticket("A"), make_ticket("A", priority_reason="lansia"), make_ticket("B")
    html = officer.get(f"/counter/{counter(1).id}").get_data(as_text=True)
    assert 'data-waiting="2"' in html  # counter 1 serves A only
    assert html.index('data-number="A-002"') < html.index('data-number="A-001"')  # priority first
    assert "B-001" not in html
    for key in ("n", "u", "m", "h", "s", "j", "a"):
        assert f'data-key="{key}"' in html
    assert "<kbd>N</kbd>" in html and 'hx-disabled-elt="#workspace button"' in html
    assert 'data-count="called">0<' in html


def test_call_next_answers_the_workspace_fragment_and_logs_the_officer(officer, make_ticket, published):
    make_ticket("A")
    response = post(officer, f"/counter/{counter(1).id}/call")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert 'class="v-number" data-number="A-001"' in html
    assert 'id="messages" hx-swap-oob="innerHTML"' in html and "A-001 dipanggil." in html
    t = ticket("A-001")
    assert t.state == "called" and t.officer_id is not None
    event = db.session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == t.id, TicketEvent.kind == "called"))
    assert event.actor_id == t.officer_id and event.at is not None
    assert any(e.name == "ticket.called" for e in published)
    assert 'data-count="called">1<' in html


def test_call_next_with_nobody_waiting_says_so(officer, ctx):
    html = post(officer, f"/counter/{counter(1).id}/call").get_data(as_text=True)
    assert "Tidak ada antrean yang menunggu." in html


def test_plain_form_post_redirects_back_to_the_desk(officer, make_ticket):
    make_ticket("A")
    response = post(officer, f"/counter/{counter(1).id}/call", htmx=False)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/counter/{counter(1).id}")


def test_recall_start_and_close_open_a_rating_request(officer, make_ticket, published):
    make_ticket("A")
    cid = counter(1).id
    post(officer, f"/counter/{cid}/call")
    tid = ticket("A-001").id
    assert "dipanggil ulang" in post(officer, f"/counter/{cid}/recall", {"ticket": tid}).get_data(as_text=True)
    assert ticket("A-001").call_count == 2
    assert [e.name for e in published].count("ticket.recalled") == 1
    post(officer, f"/counter/{cid}/start", {"ticket": tid})
    assert ticket("A-001").state == "serving"
    response = post(officer, f"/counter/{cid}/close", {"ticket": tid, "checklist": ["0", "2"]})
    assert response.status_code == 200
    t = ticket("A-001")
    assert t.state == "done"
    closed = db.session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == tid, TicketEvent.kind == "closed"))
    assert closed.data == {"checklist": [0, 2]}
    request = db.session.scalar(select(RatingRequest).where(RatingRequest.ticket_id == tid))
    assert request is not None and request.officer_id == t.officer_id and request.counter_id == cid
    rated = [e for e in published if e.name == "rating.requested"]
    assert rated and rated[-1].rooms == (f"rate:{cid}",)
    assert 'data-count="closed">1<' in response.get_data(as_text=True)


def test_no_show(officer, make_ticket):
    make_ticket("A")
    cid = counter(1).id
    post(officer, f"/counter/{cid}/call")
    assert post(officer, f"/counter/{cid}/no-show").status_code == 200
    assert ticket("A-001").state == "no_show"


def test_transfer_with_a_note_moves_the_visitor_to_another_queue(officer, make_ticket):
    make_ticket("A")
    cid = counter(1).id
    post(officer, f"/counter/{cid}/call")
    response = post(officer, f"/counter/{cid}/transfer", {"service": "B", "note": "berkas lengkap"})
    assert response.status_code == 200
    t = ticket("A-001")
    assert t.state == "waiting" and t.service.code == "B" and t.counter_id is None
    event = db.session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == t.id, TicketEvent.kind == "transferred"))
    assert event.note == "berkas lengkap" and event.actor_id is not None


@pytest.mark.parametrize("data, status, message", [
    ({}, 400, "Pilih layanan tujuan"),
    ({"service": "Z"}, 404, "tidak dikenal"),
    ({"service": "A"}, 400, "sudah berada di layanan"),
    ({"service": "B", "note": "x" * 501}, 400, "terlalu panjang"),
    ({"service": "B", "ticket": "abc"}, 400, "Nomor tiket tidak valid"),
])
def test_transfer_refuses_bad_input_readably(officer, make_ticket, data, status, message):
    make_ticket("A")
    cid = counter(1).id
    post(officer, f"/counter/{cid}/call")
    response = post(officer, f"/counter/{cid}/transfer", data)
    assert response.status_code == status
    assert response.headers["HX-Retarget"] == "#messages" and message in response.get_data(as_text=True)
    assert ticket("A-001").state == "called"


@pytest.mark.parametrize("action", ["recall", "start", "no-show", "close", "transfer"])
def test_visitor_actions_without_a_visitor_are_409_with_a_message(officer, ctx, action):
    response = post(officer, f"/counter/{counter(1).id}/{action}", {"service": "B"})
    assert response.status_code == 409
    assert "Belum ada pengunjung" in response.get_data(as_text=True)


def test_a_stale_screen_cannot_act_on_another_visitor(officer, make_ticket):
    make_ticket("A")
    cid = counter(1).id
    post(officer, f"/counter/{cid}/call")
    response = post(officer, f"/counter/{cid}/close", {"ticket": str(ticket("A-001").id + 999)})
    assert response.status_code == 409 and "Tampilan loket sudah berubah" in response.get_data(as_text=True)
    assert ticket("A-001").state == "called"


def test_start_twice_is_a_readable_409(officer, make_ticket):
    make_ticket("A")
    cid = counter(1).id
    post(officer, f"/counter/{cid}/call")
    post(officer, f"/counter/{cid}/start")
    response = post(officer, f"/counter/{cid}/start")
    assert response.status_code == 409 and "tidak bisa di-start" in response.get_data(as_text=True)


def test_call_while_busy_is_409(officer, make_ticket):
    make_ticket("A"), make_ticket("A")
    cid = counter(1).id
    post(officer, f"/counter/{cid}/call")
    response = post(officer, f"/counter/{cid}/call")
    assert response.status_code == 409 and "masih melayani A-001" in response.get_data(as_text=True)


def test_close_refuses_an_unknown_checklist_item(officer, make_ticket):
    make_ticket("A")
    cid = counter(1).id
    post(officer, f"/counter/{cid}/call")
    response = post(officer, f"/counter/{cid}/close", {"checklist": ["99"]})
    assert response.status_code == 400 and "Daftar persyaratan tidak valid" in response.get_data(as_text=True)
    assert ticket("A-001").state == "called"


def test_pause_blocks_calling_and_resume_allows_it(officer, make_ticket):
    make_ticket("A")
    cid = counter(1).id
    assert "Lanjutkan loket" in post(officer, f"/counter/{cid}/pause", {"paused": "1"}).get_data(as_text=True)
    refused = post(officer, f"/counter/{cid}/call")
    assert refused.status_code == 409 and "sedang jeda" in refused.get_data(as_text=True)
    post(officer, f"/counter/{cid}/pause", {"paused": "0"})
    assert post(officer, f"/counter/{cid}/call").status_code == 200
    assert ticket("A-001").state == "called"


@pytest.mark.parametrize("value", [None, "", "yes", "2"])
def test_pause_refuses_a_bad_value(officer, ctx, value):
    response = post(officer, f"/counter/{counter(1).id}/pause", {} if value is None else {"paused": value})
    assert response.status_code == 400 and "jeda tidak valid" in response.get_data(as_text=True)


def test_choosing_todays_services(officer, make_ticket):
    make_ticket("B")
    cid = counter(1).id
    response = post(officer, f"/counter/{cid}/services", {"services": ["A", "B"]})
    assert response.status_code == 200 and response.headers.get("HX-Refresh") == "true"
    db.session.expire_all()
    assert [s.code for s in counter(1).services] == ["A", "B"]
    assert "B-001" in post(officer, f"/counter/{cid}/call").get_data(as_text=True)


@pytest.mark.parametrize("data, status", [({}, 400), ({"services": ["ZZZ"]}, 400), ({"services": ["Z"]}, 404)])
def test_choosing_services_refuses_bad_input(officer, ctx, data, status):
    response = post(officer, f"/counter/{counter(1).id}/services", data)
    assert response.status_code == status
    db.session.expire_all()
    assert [s.code for s in counter(1).services] == ["A"]


def test_officer_cannot_use_a_counter_they_are_not_assigned_to(officer, make_ticket):
    make_ticket("B")
    cid = counter(2).id
    page = officer.get(f"/counter/{cid}")
    assert page.status_code == 403 and "tidak ditugaskan di Loket 2" in page.get_data(as_text=True)
    response = post(officer, f"/counter/{cid}/call")
    assert response.status_code == 403 and "tidak ditugaskan" in response.get_data(as_text=True)
    assert ticket("B-001").state == "waiting"
    assert post(officer, f"/counter/{cid}/pause", {"paused": "1"}).status_code == 403


def test_unknown_counter_is_404(officer, ctx):
    assert officer.get("/counter/999").status_code == 404
    assert post(officer, "/counter/999/call").status_code == 404


def sign_in(client, username, password="rahasia-123"):
    assert client.post("/login", data={"username": username, "password": password}).status_code == 302
    return client


@pytest.mark.parametrize("method, path", [
    ("get", "/counter/"), ("get", "/counter/{id}"), ("get", "/counter/{id}/workspace"), ("get", "/counter/{id}/side"),
    ("post", "/counter/{id}/call"), ("post", "/counter/{id}/close"), ("post", "/counter/{id}/services"),
    ("get", "/counter/{id}/rate"), ("post", "/counter/{id}/rate"),
])
def test_anonymous_goes_to_login_and_supervisor_gets_403(app, make_user, ctx, method, path):
    path = path.format(id=counter(1).id)
    anonymous = getattr(app.test_client(), method)(path)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    make_user("super1", role="supervisor", counters=(1,))
    supervisor = sign_in(app.test_client(), "super1")
    assert getattr(supervisor, method)(path).status_code == 403


def test_desk_speaks_english_when_asked(officer, ctx):
    html = officer.get(f"/counter/{counter(1).id}?lang=en").get_data(as_text=True)
    assert "Call next" in html and "Panggil berikutnya" not in html
    refused = post(officer, f"/counter/{counter(1).id}/recall")
    assert refused.status_code == 409 and "Nobody is at Loket 1 yet" in refused.get_data(as_text=True)
