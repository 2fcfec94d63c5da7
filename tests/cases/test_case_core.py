"""The case domain (berkas): opening from a ticket and from a letter, the stopped clock, the selection
method and the LKPP escalation, milestones in order, the worklist, events and the contact purge.

Due dates are worked out by hand on this calendar (August 2026, the office works Monday to Friday):
    Mon 3 … Fri 7 | Sat 8 Sun 9 | Mon 10 … Fri 14 | Sat 15 Sun 16 | Mon 17 Hari Kemerdekaan |
    Tue 18 the office's own day off (rapat kerja) | Wed 19 Thu 20 Fri 21 | Sat 22 Sun 23 | Mon 24 …
"""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from loket.auth.models import User
from loket.cases import core
from loket.cases.models import CANCELLED, DONE, OPEN, WAITING, Case, CaseEvent
from loket.extensions import db
from loket.feedback import complaints
from loket.offices import settings
from loket.offices.scope import default_office
from loket.queue import core as queue
from loket.queue.errors import InvalidInput, NotFound, OfficeNotAllowed, TransitionNotAllowed
from loket.queue.models import Counter, Service, Ticket
from loket.timeutil import utcnow

BOTH = pytest.mark.parametrize("app_database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])


def AUG(day: int) -> date:  # noqa: N802 - reads like the calendar above
    return date(2026, 8, day)


@pytest.fixture
def august(ctx):
    from loket.queue import hours

    hours.add_holiday(AUG(17), "Hari Ulang Tahun Kemerdekaan RI")
    settings.set_exception(default_office(), "2026-08-18", "", "Rapat kerja", None)
    db.session.commit()
    return ctx


@pytest.fixture
def petugas(august, make_user):
    """An officer of the first office (counters 2, 4 and 6: the services with milestones)."""
    return db.session.get(User, make_user("budi", counters=(2, 4, 6)))


def service(code: str) -> Service:
    return db.session.scalar(select(Service).where(Service.code == code, Service.office_id == default_office().id))


def at_counter(code: str, day: date | None = None) -> Ticket:
    """A ticket of `code` called to its counter and served (its `day` set back to `day`)."""
    queue.issue_ticket(code)
    counter = db.session.scalar(select(Counter).where(Counter.services.any(Service.code == code),
                                                      Counter.office_id == default_office().id))
    ticket = queue.close_case(queue.call_next(counter))
    if day is not None:
        ticket.day = day
        db.session.commit()
    return db.session.get(Ticket, ticket.id)


def letter(code: str, actor, received_on: date, **kwargs) -> Case:
    channel = kwargs.pop("channel", {"D": "in_person", "F": "e_surat"}[code])
    kwargs.setdefault("requester", "Dinas Pekerjaan Umum dan Penataan Ruang")
    kwargs.setdefault("contact_name", "Ni Luh Putu Sari")
    return core.register_letter(service(code), actor, channel, kwargs.pop("requester"), kwargs.pop("contact_name"),
                                received_on, **kwargs)


def helpdesk(actor, day: date, **kwargs) -> Case:
    kwargs.setdefault("requester", "CV Karya Mandiri")
    kwargs.setdefault("contact_name", "I Made Wirawan")
    return core.open_from_ticket(at_counter("B", day), actor, **kwargs)


def dues(case: Case) -> list[date | None]:
    return [due.due for due in core.due_dates(case)]


def kinds(case: Case) -> list[str]:
    return list(db.session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)))


# --- opening ---------------------------------------------------------------------------------

