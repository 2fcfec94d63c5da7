"""Offices are walled off from each other: over the whole route map, staff of office A (officer,
supervisor, office admin) reach nothing of office B — every route that names a counter, complaint,
display or kiosk of B, and every office-scoped page asked for B — while the installation admin reaches
both; and over Socket.IO, B's staff rooms (counter, rating screen, complaints) refuse A's staff.
Like tests/auth/test_auth_route_map.py, a new route is covered by itself: its arguments are filled
with B's objects, and an argument this test cannot fill fails the test instead of being skipped.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from loket.extensions import db, socketio

from support import login

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Pages about "the office" without an object in the address take the office as ?kantor=CODE.
OFFICE_QUERY = "kantor"


@pytest.fixture
def two_offices(app, second_office, make_user):
    """Office A ("utama") and B ("dukcapil"), each with a complaint; display 2 and kiosk 2 serve only B;
    staff of A in every role, an officer of B, and the installation admin."""
    from loket.display.models import Display
    from loket.feedback.models import Complaint
    from loket.kiosk.models import Kiosk
    from loket.offices.models import Office

    with app.app_context():
        b = db.session.get(Office, second_office["id"])
        db.session.add(Display(id="2", name="Display B", offices=[b], service_ids=[], counter_ids=[]))
        db.session.add(Kiosk(id="2", name="Kiosk B", printer={"kind": "preview", "paper": "80mm", "qr": "native"},
                             offices=[b]))
        for office_id, code in ((second_office["first"], "AAAA1111"), (b.id, "BBBB2222")):
            db.session.add(Complaint(code=code, category="pengaduan", channel="web", office_id=office_id,
                                     message="Antrean lama."))
        db.session.commit()
        complaints = {c.office_id: c.id for c in db.session.scalars(select(Complaint))}
        case_id, ticket_id = _case_and_ticket_of(b)
        db.session.remove()
    make_user("a-officer", role="officer", counters=(1,))
    make_user("a-supervisor", role="supervisor", counters=())
    make_user("a-admin", role="admin", counters=(), office="utama")
    b_officer = make_user("b-officer", role="officer", counters=(1,), office="dukcapil")
    make_user("root", role="admin", counters=())
    return {
        "b": second_office,
        "values": {"counter_id": second_office["counters"][1], "complaint_id": complaints[second_office["id"]],
                   "display_id": "2", "kiosk_id": "2", "user_id": b_officer,
                   "service_id": second_office["services"]["A"], "kind": "csv", "case_id": case_id,
                   "ticket_id": ticket_id, "position": 1},
        "own": {"counter_id": db_first_counter(app, second_office["first"]),
                "complaint_id": complaints[second_office["first"]], "display_id": "1", "kiosk_id": "1"},
    }


def _case_and_ticket_of(office) -> tuple[int, int]:
    """A case (berkas) of `office` and one of its tickets called to a counter."""
    from datetime import date

    from loket.cases.models import Case
    from loket.queue import core
    from loket.queue.models import Counter, Service

    service = db.session.scalar(select(Service).where(Service.office_id == office.id, Service.code == "A"))
    case = Case(office_id=office.id, service_id=service.id, token="b-office-case", code="BK-BBBB-2222",
                channel="loket", requester="OPD B", received_on=date(2026, 8, 3), state="open")
    db.session.add(case)
    db.session.commit()
    core.issue_ticket("B", office_id=office.id)  # B: the tests below count A's numbers from 001
    counter = db.session.scalar(select(Counter).where(Counter.office_id == office.id,
                                                      Counter.services.any(Service.code == "B")))
    return case.id, core.call_next(counter).id


def db_first_counter(app, office_id):
    from loket.queue.models import Counter

    with app.app_context():
        return db.session.scalar(select(Counter.id).where(Counter.office_id == office_id, Counter.number == 1))


def _staff_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if getattr(app.view_functions[rule.endpoint], "loket_roles", None) is not None]


def _paths(app, rule, values):
    """B's version of the rule: its objects in the arguments, or ?kantor=B when it names none."""
    missing = set(rule.arguments) - set(values)
    assert not missing, f"{rule.rule}: no office-B value for {sorted(missing)}; add one to this test"
    path = app.url_map.bind("loket.test").build(rule.endpoint, {k: values[k] for k in rule.arguments},
                                                method=sorted(rule.methods)[0])
    names_an_object = set(rule.arguments) - {"kind"}  # an export's format names nothing of B's
    return path if names_an_object else f"{path}?{OFFICE_QUERY}={values['office_code']}"


