"""The public pages' app for the a11y tests: one app, its data and one live server per test module
(`public_site`), so the pages are opened many times without building a database per page.
"""
from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

SECOND_STANDARD = Path(__file__).parents[1] / "fixtures" / "standar-kantor-kedua.toml"


def _seed(app) -> SimpleNamespace:
    """What the public pages show: a waiting, a called and a no-show ticket, a priority ticket waiting, a
    paused counter, a closed case whose rating screen is lit (its ticket finished, for the survey), a
    complaint to track, and a second office with kiosk "mal" listing both."""
    from loket.bootstrap import add_counters
    from loket.catalogue.loader import load_file
    from loket.counter import desk, rating
    from loket.extensions import db
    from loket.feedback import complaints
    from loket.kiosk.models import Kiosk
    from loket.offices.scope import create_office, default_office
    from loket.queue import core
    from loket.queue.models import Counter

    with app.app_context():
        office = default_office()

        def counter(number: int) -> Counter:
            return db.session.scalar(select(Counter).where(Counter.number == number, Counter.office_id == office.id))

        no_show = core.issue_ticket("B")
        core.call_next(counter(2))
        core.mark_no_show(no_show)
        core.issue_ticket("B", priority=True, priority_reason="lansia")  # waits, marked on the TV
        core.set_paused(counter(3), True)
        done = core.issue_ticket("A")
        core.call_next(counter(1))
        core.close_case(done)
        rating.request_rating(done, counter(1))  # as the desk does on closing: the rating screen lights up
        called = core.issue_ticket("A")
        core.call_next(counter(1))
        waiting = core.issue_ticket("A")
        complaint = complaints.submit(category="pengaduan", message="Antrean terlalu lama di loket 1.",
                                      office_id=office.id)
        second = create_office("dukcapil", name="Disdukcapil Contoh", prefix="DK")
        load_file(SECOND_STANDARD, second)
        add_counters(second)
        mall = Kiosk(id="mal", name="Kiosk mal", printer={"kind": "preview", "paper": "80mm", "qr": "native"})
        mall.offices = [office, second]
        db.session.add(mall)
        db.session.commit()
        info = SimpleNamespace(waiting=waiting.token, called=called.token, done=done.token, no_show=no_show.token,
                               complaint=complaint.code, counter=counter(1).id,
                               slug=core.get_service("A", office.id).slug, rate_key=desk.pairing_key(counter(1)))
        db.session.remove()
    return info


@pytest.fixture(scope="module")
def public_site(tmp_path_factory):
    """The app served live with the seeded public data: `public_site.url`, `.app` and the `_seed` names."""
    from werkzeug.serving import make_server

    from loket.bootstrap import ensure_ready
    from loket.extensions import db
    from support import free_port, migrated_app

    instance = tmp_path_factory.mktemp("a11y") / "instance"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = migrated_app({
        "TESTING": True, "INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'test.db'}",
        "LOKET_PUBLIC_BASE_URL": url, "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
        "LOKET_OFFICE_HOURS": "24/7",
        # nothing moves on by itself while axe reads a page
        "LOKET_KIOSK_IDLE_SECONDS": 900, "LOKET_KIOSK_DONE_SECONDS": 900, "LOKET_RATING_TIMEOUT": 3600})
    with app.app_context():
        ensure_ready()
        db.session.remove()
    data = _seed(app)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=url, app=app, **vars(data))
    server.shutdown()
    thread.join(5)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