def test_a_case_opened_at_the_counter_is_due_in_two_working_days_and_seven_once_escalated(petugas, published):
    # Ticket of Thu 13: Fri 14 (1), weekend, Mon 17 holiday, Tue 18 closed, Wed 19 (2).
    case = helpdesk(petugas, AUG(13))
    assert (case.state, case.channel, case.received_on, case.assignee_id) == (OPEN, "loket", AUG(13), petugas.id)
    assert case.ticket_id is not None and case.code.startswith("BK-") and len(case.token) == 24
    assert [(d.position, d.text, d.received) for d in case.documents] == [
        (1, "Laporan/pernyataan permasalahan aplikasi SPSE", True)]
    assert dues(case) == [AUG(19)] and case.next_due == AUG(19)
    # LKPP: 7 working days from Thu 13: 14, 19, 20, 21, 24, 25, 26.
    case = core.escalate(case, petugas)
    assert (case.variant, dues(case), case.next_due) == ("lkpp", [AUG(26)], AUG(26))
    assert core.public_view(case)["milestones"][0]["variant"] == "Penyelesaian ditindaklanjuti ke helpdesk LKPP"
    case = core.complete_milestone(case, "penyelesaian", petugas, note="Diteruskan, tiket LKPP 4411", day=AUG(25))
    assert (case.state, case.next_due, case.closed_at is not None) == (DONE, None, True)
    assert kinds(case) == ["opened", "escalated", "milestone", "done"]
    assert [event.name for event in published] [-3:] == ["case.opened", "case.escalated", "case.done"]


@BOTH
def test_a_selection_request_walks_its_milestones_with_a_stopped_clock(petugas, published, app_database):
    # The letter of Mon 3 came without the DPP: waiting from Mon 3, the DPP arrives Wed 5, so Tue 4 and
    # Wed 5 do not count: the disposition (1 working day) is due Thu 6, not Tue 4.
    case = letter("D", petugas, AUG(3), documents_received=[1])
    assert case.state == WAITING and case.next_due is None
    assert [(p.stopped_on, p.resumed_on, p.missing) for p in case.pauses] == [
        (AUG(3), None, "Dokumen Persiapan Pemilihan (DPP)")]
    view = core.public_view(case, today=AUG(4))
    assert (view["waiting_for"], view["waiting_since"], view["next_due"]) == (
        "Dokumen Persiapan Pemilihan (DPP)", "2026-08-03", None)
    case = core.documents_arrived(case, petugas, day=AUG(5))
    assert case.state == OPEN and dues(case) == [AUG(6), AUG(7), None] and case.next_due == AUG(6)
    with pytest.raises(TransitionNotAllowed, match="Selesaikan dulu tahap Penerimaan surat"):
        core.complete_milestone(case, "reviu_dpp", petugas, day=AUG(6))
    case = core.complete_milestone(case, "disposisi", petugas, day=AUG(6))
    # The review (1 working day from Thu 6) was due Fri 7 and is done Mon 10: late, and the next one
    # starts from the day it was done.
    case = core.complete_milestone(case, "reviu_dpp", petugas, day=AUG(10))
    with pytest.raises(TransitionNotAllowed) as refused:
        core.complete_milestone(case, "pemilihan", petugas, day=AUG(11))
    assert refused.value.message == "Pilih dulu metodenya: lama tahap ini bergantung pada pilihan itu."
    # Tender cepat: 10 calendar days from Mon 10, the holiday and the closed day included: Thu 20.
    case = core.choose_variant(case, "tender_cepat", petugas)
    assert dues(case) == [AUG(6), AUG(7), AUG(20)] and case.next_due == AUG(20)
    assert [due.on_time for due in core.due_dates(case)] == [True, False, None]
    # Waiting again from Wed 12 until Fri 14 stops two calendar days: Sat 22.
    case = core.wait_for_documents(case, "Revisi HPS yang ditandatangani PPK", petugas, day=AUG(12))
    case = core.documents_arrived(case, petugas, day=AUG(14))
    assert dues(case)[2] == AUG(22) and case.next_due == AUG(22)
    case = core.complete_milestone(case, "pemilihan", petugas, note="BAHP terkirim", day=AUG(21))
    assert case.state == DONE and [due.on_time for due in core.due_dates(case)] == [True, False, True]
    assert kinds(case) == ["opened", "waiting", "documents_arrived", "milestone", "milestone", "variant",
                           "waiting", "documents_arrived", "milestone", "done"]
    assert [e.name for e in published if e.name.startswith("case.")] == [
        "case.opened", "case.documents_arrived", "case.milestone", "case.milestone", "case.variant",
        "case.waiting", "case.documents_arrived", "case.done"]


