"""The board renderer works in the background: the request that changes the queue returns without
rendering, a burst of events is rendered once per board and every call of it is announced in order,
and a board that fails to render stops neither the other displays nor later events."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from loket.display.models import Display
from loket.extensions import db, socketio

from display_helpers import boards_held, call_at, counter, renderer, service, settle


def screen(app, display_id: str):
    sio = socketio.test_client(app)
    room = f"display:{display_id}"
    assert sio.emit("subscribe", {"rooms": [room]}, callback=True)["rooms"] == [room]
    return sio


def split(sio) -> tuple[list[dict], list[dict], list[str]]:
    """Board swaps, announcements, and the order of every message's name."""
    messages = sio.get_received()
    return ([m["args"][0] for m in messages if m["name"] == "swap" and m["args"][0]["target"] == "#board"],
            [m["args"][0] for m in messages if m["name"] == "announce"],
            [m["name"] for m in messages])


def add_display(display_id: str, **selection) -> None:
    from loket.offices.scope import default_office

    db.session.add(Display(id=display_id, name=display_id, service_ids=selection.get("service_ids", []),
                           counter_ids=selection.get("counter_ids", []), running_text="",
                           offices=[default_office()]))
    db.session.commit()


def test_the_request_returns_before_its_screens_are_rendered(app, client, officer, monkeypatch):
    with app.app_context():
        desk = counter(1).id
    tv = screen(app, "1")
    boards = renderer(app)
    before = boards.renders
    with boards_held(monkeypatch) as hold:
        issued = client.post("/api/v1/tickets", json={"service": "A"})
        assert issued.status_code == 201 and issued.get_json()["number"] == "A-001"
        assert hold.entered.wait(10)  # the worker has the issue's event, and is held in its render ...
        called = officer.post(f"/counter/{desk}/call", headers={"HX-Request": "true"})
        assert called.status_code == 200 and "A-001 dipanggil." in called.get_data(as_text=True)
        # ... while both requests have returned: nothing rendered or sent in them.
        assert boards.renders == before and not boards.idle()
        assert tv.get_received() == []
        hold.release()
        settle(app)
    swaps, announces, order = split(tv)
    # The held burst (the issue) renders after the release and so already shows the call; then the call's own.
    assert boards.renders - before == 2 and order == ["swap", "swap", "announce"]
    assert all('data-number="A-001"' in swap["html"] for swap in swaps)
    assert [a["number"] for a in announces] == ["A-001"] and announces[0]["recall"] is False
    tv.disconnect()


def test_a_burst_of_calls_is_announced_in_order_and_rendered_once_per_board(app, ctx, client, monkeypatch):
    from loket.queue import core

    add_display("loket-1-2", counter_ids=[counter(1).id, counter(2).id])
    desks = {number: counter(number).services[0].code for number in (1, 2, 3, 4)}  # A, B, C, D
    for code in desks.values():
        for _ in range(5):
            core.issue_ticket(code)
    screens = {"1": screen(app, "1"), "loket-1-2": screen(app, "loket-1-2")}
    boards = settle(app)
    for sio in screens.values():
        sio.get_received()
    before, bursts = boards.renders, boards.bursts

    called = []  # (number, counter) in the order of the calls
    with boards_held(monkeypatch) as hold:
        for i in range(20):  # five rounds over four counters, each closing its case before the next call
            number = (1, 3, 2, 4)[i % 4]
            for ticket in _at_counter(number):
                core.close_case(ticket)
            called.append((call_at(number, desks[number]).number, number))
            if i == 0:
                assert hold.entered.wait(10)  # the worker is busy with the first call: the rest arrives meanwhile
        hold.release()
        settle(app)

    assert len({number for number, _ in called}) == 20
    bursts = boards.bursts - bursts
    assert bursts == 2  # the held first call, then everything that arrived meanwhile (39 events) as one burst
    assert boards.renders - before == 2 * bursts  # each display's board once per burst, not once per event
    final = client.get("/display/1/board", headers={"HX-Request": "true"}).get_data(as_text=True)
    final_1_2 = client.get("/display/loket-1-2/board", headers={"HX-Request": "true"}).get_data(as_text=True)
    for display_id, expected_calls, expected_board in (("1", called, final),
                                                       ("loket-1-2", [c for c in called if c[1] in (1, 2)], final_1_2)):
        swaps, announces, order = split(screens[display_id])
        # Every call exactly once, in the order they were made; the last board pushed is the final state.
        assert [(a["number"], a["counter"]) for a in announces] == expected_calls, display_id
        assert len({a["id"] for a in announces}) == len(announces)
        assert len(swaps) == bursts and swaps[-1]["html"] == expected_board, display_id
        assert order[0] == "swap"  # each burst's board comes before its calls
    last_number, last_counter = called[-1]
    assert f'data-number="{last_number}"' in final and f"Loket {last_counter}" in final
    for sio in screens.values():
        sio.disconnect()


