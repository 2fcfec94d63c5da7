"""Desk hand-offs: the receiving counter sees where a transferred visitor comes from and the note the
first officer wrote; "called N times" counts this counter's calls, not the previous counter's."""
from __future__ import annotations

from sqlalchemy import select

from loket.extensions import db
from support import login


def _counter_id(app, number):
    from loket.queue.models import Counter

    with app.app_context():
        return db.session.scalar(select(Counter.id).where(Counter.number == number))


def test_the_receiving_counter_sees_the_transfer_note_and_its_own_calls(app, make_user):
    from loket.queue import core

    make_user("petugas-a", counters=(1,))   # counter 1 serves A
    make_user("petugas-b", counters=(2,))   # counter 2 serves B
    first, second = _counter_id(app, 1), _counter_id(app, 2)
    with app.app_context():
        core.issue_ticket("A")
        db.session.remove()
    a = login(app.test_client(), "petugas-a")
    assert a.post(f"/counter/{first}/call").status_code == 303
    a.post(f"/counter/{first}/recall")
    a.post(f"/counter/{first}/recall")
    desk_a = a.get(f"/counter/{first}").get_data(as_text=True)
    assert "dipanggil 3 kali" in desk_a and 'id="transfer-note"' not in desk_a
    assert a.post(f"/counter/{first}/transfer", data={"service": "B", "note": "Berkas akta belum lengkap, mohon dicek."}
                  ).status_code == 303

    b = login(app.test_client(), "petugas-b")
    b.post(f"/counter/{second}/call")
    desk_b = b.get(f"/counter/{second}").get_data(as_text=True)
    assert "A-001" in desk_b
    assert 'id="transfer-note"' in desk_b and "Dialihkan dari layanan A" in desk_b and "(Loket 1)" in desk_b
    assert "Berkas akta belum lengkap, mohon dicek." in desk_b
    assert " kali" not in desk_b.split('id="current"')[1].split("</section>")[0]  # one call here, not four
    b.post(f"/counter/{second}/recall")
    assert "dipanggil 2 kali" in b.get(f"/counter/{second}").get_data(as_text=True)
    english = b.get(f"/counter/{second}?lang=en").get_data(as_text=True)
    assert "Transferred from service A" in english


def test_a_transfer_without_a_note_still_says_where_from(app, make_user):
    from loket.queue import core

    make_user("petugas-a", counters=(1,))
    make_user("petugas-b", counters=(2,))
    first, second = _counter_id(app, 1), _counter_id(app, 2)
    with app.app_context():
        core.issue_ticket("A")
        db.session.remove()
    a = login(app.test_client(), "petugas-a")
    a.post(f"/counter/{first}/call")
    a.post(f"/counter/{first}/transfer", data={"service": "B"})
    b = login(app.test_client(), "petugas-b")
    b.post(f"/counter/{second}/call")
    desk_b = b.get(f"/counter/{second}").get_data(as_text=True)
    assert "Dialihkan dari layanan A (Loket 1)" in desk_b and "<q>" not in desk_b