ROLES_OF_A = ("a-officer", "a-supervisor", "a-admin")


def test_staff_of_one_office_reach_nothing_of_another(app, two_offices):
    values = {**two_offices["values"], "office_code": two_offices["b"]["code"]}
    clients = {name: login(app.test_client(), name) for name in ROLES_OF_A}
    checked = 0
    for rule in _staff_rules(app):
        if rule.endpoint in ("auth.change_password",):  # one's own account, no office in it
            continue
        path = _paths(app, rule, values)
        for method in sorted(set(rule.methods) & set(METHODS)):
            for name, client in clients.items():
                response = client.open(path, method=method)
                # 403: not theirs. (A role that may not open the route at all also gets 403.)
                assert response.status_code == 403, (name, method, path, response.status_code)
                checked += 1
    assert checked >= 30


def test_the_installation_admin_reaches_both_offices(app, two_offices):
    root = login(app.test_client(), "root")
    b = two_offices["values"]
    for path in (f"/counter/{b['counter_id']}", f"/admin/pengaduan/{b['complaint_id']}",
                 f"/display/{b['display_id']}/settings", f"/kiosk/{b['kiosk_id']}/printer",
                 f"/admin/laporan?{OFFICE_QUERY}=dukcapil", f"/admin/pengaduan?{OFFICE_QUERY}=dukcapil"):
        assert root.get(path).status_code == 200, path


def test_staff_still_reach_their_own_office(app, two_offices):
    own = two_offices["own"]
    officer = login(app.test_client(), "a-officer")
    assert officer.get(f"/counter/{own['counter_id']}").status_code == 200
    admin = login(app.test_client(), "a-admin")
    for path in (f"/counter/{own['counter_id']}", f"/admin/pengaduan/{own['complaint_id']}",
                 f"/display/{own['display_id']}/settings", f"/kiosk/{own['kiosk_id']}/printer"):
        assert admin.get(path).status_code == 200, path
    b_officer = login(app.test_client(), "b-officer")
    assert b_officer.get(f"/counter/{two_offices['values']['counter_id']}").status_code == 200


def _rooms(app, client, rooms):
    sio = socketio.test_client(app, flask_test_client=client)
    try:
        return sio.emit("subscribe", {"rooms": rooms}, callback=True)["rooms"]
    finally:
        sio.disconnect()


def test_socket_rooms_of_another_office_refuse_its_staff(app, two_offices):
    b, own = two_offices["b"], two_offices["own"]
    b_counter = two_offices["values"]["counter_id"]
    b_staff_rooms = [f"counter:{b_counter}", f"rate:{b_counter}", f"complaints:{b['id']}"]
    public = [f"office:{b['id']}", f"service:{b['services']['A']}"]
    for name in ROLES_OF_A:
        client = login(app.test_client(), name)
        assert _rooms(app, client, b_staff_rooms + public) == public, name
    # …while each office's own staff and the installation admin get their rooms
    a_officer = login(app.test_client(), "a-officer")
    assert _rooms(app, a_officer, [f"counter:{own['counter_id']}", f"complaints:{b['first']}"]) == [
        f"counter:{own['counter_id']}", f"complaints:{b['first']}"]
    b_officer = login(app.test_client(), "b-officer")
    assert _rooms(app, b_officer, b_staff_rooms) == b_staff_rooms
    root = login(app.test_client(), "root")
    assert _rooms(app, root, b_staff_rooms) == b_staff_rooms
    # anonymous screens get public rooms only; unknown offices and services are refused
    assert _rooms(app, app.test_client(), b_staff_rooms + public + ["office:999999", "service:999999", "office"]) \
        == public


def test_events_of_one_office_reach_only_its_rooms(app, two_offices, published):
    from loket.queue import core

    b = two_offices["b"]
    with app.app_context():
        ticket = core.issue_ticket("A", office_id=b["id"])
        assert ticket.number == "DK-A-001"
        rooms = set(published[-1].rooms)
    assert rooms == {f"office:{b['id']}", f"service:{b['services']['A']}"}
