"""Complaint handling as a workflow: a supervisor assigns, officers see and answer only what is theirs,
internal notes stay internal, the complainant's reply on the tracking page reopens the complaint, and
every step is in its history. The tracking page hears of changes in its own room."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from loket.extensions import db, socketio
from loket.feedback import complaints, workflow
from loket.feedback.models import Complaint, ComplaintStep
from support import login


@pytest.fixture
def staff(app, make_user):
    """A supervisor, officer "rina" at counter 2 (service B), officer "budi" at counter 1 (service A)."""
    return {"boss": make_user("kasubag", role="supervisor", counters=()),
            "rina": make_user("rina", counters=(2,)), "budi": make_user("budi", counters=(1,))}


def _complaint(app, **extra):
    with app.app_context():
        item = complaints.submit(category="pengaduan", message="Akun saya belum diverifikasi.",
                                 contact="0812-1111-2222", **extra)
        return item.id, item.code


def _steps(app, complaint_id, public=False):
    with app.app_context():
        item = db.session.get(Complaint, complaint_id)
        return [(s.kind, s.internal, s.text) for s in workflow.history(item, public=public)]


def test_a_supervisor_assigns_and_only_the_assignee_answers(app, staff, published):
    complaint_id, code = _complaint(app)  # about no service: nobody's counter
    boss, rina, budi = (login(app.test_client(), n) for n in ("kasubag", "rina", "budi"))
    assert rina.get(f"/admin/pengaduan/{complaint_id}").status_code == 403
    assert code not in rina.get("/admin/pengaduan").get_data(as_text=True)
    # officers do not assign
    assert rina.post(f"/admin/pengaduan/{complaint_id}/tugaskan", data={"assignee": str(staff["rina"])}).status_code == 403
    response = boss.post(f"/admin/pengaduan/{complaint_id}/tugaskan", data={"assignee": str(staff["rina"])})
    assert response.status_code == 303
    page = rina.get(f"/admin/pengaduan/{complaint_id}")
    assert page.status_code == 200 and "0812-1111-2222" not in page.get_data(as_text=True)
    mine = rina.get("/admin/pengaduan?untuk=saya").get_data(as_text=True)
    assert code in mine
    # another officer still cannot open, answer or note it
    assert budi.get(f"/admin/pengaduan/{complaint_id}").status_code == 403
    assert budi.post(f"/admin/pengaduan/{complaint_id}", data={"status": "answered", "response": "x"}).status_code == 403
    assert budi.post(f"/admin/pengaduan/{complaint_id}/catatan", data={"text": "x"}).status_code == 403
    assert code not in budi.get("/admin/pengaduan?status=all").get_data(as_text=True)
    answer = rina.post(f"/admin/pengaduan/{complaint_id}", data={"status": "answered",
                                                                  "response": "Sudah kami verifikasi hari ini."})
    assert answer.status_code == 303
    assert [kind for kind, _, _ in _steps(app, complaint_id)] == ["received", "assigned", "answered"]
    assigned = next(e for e in published if e.name == "complaint.assigned")
    assert assigned.rooms == (f"complaints:{_office(app, complaint_id)}",)  # never the public room
    history = boss.get(f"/admin/pengaduan/{complaint_id}").get_data(as_text=True)
    assert re.search(r'data-kind="assigned".*?rina', history, re.S)


def _office(app, complaint_id):
    with app.app_context():
        return db.session.get(Complaint, complaint_id).office_id


def test_officers_see_complaints_about_their_counters_services(app, staff):
    about_a, code_a = _complaint(app, service_code="A")
    about_b, code_b = _complaint(app, service_code="B")
    budi = login(app.test_client(), "budi")
    listing = budi.get("/admin/pengaduan?status=all").get_data(as_text=True)
    assert code_a in listing and code_b not in listing
    assert budi.get(f"/admin/pengaduan/{about_a}").status_code == 200
    assert budi.get(f"/admin/pengaduan/{about_b}").status_code == 403
    boss = login(app.test_client(), "kasubag").get("/admin/pengaduan?status=all").get_data(as_text=True)
    assert code_a in boss and code_b in boss


def test_assigning_outside_the_office_or_an_unknown_person_is_refused(app, staff, second_office, make_user):
    complaint_id, _ = _complaint(app)
    stranger = make_user("dina", office="dukcapil", counters=())
    boss = login(app.test_client(), "kasubag")
    for value in (str(stranger), "999999", "abc"):
        response = boss.post(f"/admin/pengaduan/{complaint_id}/tugaskan", data={"assignee": value})
        assert response.status_code == 400, value
        assert re.search(r'id="assignee-error"[^>]*>Pilihan tidak dikenal', response.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(Complaint, complaint_id).assigned_to_id is None


def test_internal_notes_never_reach_the_public(app, staff, client, published):
    complaint_id, code = _complaint(app, service_code="A")
    budi = login(app.test_client(), "budi")
    empty = budi.post(f"/admin/pengaduan/{complaint_id}/catatan", data={"text": "   "})
    assert empty.status_code == 400 and re.search(r'id="text-error"[^>]*>Wajib diisi', empty.get_data(as_text=True))
    too_long = budi.post(f"/admin/pengaduan/{complaint_id}/catatan", data={"text": "n" * 2001})
    assert too_long.status_code == 400 and "Paling banyak 2000 karakter" in too_long.get_data(as_text=True)
    note = "Pemohon pernah marah-marah di loket; tangani dengan sabar."
    assert budi.post(f"/admin/pengaduan/{complaint_id}/catatan", data={"text": note}).status_code == 303
    assert note in budi.get(f"/admin/pengaduan/{complaint_id}").get_data(as_text=True)
    public = client.get(f"/pengaduan/{code}").get_data(as_text=True)
    fragment = client.get(f"/pengaduan/{code}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert note not in public and note not in fragment and "Catatan internal" not in public
    noted = next(e for e in published if e.name == "complaint.noted")
    assert note not in str(noted.public) and f"complaint:{code}" not in noted.rooms
    assert ("note", True, note) in _steps(app, complaint_id)
    assert all(kind != "note" for kind, _, _ in _steps(app, complaint_id, public=True))


def test_the_complainant_replies_and_the_complaint_opens_again(app, staff, client, published):
    complaint_id, code = _complaint(app, service_code="A")
    budi = login(app.test_client(), "budi")
    # before the office answers there is nothing to reply to
    assert 'id="reply-form"' not in client.get(f"/pengaduan/{code}").get_data(as_text=True)
    early = client.post(f"/pengaduan/{code}/balas", data={"text": "Halo?"})
    assert early.status_code == 400 and "masih diproses" in early.get_data(as_text=True)
    budi.post(f"/admin/pengaduan/{complaint_id}", data={"status": "answered", "response": "Sudah diverifikasi."})
    page = client.get(f"/pengaduan/{code}").get_data(as_text=True)
    assert 'id="reply-form"' in page
    for text, message in (("   ", "Wajib diisi."), ("r" * 2001, "Paling banyak 2000 karakter.")):
        response = client.post(f"/pengaduan/{code}/balas", data={"text": text})
        assert response.status_code == 400
        assert re.search(r'id="text-error"[^>]*>' + re.escape(message), response.get_data(as_text=True))
    reply = "Masih belum bisa masuk, muncul pesan akun ditolak."
    response = client.post(f"/pengaduan/{code}/balas", data={"text": reply})
    assert response.status_code == 303 and "balas=1" in response.headers["Location"]
    with app.app_context():
        item = db.session.get(Complaint, complaint_id)
        assert item.status == "in_progress" and item.response == "Sudah diverifikasi."
    page = client.get(f"/pengaduan/{code}?balas=1").get_data(as_text=True)
    assert 'id="reply-sent"' in page and reply in page and "Dibuka kembali" in page
    reopened = next(e for e in published if e.name == "complaint.reopened")
    assert f"complaint:{code}" in reopened.rooms and reply not in str(reopened.public)
    # the office sees the reply and answers again; then closes
    assert reply in budi.get(f"/admin/pengaduan/{complaint_id}").get_data(as_text=True)
    budi.post(f"/admin/pengaduan/{complaint_id}", data={"status": "answered", "response": "Akun sudah dibuka."})
    budi.post(f"/admin/pengaduan/{complaint_id}", data={"status": "closed"})
    kinds = [kind for kind, _, _ in _steps(app, complaint_id, public=True)]
    assert kinds == ["received", "answered", "reply", "reopened", "answered", "closed"]
    # a closed complaint can be replied to (it opens again) until its contact is purged
    with app.app_context():
        item = db.session.get(Complaint, complaint_id)
        from loket.timeutil import utcnow

        item.contact_purged_at = utcnow()
        db.session.commit()
    assert 'id="reply-form"' not in client.get(f"/pengaduan/{code}").get_data(as_text=True)
    assert client.post(f"/pengaduan/{code}/balas", data={"text": "lagi"}).status_code == 400


def test_the_tracking_room_is_open_to_the_code_only(app, client):
    _, code = _complaint(app)
    sio = socketio.test_client(app, flask_test_client=client)
    ack = sio.emit("subscribe", {"rooms": [f"complaint:{code}", "complaint:AAAAAAAAAA", "complaint:" + "x" * 70]},
                   callback=True)
    assert ack == {"ok": True, "rooms": [f"complaint:{code}"]}
    sio.disconnect()


def test_every_complaint_has_its_received_step(app, staff):
    complaint_id, _ = _complaint(app)
    with app.app_context():
        steps = list(db.session.scalars(select(ComplaintStep).where(ComplaintStep.complaint_id == complaint_id)))
        assert [s.kind for s in steps] == ["received"] and not steps[0].internal


def test_an_answer_from_a_page_out_of_date_never_overwrites_anothers(app, staff):
    """The supervisor and the assignee both have the complaint open; the assignee answers first. The
    supervisor's answer from the older page is refused (409), says so in words, keeps what they typed and
    shows the new answer; sent again from the page as it is now, it goes through."""
    complaint_id, _code = _complaint(app)
    boss, rina = (login(app.test_client(), n) for n in ("kasubag", "rina"))
    assert boss.post(f"/admin/pengaduan/{complaint_id}/tugaskan", data={"assignee": str(staff["rina"])}).status_code == 303
    page = boss.get(f"/admin/pengaduan/{complaint_id}").get_data(as_text=True)
    seen = re.search(r'name="seen" value="(\d+)"', page).group(1)
    assert rina.post(f"/admin/pengaduan/{complaint_id}", data={
        "status": "answered", "response": "Sudah diverifikasi.", "seen": seen}).status_code == 303
    stale = boss.post(f"/admin/pengaduan/{complaint_id}", data={
        "status": "answered", "response": "Jawaban versi saya.", "seen": seen})
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "baru saja diubah petugas lain (kini dijawab)" in html
    assert "Jawaban versi saya." in html and "Sudah diverifikasi." in html  # typed text kept, new answer shown
    with app.app_context():
        assert db.session.get(Complaint, complaint_id).response == "Sudah diverifikasi."
    fresh = re.search(r'name="seen" value="(\d+)"', html).group(1)
    assert boss.post(f"/admin/pengaduan/{complaint_id}", data={
        "status": "answered", "response": "Jawaban versi saya.", "seen": fresh}).status_code == 303
    # a refused move names the statuses as the page does, in its language
    refused = boss.post(f"/admin/pengaduan/{complaint_id}?lang=en", data={"status": "in_progress"})
    assert refused.status_code == 409
    assert "A complaint with status answered cannot be changed to in progress." in refused.get_data(as_text=True)
