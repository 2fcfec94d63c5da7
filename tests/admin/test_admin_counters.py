"""Counters from the browser: an admin adds one serving two services and officers can work there,
renames it, retires it (its tickets stay, it leaves desks and screens) and brings it back; every step
is audited and published. Bad input is a 400 that keeps what was typed; other offices are a 403."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from loket.audit import AuditEntry
from loket.events import counter_room, office_room
from loket.extensions import db
from loket.queue.models import Counter, Service, Ticket
from support import login


def _service_ids(app, *codes, office_id=None):
    from loket.offices.scope import default_office

    with app.app_context():
        office_id = office_id or default_office().id
        return [db.session.scalar(select(Service.id).where(Service.code == c, Service.office_id == office_id))
                for c in codes]


def _counter(app, number, office_id=None):
    """(id, name, active, service codes) of a counter of the first office (or of `office_id`)."""
    from loket.offices.scope import default_office

    with app.app_context():
        office_id = office_id or default_office().id
        counter = db.session.scalar(select(Counter).where(Counter.number == number, Counter.office_id == office_id))
        if counter is None:
            return None
        return counter.id, counter.name, counter.active, [s.code for s in counter.services]


def _add(client, number, name="Loket Terpadu", services=("A", "B"), app=None, **extra):
    data = {"number": str(number), "name": name, "services": [str(i) for i in _service_ids(app, *services)], **extra}
    return client.post("/admin/loket/baru", data=data)


def _audit(app, action=None):
    with app.app_context():
        query = select(AuditEntry).where(AuditEntry.target_kind == "counter").order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _row(response, number) -> str:
    """The list's row of counter `number`."""
    match = re.search(rf'<tr data-counter="{number}".*?</tr>', _text(response), re.S)
    assert match, _text(response)[:800]
    return match.group(0)


def _checked(response) -> list[int]:
    """The services ticked in a counter form."""
    return [int(v) for v in re.findall(r'<input checked id="services-\d+" name="services" type="checkbox" '
                                       r'value="(\d+)"', _text(response))]


def _next_number(app) -> int:
    from sqlalchemy import func

    with app.app_context():
        return db.session.scalar(select(func.max(Counter.number))) + 1