def _at_counter(number: int):
    from sqlalchemy import select

    from loket.queue.models import AT_COUNTER_STATES, Ticket

    return list(db.session.scalars(select(Ticket).where(Ticket.counter_id == counter(number).id,
                                                        Ticket.state.in_(AT_COUNTER_STATES))))


def test_displays_with_the_same_selection_share_one_render(app, ctx, make_ticket):
    add_display("twin")  # everything of the first office, like display 1
    add_display("only-b", service_ids=[service("B").id])
    one, twin, only_b = screen(app, "1"), screen(app, "twin"), screen(app, "only-b")
    make_ticket("A")
    boards = settle(app)
    for sio in (one, twin, only_b):
        sio.get_received()
    before = boards.renders
    call_at(1, "A")
    settle(app)
    assert boards.renders - before == 2  # display 1 and "twin" share a board; "only-b" has its own
    (one_swaps, one_calls, _), (twin_swaps, twin_calls, _) = split(one), split(twin)
    assert one_swaps == twin_swaps and len(one_swaps) == 1 and 'data-number="A-001"' in one_swaps[0]["html"]
    assert [a["number"] for a in one_calls] == [a["number"] for a in twin_calls] == ["A-001"]
    swaps, calls, _ = split(only_b)
    assert len(swaps) == 1 and calls == []  # its counters changed; service A is not called out there
    for sio in (one, twin, only_b):
        sio.disconnect()


def test_a_failing_board_stops_neither_other_displays_nor_later_events(app, ctx, make_ticket, monkeypatch, caplog):
    from loket.display import board
    from loket.queue import core

    add_display("lobby")
    add_display("only-a", service_ids=[service("A").id])
    one, only_a = screen(app, "1"), screen(app, "only-a")
    for _ in range(3):
        make_ticket("A")
    settle(app)
    one.get_received(), only_a.get_received()

    real, failed = board.build, []

    def build_failing_once_for_display_1(display):
        if display.id == "1" and not failed:
            failed.append(display.id)
            raise RuntimeError("board of display 1 broke")
        return real(display)

    monkeypatch.setattr(board, "build", build_failing_once_for_display_1)
    with caplog.at_level(logging.ERROR, logger="loket.display.renderer"):
        first = call_at(1, "A")
        settle(app)
    assert failed == ["1"] and "could not render the board for display 1" in caplog.text
    swaps, announces, _ = split(one)
    assert swaps == [] and [a["number"] for a in announces] == [first.number]  # no board, but the call is said
    swaps, announces, _ = split(only_a)
    assert len(swaps) == 1 and [a["number"] for a in announces] == [first.number]

    # The worker goes on: the next call reaches display 1 with its board.
    core.close_case(first)
    second = call_at(1, "A")
    settle(app)
    swaps, announces, _ = split(one)
    assert swaps and f'data-number="{second.number}"' in swaps[-1]["html"]
    assert [a["number"] for a in announces] == [second.number]

    # A whole burst failing (here: reading the displays' offices) is logged; the worker survives it too.
    real_office_ids, broken = board.office_ids, []

    def office_ids_failing_once(display):
        if not broken:
            broken.append(display.id)
            raise RuntimeError("database away")
        return real_office_ids(display)

    monkeypatch.setattr(board, "office_ids", office_ids_failing_once)
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="loket.display.renderer"):
        core.close_case(second)
        settle(app)
    assert broken and "display boards could not be sent for 1 event(s): ticket.closed" in caplog.text
    one.get_received()
    third = call_at(1, "A")
    settle(app)
    swaps, announces, _ = split(one)
    assert len(swaps) == 1 and f'data-number="{third.number}"' in swaps[0]["html"]
    assert [a["number"] for a in announces] == [third.number]
    one.disconnect(), only_a.disconnect()