def test_the_selection_method_sets_the_last_milestones_length(petugas):
    # The review is due Wed 5 (letter Mon 3: Tue 4, Wed 5); from Wed 5: tender 30 → Fri 4 Sep, seleksi 50
    # → Thu 24 Sep, tender cepat 10 → Sat 15 Aug.
    case = letter("D", petugas, AUG(3))
    assert dues(case) == [AUG(4), AUG(5), None]
    for variant, due in (("tender", date(2026, 9, 4)), ("seleksi", date(2026, 9, 24)), ("tender_cepat", AUG(15))):
        case = core.choose_variant(case, variant, petugas)
        assert dues(case)[2] == due
    with pytest.raises(InvalidInput) as refused:
        core.choose_variant(case, "penunjukan", petugas)
    assert str(refused.value) == "Pilih salah satu metode: Tender, Seleksi, Tender Cepat."  # no internal keys


def test_a_bimtek_request_later_than_five_working_days_is_registered_and_flagged(petugas, published):
    # Letter of Wed 12 for Mon 24: Thu 13, Fri 14, Wed 19, Thu 20, Fri 21, Mon 24 = 6 working days: in time.
    early = letter("F", petugas, AUG(12), activity_day=AUG(24))
    assert early.lead_time_short is None and dues(early) == [AUG(21)]
    # Letter of Thu 20 for Tue 25: Fri 21, Mon 24, Tue 25 = 3: registered, flagged, and the log says so.
    late = letter("F", petugas, AUG(20), activity_day=AUG(25), channel="courier")
    assert late.lead_time_short == ("Permohonan diterima 3 hari kerja sebelum kegiatan; standar minimal "
                                    "5 hari kerja.")
    assert late.state == OPEN and late.activity_day == AUG(25) and dues(late) == [AUG(27)]
    opened = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == late.id, CaseEvent.kind == "opened"))
    assert opened.data["lead_time_short"] == {"days": 3, "required": 5, "unit": "working_days"}
    assert opened.data["channel"] == "courier"
    with pytest.raises(InvalidInput) as refused:
        letter("F", petugas, AUG(20))
    assert str(refused.value) == ("Isi tanggal kegiatan: standar layanan ini meminta permohonan paling lambat "
                                  "5 hari kerja sebelum kegiatan.")  # the standard's unit, as the warning says


def test_the_checklist_is_the_services_requirements_with_their_sub_items(petugas):
    case = letter("F", petugas, AUG(12), activity_day=AUG(24), documents_received=[2])
    assert [d.text for d in case.documents][0].startswith("Surat permohonan yang memuat")
    # one line, punctuated once, whatever the standard's own text ends its parts with
    assert case.documents[0].text == "Surat permohonan yang memuat: agenda kegiatan; contact person dari OPD Pemohon."
    assert case.state == WAITING and case.pauses[0].missing == case.documents[0].text
    case = core.check_document(case, 1, True, petugas, day=AUG(13))
    assert [(d.received, d.received_on) for d in case.documents] == [(True, AUG(13)), (True, AUG(12))]
    assert case.state == WAITING  # ticks do not restart the clock: documents_arrived does
    case = core.documents_arrived(case, petugas, day=AUG(13))
    # Waiting Wed 12 → Thu 13: 5 working days from Thu 13: 14, 19, 20, 21, 24.
    assert dues(case) == [AUG(24)]
    with pytest.raises(NotFound, match="Persyaratan tidak ditemukan"):
        core.check_document(case, 9, True, petugas)


def test_documents_arrived_completes_the_checklist(petugas):
    """"Kelengkapan sudah diterima": the berkas is complete, so the lines still open are received that day."""
    case = letter("D", petugas, AUG(3), documents_received=[])
    assert case.state == WAITING and not any(d.received for d in case.documents)
    case = core.documents_arrived(case, petugas, day=AUG(5))
    assert [(d.received, d.received_on) for d in case.documents] == [(True, AUG(5)), (True, AUG(5))]
    event = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                      CaseEvent.kind == "documents_arrived"))
    assert event.data == {"stopped_on": "2026-08-03", "on": "2026-08-05", "documents": [1, 2]}


# --- errors ----------------------------------------------------------------------------------