@pytest.mark.parametrize("app_database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_an_added_counter_serves_its_two_services_at_the_desk(app, admin_client, make_user, app_database):
    from loket.counter.desk import usable_counters
    from loket.queue import core

    number = _next_number(app)
    form = admin_client.get("/admin/loket/baru")
    assert form.status_code == 200
    assert f'value="{number}"' in form.get_data(as_text=True)  # the next free number is offered

    response = _add(admin_client, number, app=app)
    assert response.status_code == 303 and response.headers["Location"].startswith("/admin/loket")
    counter_id, name, active, codes = _counter(app, number)
    assert (name, active, codes) == ("Loket Terpadu", True, ["A", "B"])
    listing = admin_client.get(response.headers["Location"])
    assert "Perubahan disimpan." in listing.get_data(as_text=True)
    row = _row(listing, number)
    assert "Loket Terpadu" in row and 'data-state="aktif"' in row and "Budi" not in row

    officer_id = make_user("budi", counters=(number,))
    officer = login(app.test_client(), "budi")
    assert f"/counter/{counter_id}" in officer.get("/counter/?pick=1").get_data(as_text=True)
    with app.app_context():
        from loket.auth.models import User

        assert [c.number for c in usable_counters(db.session.get(User, officer_id))] == [number]
        ticket = core.issue_ticket("B")
        called = core.call_next(core.get_counter(counter_id))
        assert called.id == ticket.id and called.counter_id == counter_id
    # The officer now shows beside the counter in the list.
    assert "Budi" in _row(admin_client.get("/admin/loket"), number)


def test_a_blank_name_becomes_loket_and_its_number(app, admin_client):
    number = _next_number(app)
    assert _add(admin_client, number, name="   ", app=app).status_code == 303
    assert _counter(app, number)[1] == f"Loket {number}"


def test_a_taken_number_is_a_400_naming_the_counter_and_keeping_what_was_typed(app, admin_client):
    before = _audit(app)
    response = _add(admin_client, 1, name="Loket Baru Saya", app=app)
    assert response.status_code == 400
    text = _text(response)
    assert "Nomor 1 sudah dipakai Loket 1." in text
    assert 'value="Loket Baru Saya"' in text and 'value="1"' in text
    assert _checked(response) == _service_ids(app, "A", "B")
    assert _audit(app) == before and _counter(app, 1)[1] == "Loket 1"


def test_a_retired_counters_number_is_not_given_again(app, admin_client):
    counter_id = _counter(app, 2)[0]
    assert admin_client.post(f"/admin/loket/{counter_id}/pensiun").status_code == 303
    response = _add(admin_client, 2, app=app)
    assert response.status_code == 400
    assert "Nomor 2 sudah dipakai Loket 2, yang sudah pensiun." in _text(response)


def test_rename_and_services_are_saved_and_audited(app, admin_client, published):
    counter_id = _counter(app, 1)[0]
    page = admin_client.get(f"/admin/loket/{counter_id}")
    assert page.status_code == 200 and 'value="Loket 1"' in page.get_data(as_text=True)
    assert _checked(page) == _service_ids(app, "A")
    response = admin_client.post(f"/admin/loket/{counter_id}",
                                 data={"name": "Loket Informasi", "services": _service_ids(app, "A", "C")})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/admin/loket/{counter_id}?ok=1")
    assert _counter(app, 1)[1:] == ("Loket Informasi", True, ["A", "C"])
    [entry] = _audit(app, "counter.changed")
    assert entry.target_id == str(counter_id) and entry.target_label == "Loket Informasi"
    assert entry.before == {"nama": "Loket 1", "layanan": ["A"]}
    assert entry.after == {"nama": "Loket Informasi", "layanan": ["A", "C"]}
    assert entry.actor_id is not None
    [event] = [e for e in published if e.name == "counter.changed"]
    assert event.public["counter_name"] == "Loket Informasi"


def test_retiring_removes_it_from_desks_and_screens_but_keeps_its_tickets(app, admin_client, make_user):
    from loket.counter.desk import usable_counters
    from loket.display import board
    from loket.display.models import Display
    from loket.queue import core

    counter_id = _counter(app, 1)[0]
    with app.app_context():
        ticket = core.issue_ticket("A")
        core.call_next(core.get_counter(counter_id))
        core.close_case(db.session.get(Ticket, ticket.id))
        ticket_id = ticket.id
    make_user("budi", counters=(1, 2))
    officer = login(app.test_client(), "budi")

    response = admin_client.post(f"/admin/loket/{counter_id}/pensiun")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/admin/loket/{counter_id}?ok=1")
    page = admin_client.get(response.headers["Location"])
    assert "Perubahan disimpan." in page.get_data(as_text=True) and 'id="reactivate"' in page.get_data(as_text=True)

    assert officer.get(f"/counter/{counter_id}").status_code == 404
    with app.app_context():
        from loket.auth.models import User

        budi = db.session.scalar(select(User).where(User.username == "budi"))
        assert [c.number for c in usable_counters(budi)] == [2]
        shown = board.build(db.session.scalars(select(Display)).first()).counters
        assert 1 not in [c.number for c in shown] and 2 in [c.number for c in shown]
        kept = db.session.get(Ticket, ticket_id)
        assert kept.counter_id == counter_id and kept.state == "done"
    assert 'data-state="pensiun"' in _row(admin_client.get("/admin/loket"), 1)


def test_a_counter_with_a_called_ticket_cannot_be_retired(app, admin_client):
    from loket.queue import core

    counter_id = _counter(app, 1)[0]
    with app.app_context():
        core.issue_ticket("A")
        number = core.call_next(core.get_counter(counter_id)).number
    response = admin_client.post(f"/admin/loket/{counter_id}/pensiun")
    assert response.status_code == 409
    text = _text(response)
    assert f"Loket 1 sedang menangani tiket {number}." in text and "Selesaikan atau alihkan" in text
    assert _counter(app, 1)[2] is True
    assert _audit(app, "counter.retired") == []


def test_reactivating_brings_it_back_and_both_steps_are_audited(app, admin_client, published):
    counter_id = _counter(app, 1)[0]
    admin_client.post(f"/admin/loket/{counter_id}/pensiun")
    response = admin_client.post(f"/admin/loket/{counter_id}/aktifkan")
    assert response.status_code == 303
    assert _counter(app, 1)[2] is True
    retired, reactivated = _audit(app, "counter.retired"), _audit(app, "counter.reactivated")
    assert [(e.before, e.after) for e in retired] == [({"aktif": True}, {"aktif": False})]
    assert [(e.before, e.after) for e in reactivated] == [({"aktif": False}, {"aktif": True})]
    assert [e.name for e in published if e.name.startswith("counter.")] == ["counter.retired", "counter.reactivated"]


def test_adding_publishes_the_event_to_the_office_and_the_counter(app, admin_client, published):
    from loket.offices.scope import default_office

    number = _next_number(app)
    _add(admin_client, number, app=app)
    counter_id = _counter(app, number)[0]
    with app.app_context():
        office_id = default_office().id
    [event] = [e for e in published if e.name.startswith("counter.")]
    assert event.name == "counter.added"
    assert event.public == {"counter": number, "counter_name": "Loket Terpadu", "office": office_id}
    assert set(event.rooms) == {office_room(office_id), counter_room(counter_id)}
    [entry] = _audit(app, "counter.added")
    assert entry.before == {} and entry.after == {"nama": "Loket Terpadu", "nomor": number,
                                                  "layanan": ["A", "B"], "aktif": True}


def test_another_offices_counters_are_a_403(app, make_user, second_office):
    make_user("admin-utama", role="admin", counters=(), office="utama")
    admin = login(app.test_client(), "admin-utama")
    theirs = second_office["counters"][1]
    assert admin.get(f"/admin/loket/{theirs}").status_code == 403
    assert admin.post(f"/admin/loket/{theirs}", data={"name": "Diambil",
                                                      "services": [second_office["services"]["A"]]}).status_code == 403
    assert admin.post(f"/admin/loket/{theirs}/pensiun").status_code == 403
    assert admin.get("/admin/loket?kantor=dukcapil").status_code == 403
    # Their own office's services are not choices for a counter of the first office either.
    response = admin.post("/admin/loket/baru", data={"number": "50", "services": [second_office["services"]["A"]]})
    assert response.status_code == 400 and _counter(app, 50) is None
    with app.app_context():
        assert db.session.get(Counter, theirs).active and db.session.get(Counter, theirs).name == "Loket 1"


def test_the_installation_admin_picks_the_office(app, admin_client, second_office):
    listing = admin_client.get("/admin/loket?kantor=dukcapil")
    assert listing.status_code == 200 and 'id="listed-office"' in listing.get_data(as_text=True)
    response = admin_client.post("/admin/loket/baru?kantor=dukcapil",
                                 data={"number": "3", "name": "Loket Dukcapil",
                                       "services": [second_office["services"]["A"], second_office["services"]["B"]]})
    assert response.status_code == 303 and "kantor=dukcapil" in response.headers["Location"]
    assert _counter(app, 3, office_id=second_office["id"])[1:] == ("Loket Dukcapil", True, ["A", "B"])
    assert admin_client.get(f"/admin/loket/{second_office['counters'][1]}").status_code == 200


def test_supervisors_read_the_list_but_change_nothing(app, make_user):
    make_user("sri", role="supervisor", counters=())
    supervisor = login(app.test_client(), "sri")
    listing = supervisor.get("/admin/loket")
    assert listing.status_code == 200
    text = listing.get_data(as_text=True)
    assert 'data-counter="1"' in text and "Tambah loket" not in text and "/admin/loket/baru" not in text
    counter_id = _counter(app, 1)[0]
    services = _service_ids(app, "A")
    assert supervisor.get("/admin/loket/baru").status_code == 403
    assert supervisor.post("/admin/loket/baru", data={"number": "9", "services": services}).status_code == 403
    assert supervisor.get(f"/admin/loket/{counter_id}").status_code == 403
    assert supervisor.post(f"/admin/loket/{counter_id}", data={"name": "X", "services": services}).status_code == 403
    assert supervisor.post(f"/admin/loket/{counter_id}/pensiun").status_code == 403
    assert supervisor.post(f"/admin/loket/{counter_id}/aktifkan").status_code == 403
    assert _counter(app, 1)[1:] == ("Loket 1", True, ["A"]) and _counter(app, 9) is None and _audit(app) == []


@pytest.mark.parametrize("changes, message", [
    ({"number": "tiga"}, "Nomor loket harus bilangan bulat 1 sampai 999."),  # one message, not a parse error too
    ({"number": ""}, "Wajib diisi."),
    ({"number": "0"}, "Nomor loket harus bilangan bulat 1 sampai 999."),
    ({"number": "1000"}, "Nomor loket harus bilangan bulat 1 sampai 999."),
    ({"number": "99999999999999999999999"}, "Nomor loket harus bilangan bulat 1 sampai 999."),
    ({"services": ["999999"]}, "Pilihan tidak dikenal."),
    ({"services": ["A"]}, "Pilihan tidak dikenal."),
    ({"services": []}, "Pilih minimal satu layanan untuk loket ini."),
    ({"name": "x" * 200}, "Paling banyak 80 karakter."),
])
def test_bad_input_is_a_400_that_keeps_what_was_typed(app, admin_client, changes, message):
    data = {"number": "77", "name": "Loket Cepat", "services": _service_ids(app, "A"), **changes}
    response = admin_client.post("/admin/loket/baru", data=data)
    assert response.status_code == 400
    text = _text(response)
    assert message in text and "has-error" in text
    assert f'value="{data["name"]}"' in text and f'value="{data["number"]}"' in text
    if "services" not in changes:
        assert _checked(response) == _service_ids(app, "A")
    assert _counter(app, 77) is None and _audit(app) == []


@pytest.mark.parametrize("changes, message", [
    ({"name": "y" * 200}, "Paling banyak 80 karakter."),
    ({"services": ["abc"]}, "Pilihan tidak dikenal."),
    ({"services": []}, "Pilih minimal satu layanan untuk loket ini."),
])
def test_bad_edits_are_a_400_and_change_nothing(app, admin_client, changes, message):
    counter_id = _counter(app, 1)[0]
    response = admin_client.post(f"/admin/loket/{counter_id}", data={"name": "Loket Satu",
                                                                      "services": _service_ids(app, "B"), **changes})
    assert response.status_code == 400 and message in _text(response)
    assert _counter(app, 1)[1:] == ("Loket 1", True, ["A"]) and _audit(app) == []


def test_an_unknown_counter_is_a_404(admin_client):
    assert admin_client.get("/admin/loket/9999").status_code == 404
    assert admin_client.post("/admin/loket/9999/pensiun").status_code == 404


def test_the_domain_refuses_services_of_another_office_and_inactive_ones(app, ctx, second_office):
    from loket.offices.scope import default_office
    from loket.queue import counters
    from loket.queue.errors import InvalidInput

    office_id = default_office().id
    with pytest.raises(InvalidInput) as info:
        counters.add_counter(office_id, 40, "", [second_office["services"]["A"]], None)
    assert info.value.field == "services"
    service = db.session.scalar(select(Service).where(Service.office_id == office_id, Service.code == "E"))
    service.active = False
    db.session.commit()
    with pytest.raises(InvalidInput):
        counters.add_counter(office_id, 40, "", [service.id], None)
    with pytest.raises(InvalidInput) as info:
        counters.add_counter(office_id, 1000, "", [_service_ids(app, "A")[0]], None)
    assert info.value.field == "number"
    assert db.session.scalar(select(Counter).where(Counter.number.in_((40, 1000)))) is None


def test_the_pages_and_their_errors_read_in_english(app, admin_client):
    admin_client.get("/admin/loket?lang=en")  # the choice is kept in the session
    response = _add(admin_client, 1, app=app)
    assert response.status_code == 400
    text = _text(response)
    assert "Number 1 is already used by Loket 1." in text and "Counter number" in text
    assert "Nomor 1 sudah dipakai" not in text
    assert "Add counter" in admin_client.get("/admin/loket").get_data(as_text=True)


def test_a_number_taken_in_a_race_is_a_readable_400(app, admin_client, monkeypatch):
    """Two admins adding the same number at once: the unique constraint decides, the loser reads why."""
    from loket.queue import counters

    monkeypatch.setattr(counters, "_number", lambda office_id, number: number)  # the check "missed" it
    response = _add(admin_client, 1, name="Loket Kembar", app=app)
    assert response.status_code == 400
    assert "Nomor 1 baru saja dipakai loket lain; pilih nomor lain." in _text(response)
    assert 'value="Loket Kembar"' in _text(response)
    assert _counter(app, 1)[1] == "Loket 1" and _audit(app) == []