def test_an_idle_worker_ends_and_the_next_event_starts_another(app, ctx, make_ticket, monkeypatch):
    from loket.display import renderer as renderer_module

    monkeypatch.setattr(renderer_module, "IDLE_EXIT_SECONDS", 0.05)
    tv = screen(app, "1")
    make_ticket("A")
    boards = settle(app)
    first = boards._worker
    assert first is not None and first.name == renderer_module.WORKER_NAME and first.daemon
    first.join(5)
    assert not first.is_alive() and boards._worker is None
    before = boards.renders
    call_at(1, "A")
    settle(app)
    assert boards.renders - before == 1 and boards._worker is not first
    assert [m["name"] for m in tv.get_received()][-2:] == ["swap", "announce"]
    tv.disconnect()


def test_the_worker_is_a_greenlet_under_gevent(tmp_path):
    """As under `loket serve`: the standard library monkey-patched, Socket.IO in gevent mode. The worker
    must run as a greenlet (no OS thread, nothing gevent cannot switch away from) and still deliver."""
    script = textwrap.dedent("""
        from gevent import monkey
        monkey.patch_all()
        import os, sys, threading
        sys.path.insert(0, sys.argv[2])
        from support import migrated_app
        from loket.bootstrap import ensure_ready
        from loket.extensions import db, socketio

        folder = sys.argv[1]
        app = migrated_app({"INSTANCE_PATH": folder, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/g.db",
                            "LOKET_ASYNC_MODE": "gevent", "LOKET_OFFICE_HOURS": "24/7", "RATELIMIT_ENABLED": False})
        with app.app_context():
            ensure_ready()
            db.session.remove()
        tv = socketio.test_client(app)
        tv.emit("subscribe", {"rooms": ["display:1"]}, callback=True)
        threads = len(os.listdir("/proc/self/task"))
        client = app.test_client()
        boards = app.extensions["loket.display_renderer"]
        for _ in range(5):
            assert client.post("/api/v1/tickets", json={"service": "A"}).status_code == 201
        assert boards.wait_idle(10)
        assert len(os.listdir("/proc/self/task")) == threads, "the worker is an OS thread"
        assert boards._worker is not None and threading.current_thread() is not boards._worker
        swaps = [m for m in tv.get_received() if m["name"] == "swap"]
        assert swaps and 'data-waiting="5"' in swaps[-1]["args"][0]["html"], swaps
        assert 1 <= boards.renders <= 5
        print("ok", boards.renders, boards.bursts)
    """)
    tests = Path(__file__).resolve().parents[1]
    folder = tmp_path / "instance"
    folder.mkdir()
    result = subprocess.run([sys.executable, "-c", script, str(folder), str(tests)], capture_output=True, text=True,
                            timeout=120, cwd=str(tests.parent), env={**os.environ, "LOKET_INSTANCE": str(folder)})
    assert result.returncode == 0 and result.stdout.startswith("ok"), result.stdout + result.stderr[-3000:]