def test_opening_refuses_what_the_standard_does_not_allow(petugas):
    ticket = at_counter("A")
    with pytest.raises(InvalidInput) as refused:
        core.open_from_ticket(ticket, petugas, requester="CV Maju", contact_name="Wayan")
    assert str(refused.value) == ("Layanan Pelayanan Verifikasi Akun Baru Penyedia Barang/Jasa selesai di loket: "
                                  "standarnya tidak punya tahapan berkas.")
    ticket = at_counter("B")
    waiting = queue.issue_ticket("B")
    with pytest.raises(TransitionNotAllowed, match="hanya dapat dibuka dari tiket yang sedang atau sudah dilayani"):
        core.open_from_ticket(waiting, petugas, requester="CV Maju", contact_name="Wayan")
    case = core.open_from_ticket(ticket, petugas, requester="CV Maju", contact_name="Wayan")
    with pytest.raises(TransitionNotAllowed) as refused:
        core.open_from_ticket(db.session.get(Ticket, ticket.id), petugas, requester="CV Maju", contact_name="Wayan")
    assert str(refused.value) == f"Tiket ini sudah punya berkas {case.code}."
    with pytest.raises(InvalidInput) as refused:
        letter("D", petugas, AUG(3), channel="courier")
    assert str(refused.value) == "Pilih saluran surat yang ada di standar layanan ini: Datang langsung ke kantor."
    with pytest.raises(InvalidInput, match="tidak boleh di masa depan"):
        letter("D", petugas, date.today() + timedelta(days=2))


@pytest.mark.parametrize("fields, message", [
    ({"requester": " "}, "Isi nama OPD atau instansi pemohon."),
    ({"contact_name": ""}, "Isi nama narahubung (contact person)."),
    ({"contact_email": "sari@pupr.klungkungkab.go.id"}, "Email narahubung hanya disimpan dengan persetujuannya."),
    ({"contact_email": "sari@", "consent": True}, "Alamat email narahubung tidak valid."),
    ({"contact_email": "bukan-email"}, "Alamat email narahubung tidak valid."),  # the real problem first
    ({"requester": "x" * 201}, "Nama pemohon terlalu panjang (maksimal %(max)s karakter)."),
])
def test_the_requester_and_contact_are_validated(petugas, fields, message):
    with pytest.raises(InvalidInput) as refused:
        letter("D", petugas, AUG(3), **fields)
    assert refused.value.message == message
    assert db.session.scalar(select(Case.id)) is None


def test_an_email_is_kept_only_with_consent(petugas):
    case = letter("D", petugas, AUG(3), contact_email="sari@pupr.klungkungkab.go.id", consent=True)
    assert (case.contact_email, case.contact_consent) == ("sari@pupr.klungkungkab.go.id", True)


def test_actions_refused_in_the_wrong_state_say_why(petugas, make_user, second_office):
    case = letter("D", petugas, AUG(3))
    with pytest.raises(TransitionNotAllowed, match="tidak sedang menunggu kelengkapan"):
        core.documents_arrived(case, petugas)
    with pytest.raises(TransitionNotAllowed, match="tidak dapat diteruskan ke helpdesk LKPP"):
        core.escalate(case, petugas)
    with pytest.raises(NotFound, match="Tahapan tidak dikenal"):
        core.complete_milestone(case, "bahp", petugas)
    with pytest.raises(InvalidInput, match="Tuliskan kelengkapan yang ditunggu"):
        core.wait_for_documents(case, "  ", petugas)
    with pytest.raises(InvalidInput, match="Tanggal tidak boleh di masa depan atau sebelum"):
        core.wait_for_documents(case, "DPP", petugas, day=AUG(2))
    case = core.wait_for_documents(case, "DPP", petugas, day=AUG(4))
    with pytest.raises(TransitionNotAllowed, match="sudah menunggu kelengkapan"):
        core.wait_for_documents(case, "DPP", petugas)
    with pytest.raises(TransitionNotAllowed) as refused:
        core.complete_milestone(case, "disposisi", petugas)
    assert refused.value.message.startswith("Berkas menunggu kelengkapan dari pemohon")
    other = db.session.get(User, make_user("komang", office="dukcapil"))
    with pytest.raises(OfficeNotAllowed, match="milik unit layanan lain"):
        core.documents_arrived(case, other)
    with pytest.raises(InvalidInput, match="bukan petugas unit layanan berkas ini"):
        core.reassign(case, other, petugas)
    with pytest.raises(InvalidInput, match="Tuliskan alasan pembatalan"):
        core.cancel(case, petugas, "")
    case = core.cancel(case, petugas, "Permohonan ditarik OPD")
    assert case.state == CANCELLED and case.pauses[0].resumed_on is not None and case.next_due is None
    for action in (lambda: core.escalate(case, petugas), lambda: core.choose_variant(case, "tender", petugas),
                   lambda: core.complete_milestone(case, "disposisi", petugas)):
        with pytest.raises(TransitionNotAllowed, match="Berkas ini sudah ditutup"):
            action()


