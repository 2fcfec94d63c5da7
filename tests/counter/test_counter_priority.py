"""An officer marks a ticket as priority at the counter (a waiting one of the counter's queue, or the
visitor at the desk) for one of the five reasons the law names: the queue puts it first, the audit log
shows it, and everything else is refused readably. The keyboard-only path runs in Chromium with CSRF on."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from loket.extensions import db
from loket.queue import core
from loket.queue.models import Counter, Ticket, TicketEvent

HX = {"HX-Request": "true"}


def ticket(number: str) -> Ticket:
    db.session.expire_all()
    return db.session.scalar(select(Ticket).where(Ticket.number == number))


def counter(number: int) -> Counter:
    return db.session.scalar(select(Counter).where(Counter.number == number))


def mark(client, number: str, reason: str = "lansia", *, counter_number: int = 1, htmx: bool = True):
    data = {"ticket": str(ticket(number).id), "reason": reason}
    return client.post(f"/counter/{counter(counter_number).id}/priority", data=data, headers=HX if htmx else {})


def test_a_waiting_ticket_marked_priority_is_called_first(officer, make_ticket, published):
    make_ticket("A"), make_ticket("A")
    response = mark(officer, "A-002", "anak")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "A-002 menjadi prioritas (Anak)." in html
    assert html.index('data-number="A-002"') < html.index('data-number="A-001"')  # the queue list's new order
    marked = ticket("A-002")
    assert marked.priority and marked.priority_reason == "anak"
    event = db.session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == marked.id,
                                                        TicketEvent.kind == "priority"))
    assert event.data == {"reason": "anak"} and event.actor_id is not None
    assert any(e.name == "ticket.priority" and e.public["number"] == "A-002" for e in published)
    assert core.people_ahead(marked) == 0 and core.people_ahead(ticket("A-001")) == 1
    officer.post(f"/counter/{counter(1).id}/call", headers=HX)
    assert ticket("A-002").state == "called" and ticket("A-001").state == "waiting"


def test_the_visitor_at_the_counter_keeps_priority_after_a_transfer(officer, make_ticket):
    make_ticket("A"), make_ticket("B")
    officer.post(f"/counter/{counter(1).id}/call", headers=HX)
    html = mark(officer, "A-001", "korban_bencana").get_data(as_text=True)
    assert "prioritas (Korban bencana)" in html and 'data-priority="1"' in html
    officer.post(f"/counter/{counter(1).id}/transfer", data={"ticket": str(ticket("A-001").id), "service": "B"},
                 headers=HX)
    assert core.call_next(counter(2)).number == "A-001"  # ahead of B-001, which waited longer


def test_the_desk_offers_every_reason_by_keyboard(officer, make_ticket):
    make_ticket("A"), make_ticket("A", priority_reason="lansia")
    officer.post(f"/counter/{counter(1).id}/call", headers=HX)  # A-002 (priority) comes to the desk
    make_ticket("A")
    html = officer.get(f"/counter/{counter(1).id}").get_data(as_text=True)
    # The visitor is already priority: no form for them; the waiting ones each have one.
    assert 'id="priority-current-' not in html and "prioritas (Lansia)" in html
    for number in ("A-001", "A-003"):
        form = re.search(rf'<form[^>]*data-priority-ticket="{number}".*?</form>', html, re.S).group(0)
        assert 'method="post"' in form and 'hx-post="/counter/' in form and 'name="csrf_token"' in form
        assert re.findall(r'<option value="(\w+)"', form) == list(core.PRIORITY_REASONS)
        assert f'aria-label="Jadikan prioritas {number}"' in form
    assert '<summary class="btn" aria-label="Prioritaskan A-001">' in html
    officer.post(f"/counter/{counter(1).id}/close", headers=HX)
    officer.post(f"/counter/{counter(1).id}/call", headers=HX)  # A-001 now: not priority, so a form and a key
    html = officer.get(f"/counter/{counter(1).id}").get_data(as_text=True)
    assert 'data-key="p"' in html and f'id="priority-current-{ticket("A-001").id}"' in html


def test_plain_form_post_goes_back_to_the_desk(officer, make_ticket):
    make_ticket("A")
    response = mark(officer, "A-001", htmx=False)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/counter/{counter(1).id}")
    assert ticket("A-001").priority


def test_the_audit_log_shows_who_made_a_ticket_priority(app, officer, make_user):
    from support import login

    # No app context held open here: two clients would share its `g`, and with it the logged-in user.
    with app.app_context():
        tid, cid = core.issue_ticket("A").id, counter(1).id
    officer.post(f"/counter/{cid}/priority", data={"ticket": str(tid), "reason": "ibu_hamil"}, headers=HX)
    make_user("kepala", role="supervisor", counters=())
    supervisor = login(app.test_client(), "kepala")
    html = supervisor.get("/admin/audit?action=ticket.priority").get_data(as_text=True)
    row = re.search(r'<tr class="audit-ticket" data-action="ticket.priority">.*?</tr>', html, re.S).group(0)
    assert "Dijadikan prioritas" in row and "A-001 · Loket 1" in row and "Officer1" in row


def test_english_desk_note(officer, make_ticket):
    make_ticket("A")
    officer.get(f"/counter/{counter(1).id}?lang=en")
    assert "A-001 is now priority (Disaster victim)." in mark(officer, "A-001", "korban_bencana").get_data(as_text=True)


def _already_priority(make_ticket, second_office):
    make_ticket("A", priority_reason="disabilitas")
    return "A-001", {}


def _done(make_ticket, second_office):
    make_ticket("A")
    served = core.call_next(counter(1))
    core.close_case(served)
    return "A-001", {}


def _another_counters_service(make_ticket, second_office):
    make_ticket("B")
    return "B-001", {}


def _another_office(make_ticket, second_office):
    make_ticket("A", office_id=second_office["id"])
    return "DK-A-001", {}


def _unknown_reason(make_ticket, second_office):
    make_ticket("A")
    return "A-001", {"reason": "vip"}


@pytest.mark.parametrize("setup, status, message", [
    (_already_priority, 409, "Tiket A-001 sudah prioritas."),
    (_done, 409, "Tiket A-001 tidak lagi dalam antrean dan tidak bisa dijadikan prioritas."),
    (_another_counters_service, 403, "Tiket itu tidak ada di antrean Loket 1."),
    (_another_office, 403, "Tiket itu tidak ada di antrean Loket 1."),
    (_unknown_reason, 400, "Pilih alasan prioritas: lansia, disabilitas, ibu hamil, anak atau korban bencana."),
])
def test_refusals_are_readable(officer, make_ticket, second_office, setup, status, message):
    number, extra = setup(make_ticket, second_office)
    before = ticket(number).priority_reason
    data = {"ticket": str(ticket(number).id), "reason": "lansia", **extra}
    response = officer.post(f"/counter/{counter(1).id}/priority", data=data, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == status and message in html and "notice-error" in html
    assert ticket(number).priority_reason == before
    assert not db.session.scalar(select(TicketEvent).where(TicketEvent.kind == "priority"))


@pytest.mark.parametrize("data, status", [({}, 400), ({"ticket": "999999"}, 403), ({"ticket": "x1"}, 400)])
def test_a_missing_or_unknown_ticket_is_refused(officer, ctx, data, status):
    response = officer.post(f"/counter/{counter(1).id}/priority", data={"reason": "lansia", **data}, headers=HX)
    assert response.status_code == status and "notice-error" in response.get_data(as_text=True)


def test_an_officer_of_another_counter_cannot_mark_its_visitor(app, make_user, make_ticket):
    from support import login

    make_ticket("A")
    core.call_next(counter(1))
    make_user("officer2", counters=(2,))
    other = login(app.test_client(), "officer2")
    response = other.post(f"/counter/{counter(1).id}/priority",
                          data={"ticket": str(ticket("A-001").id), "reason": "lansia"}, headers=HX)
    assert response.status_code == 403 and not ticket("A-001").priority
    with pytest.raises(core.CounterNotAllowed):  # the domain refuses it too, whoever calls it
        from loket.auth.models import User

        core.mark_priority(ticket("A-001"), "lansia",
                           officer=db.session.scalar(select(User).where(User.username == "officer2")))


class TestKeyboard:
    """Tab to the queue's "Prioritaskan", open it, choose a reason and submit: all by keyboard, CSRF on."""

    pytestmark = pytest.mark.browser

    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_marking_priority_by_keyboard_alone(self, browser, live_server, ctx, make_user):
        make_user("officer1", counters=(1,))
        cid = counter(1).id
        core.issue_ticket("A"), core.issue_ticket("A")
        db.session.remove()
        context = browser.new_context()
        desk = context.new_page()
        desk.goto(f"{live_server.url}/login?next=/counter/{cid}")
        desk.fill("input[name=username]", "officer1")
        desk.fill("input[name=password]", "rahasia-123")
        desk.keyboard.press("Enter")
        desk.wait_for_url(re.compile(rf"/counter/{cid}$"))
        desk.wait_for_selector("body[data-live=connected]")
        summary = 'summary[aria-label="Prioritaskan A-002"]'
        for _ in range(60):  # Tab through the page until the summary has the focus
            desk.keyboard.press("Tab")
            if desk.evaluate(f"document.activeElement.matches('{summary}')"):
                break
        else:
            pytest.fail("the queue's priority control is not reachable with Tab")
        desk.keyboard.press("Enter")  # opens the details
        desk.keyboard.press("Tab")  # the reason
        assert desk.evaluate("document.activeElement.name") == "reason"
        desk.select_option(":focus", "lansia")  # what ArrowDown in the list does; headless has no popup
        desk.keyboard.press("Tab")  # the submit button
        desk.keyboard.press("Enter")
        desk.wait_for_selector('#messages .notice-ok:has-text("A-002 menjadi prioritas (Lansia).")')
        first = desk.get_attribute("#side .q-item >> nth=0", "data-number")
        assert first == "A-002"
        db.session.expire_all()
        assert ticket("A-002").priority_reason == "lansia"
        context.close()