def test_escalating_twice_and_changing_a_completed_method_are_refused(petugas):
    case = core.escalate(helpdesk(petugas, AUG(13)), petugas)
    with pytest.raises(TransitionNotAllowed, match="sudah diteruskan ke helpdesk LKPP"):
        core.escalate(case, petugas)
    # Another office's standard where the method also sets the first milestone's length.
    selection = service("D")
    standard = dict(selection.standard)
    first, *rest = standard["milestones"]
    standard["milestones"] = [dict(first, variants=[{"key": "tender", "name": "Tender", "days": 2}]), *rest]
    selection.standard = standard
    db.session.commit()
    case = letter("D", petugas, AUG(3), variant="tender")
    assert dues(case)[0] == AUG(5)
    case = core.complete_milestone(case, "disposisi", petugas, day=AUG(5))
    with pytest.raises(TransitionNotAllowed) as refused:
        core.choose_variant(case, "seleksi", petugas)
    assert str(refused.value).endswith("sudah selesai; pilihannya tidak dapat diubah lagi.")
    assert core.choose_variant(case, "tender", petugas).variant == "tender"  # the same choice again: nothing to do


def test_reassigning_moves_the_case_between_officers_of_the_office(petugas, make_user, published):
    other = db.session.get(User, make_user("ketut", counters=(4,)))
    case = core.reassign(letter("D", petugas, AUG(3)), other, petugas)
    assert case.assignee_id == other.id
    assert db.session.scalar(select(CaseEvent.data).where(CaseEvent.kind == "reassigned")) == {
        "from": None, "to": other.id}
    assert published[-1].name == "case.reassigned"


# --- events, the worklist and the public view -----------------------------------------------------

def test_events_go_to_the_case_room_and_the_office_room_without_personal_data(petugas, published):
    case = helpdesk(petugas, AUG(13), contact_email="made@cvkarya.co.id", consent=True)
    event = published[-1]
    assert event.rooms == (f"office:{case.office_id}",)
    assert list(event.private) == [f"case:{case.token}"]
    assert event.private[f"case:{case.token}"] == core.public_view(case)
    assert event.public == {"case": case.id, "office": case.office_id, "service_id": case.service_id,
                            "state": "open", "next_due": "2026-08-19"}
    said = repr(event.public) + repr(event.private)
    for private in ("I Made Wirawan", "made@cvkarya.co.id", "CV Karya Mandiri"):
        assert private not in said


@BOTH
def test_the_worklist_sorts_by_the_next_due_date_and_marks_today_and_overdue(petugas, make_user, app_database):
    other = db.session.get(User, make_user("ketut", counters=(4,)))
    due_today = helpdesk(petugas, AUG(13))                           # due Wed 19
    overdue = helpdesk(petugas, AUG(10))                             # due Wed 12
    later = letter("F", petugas, AUG(12), activity_day=AUG(24))      # due Fri 21
    waiting = letter("D", petugas, AUG(3), documents_received=[1])   # the clock stands still
    core.reassign(later, other, petugas)
    core.cancel(helpdesk(petugas, AUG(13)), petugas, "Masalah selesai sendiri")
    rows = core.worklist(default_office().id, today=AUG(19))
    assert [(row.case.id, row.due, row.due_today, row.overdue, row.waiting) for row in rows] == [
        (overdue.id, AUG(12), False, True, False),
        (due_today.id, AUG(19), True, False, False),
        (later.id, AUG(21), False, False, False),
        (waiting.id, None, False, False, True)]
    assert rows[0].milestone.key == "penyelesaian" and rows[3].milestone.key == "disposisi"
    assert [row.case.id for row in core.worklist(default_office().id, other.id, today=AUG(19))] == [later.id]


def test_the_worklist_is_one_query_for_the_cases(petugas, ctx):
    from sqlalchemy import event

    for day in (3, 4, 5, 6):
        helpdesk(petugas, AUG(day))
    office_id = default_office().id
    db.session.remove()
    statements = []
    here = threading.get_ident()  # not the display renderer's reads, which run beside the test

    def listen(*args):
        if threading.get_ident() == here:
            statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        rows = core.worklist(office_id, today=AUG(19))
        [(row.case.service.name, row.case.assignee.username) for row in rows]
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    cases = [s for s in statements if "FROM cases" in s]
    assert len(rows) == 4 and len(cases) == 1
    # The cases, then one each for services, users, completions and pauses; then the calendar's holidays.
    assert len(statements) <= 6, "\n".join(s.split("\n")[0][:80] for s in statements)


def test_the_public_view_shows_milestones_and_no_personal_data(petugas):
    case = letter("D", petugas, AUG(3), contact_email="sari@pupr.klungkungkab.go.id", consent=True, variant="tender")
    case = core.complete_milestone(case, "disposisi", petugas, note="Surat tugas Pokja 2 untuk Ni Luh", day=AUG(4))
    view = core.public_view(case, today=AUG(4))
    assert view["code"] == case.code and view["state"] == "open" and view["next"] == "reviu_dpp"
    assert [(m["key"], m["status"], m["due"], m["completed"]) for m in view["milestones"]] == [
        ("disposisi", "done", "2026-08-04", "2026-08-04"), ("reviu_dpp", "next", "2026-08-05", None),
        ("pemilihan", "later", "2026-09-04", None)]
    said = repr(view)
    for private in ("Ni Luh", "sari@", "Dinas Pekerjaan Umum", case.token):
        assert private not in said
    assert core.by_code(case.code.lower().replace("-", " ")).id == case.id
    assert core.by_token(case.token).id == case.id
    with pytest.raises(NotFound, match="Kode berkas tidak ditemukan"):
        core.by_code("BK-0000-0000")


def test_the_tracking_room_is_open_to_the_token_only(app, client, petugas):
    from loket.extensions import socketio

    case = helpdesk(petugas, AUG(13))
    sio = socketio.test_client(app, flask_test_client=client)
    ack = sio.emit("subscribe", {"rooms": [f"case:{case.token}", "case:AAAAAAAAAAAAAAAAAAAAAAAA", f"case:{case.code}"]},
                   callback=True)
    assert ack == {"ok": True, "rooms": [f"case:{case.token}"]}
    sio.disconnect()


# --- privacy ---------------------------------------------------------------------------------

def test_the_privacy_purge_blanks_contacts_of_cases_closed_longer_than_the_retention(petugas, published):
    old = core.cancel(letter("D", petugas, AUG(3), contact_email="a@opd.go.id", consent=True), petugas, "Ditarik")
    recent = core.cancel(letter("D", petugas, AUG(4)), petugas, "Ditarik")
    still_open = letter("D", petugas, AUG(3))
    old.closed_at = utcnow() - timedelta(days=91)  # retention: 90 days (LOKET_CONTACT_RETENTION_DAYS)
    recent.closed_at = utcnow() - timedelta(days=89)
    db.session.commit()
    assert complaints.purge_personal_data() == {"complaints": 0, "cases": 1}
    assert published[-1].public == {"complaints": 0, "cases": 1}
    db.session.expire_all()
    assert (old.contact_name, old.contact_email, old.contact_consent) == (None, None, False)
    assert old.contact_purged_at is not None and old.requester == "Dinas Pekerjaan Umum dan Penataan Ruang"
    assert recent.contact_name == "Ni Luh Putu Sari" and still_open.contact_name == "Ni Luh Putu Sari"
    settings.update(default_office(), {"contact_retention_days": 30}, None)
    complaints.purge_contacts()
    db.session.expire_all()
    assert recent.contact_name is None and still_open.contact_name == "Ni Luh Putu Sari"
